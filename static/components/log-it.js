// "Log it" on a title's page: a dated session in one's diary (today by default), with an
// optional rating, like and replay; games say finished or abandoned.
import { h, ref, reactive } from "../lib/vue.js";
import { api, idempotencyKey } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { RouterLink } from "../lib/router.js";
import { me } from "../lib/session.js";

const RATINGS = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];

function today() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

export const LogIt = {
  name: "LogIt",
  props: { media: { type: Object, required: true } },
  emits: ["logged"],
  setup(props, { emit }) {
    const form = reactive({ date: today(), rating: "", liked: false, replay: false, outcome: "" });
    const busy = ref(false);
    const error = ref("");
    const logged = ref(null);

    async function submit(event) {
      event.preventDefault();
      busy.value = true;
      error.value = "";
      try {
        const body = { date: form.date || undefined, liked: form.liked, replay: form.replay };
        if (form.rating) body.rating = Number(form.rating);
        if (props.media.kind === "game" && form.outcome) body.outcome = form.outcome;
        logged.value = await api.post(`/api/v1/media/${props.media.id}/logs`, body, { headers: idempotencyKey() });
        emit("logged", logged.value);
      } catch (failure) {
        error.value = Object.values(failure.fields || {})[0] || failure.message;
      } finally {
        busy.value = false;
      }
    }

    return () => h("form", { class: "form log-it", "aria-labelledby": "log-heading", onSubmit: submit }, [
      h("h3", { id: "log-heading" }, t("diary.log_it")),
      h("div", { class: "filters" }, [
        h("div", { class: "field" }, [
          h("label", { for: "log-date" }, t("diary.date")),
          h("input", { id: "log-date", type: "date", value: form.date, max: today(), onInput: (e) => { form.date = e.target.value; } }),
        ]),
        h("div", { class: "field" }, [
          h("label", { for: "log-rating" }, t("diary.rating")),
          h("select", { id: "log-rating", value: form.rating, onChange: (e) => { form.rating = e.target.value; } }, [
            h("option", { value: "", selected: form.rating === "" }, t("diary.no_rating")),
            ...RATINGS.map((r) => h("option", { value: String(r), selected: form.rating === String(r) }, `${r}★`)),
          ]),
        ]),
        props.media.kind === "game" ? h("div", { class: "field" }, [
          h("label", { for: "log-outcome" }, t("diary.outcome")),
          h("select", { id: "log-outcome", value: form.outcome, onChange: (e) => { form.outcome = e.target.value; } }, [
            h("option", { value: "", selected: !form.outcome }, t("diary.outcome.none")),
            h("option", { value: "finished", selected: form.outcome === "finished" }, t("diary.outcome.finished")),
            h("option", { value: "abandoned", selected: form.outcome === "abandoned" }, t("diary.outcome.abandoned")),
          ]),
        ]) : null,
      ]),
      h("div", { class: "act-row" }, [
        h("label", { class: "checkbox" }, [h("input", { type: "checkbox", checked: form.liked, onChange: (e) => { form.liked = e.target.checked; } }), t("diary.liked")]),
        h("label", { class: "checkbox" }, [h("input", { type: "checkbox", checked: form.replay, onChange: (e) => { form.replay = e.target.checked; } }), t("diary.replay")]),
        h("button", { type: "submit", class: "button", disabled: busy.value }, t("diary.log_button")),
      ]),
      error.value ? h("p", { class: "field-error", role: "alert" }, error.value) : null,
      logged.value && me.value ? h("p", { role: "status" }, [t("diary.logged"), " ", h(RouterLink, { to: `/users/${me.value.id}/diary?year=${logged.value.date.slice(0, 4)}&month=${Number(logged.value.date.slice(5, 7))}`, class: "link" }, () => t("diary.see_diary"))]) : null,
    ]);
  },
};
