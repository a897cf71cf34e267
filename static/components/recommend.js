// "Recommend" on a title's page: pick a friend (someone who follows you back), add a note;
// they are told in their inbox and live.
import { h, ref, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { toast } from "../lib/toasts.js";

export const Recommend = {
  name: "Recommend",
  props: { media: { type: Object, required: true } },
  setup(props) {
    const friends = ref([]);
    const chosen = ref("");
    const note = ref("");
    const busy = ref(false);
    const error = ref("");
    onMounted(async () => {
      friends.value = (await api.get("/api/v1/me/friends").catch(() => ({ items: [] }))).items;
      if (friends.value.length) chosen.value = String(friends.value[0].id);
    });

    async function send(event) {
      event.preventDefault();
      busy.value = true;
      error.value = "";
      try {
        await api.post(`/api/v1/media/${props.media.id}/recommend`, { user_id: Number(chosen.value), note: note.value });
        const friend = friends.value.find((f) => String(f.id) === chosen.value);
        toast(t("recommend.sent", { name: friend?.display_name || "" }));
        note.value = "";
      } catch (failure) {
        error.value = failure.message;
      } finally {
        busy.value = false;
      }
    }

    return () => h("div", { class: "recommend" }, [
      h("h3", t("recommend.title")),
      friends.value.length ? h("form", { class: "search-row", onSubmit: send }, [
        h("label", { for: "recommend-to", class: "sr-only" }, t("recommend.to")),
        h("select", { id: "recommend-to", value: chosen.value, onChange: (e) => { chosen.value = e.target.value; } },
          friends.value.map((f) => h("option", { value: String(f.id), selected: chosen.value === String(f.id) }, f.display_name))),
        h("label", { for: "recommend-note", class: "sr-only" }, t("recommend.note")),
        h("input", { id: "recommend-note", type: "text", maxlength: 500, value: note.value, placeholder: t("recommend.note"), onInput: (e) => { note.value = e.target.value; } }),
        h("button", { type: "submit", class: "button secondary", disabled: busy.value }, t("recommend.send")),
      ]) : h("p", { class: "muted" }, t("recommend.no_friends")),
      error.value ? h("p", { class: "field-error", role: "alert" }, error.value) : null,
    ]);
  },
};
