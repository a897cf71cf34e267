// A user's diary, a month at a time (days in the owner's time zone), latest day first;
// the owner edits (date, rating, replay, liked) or deletes an entry. The diary is private unless its owner shows it.
import { h, ref, watch, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t, formatNumber, formatDate, language } from "../lib/i18n.js";
import { route, replaceQuery, RouterLink } from "../lib/router.js";
import { me } from "../lib/session.js";
import { toast } from "../lib/toasts.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { ErrorBox } from "../components/error-box.js";
import { LoadMore } from "../components/infinite-list.js";
import { Cover } from "../components/cover.js";

function month() {
  const now = new Date();
  const year = Number(route.query.year) || now.getFullYear();
  const m = Number(route.query.month);
  return { year, month: m >= 1 && m <= 12 ? m : now.getMonth() + 1 };
}

function shift({ year, month: m }, by) {
  const index = year * 12 + (m - 1) + by;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

function isFuture({ year, month: m }) {
  const now = new Date();
  return year * 12 + m > now.getFullYear() * 12 + now.getMonth() + 1;
}

export default {
  name: "DiaryPage",
  setup() {
    const id = Number(route.params.id);
    const user = ref(null);
    const items = ref([]);
    const cursor = ref(null);
    pageTitle(() => (user.value ? t("diary.title_of", { name: user.value.display_name }) : t("diary.title")));
    const { loading, error, load } = loader(async ({ more = false } = {}) => {
      const page = await api.get(`/api/v1/users/${id}/diary`, { query: { ...month(), limit: 50, cursor: more ? cursor.value : undefined } });
      items.value = more ? [...items.value, ...page.items] : page.items;
      cursor.value = page.next_cursor;
    });
    onMounted(async () => {
      user.value = await api.get(`/api/v1/users/${id}`).catch(() => null);
      await load();
    });
    watch(() => [route.query.year, route.query.month], () => load());

    async function remove(entry) {
      if (!window.confirm(t("diary.confirm_delete"))) return;
      try {
        await api.delete(`/api/v1/diary/${entry.id}`);
        items.value = items.value.filter((e) => e.id !== entry.id);
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    // The entry being edited, and its form's values.
    const editing = ref(null);
    const draft = ref({});
    function edit(entry) {
      editing.value = entry.id;
      draft.value = { date: entry.date, rating: entry.rating ?? "", replay: entry.replay, liked: entry.liked };
    }
    async function save(entry) {
      const body = { date: draft.value.date, replay: draft.value.replay, liked: draft.value.liked };
      if (draft.value.rating !== "") body.rating = Number(draft.value.rating);
      try {
        const saved = await api.patch(`/api/v1/diary/${entry.id}`, body);
        editing.value = null;
        if (saved.date !== entry.date) await load();
        else items.value = items.value.map((e) => (e.id === entry.id ? { ...e, ...saved, media: e.media } : e));
        toast(t("diary.saved"));
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    function form(e) {
      const field = (key, label, input) => h("label", { class: "field" }, [h("span", label), input]);
      return h("form", { class: "diary-edit", "aria-label": t("diary.edit_entry", { title: e.media.title }), onSubmit: (event) => { event.preventDefault(); save(e); } }, [
        field("date", t("diary.date"), h("input", { type: "date", value: draft.value.date, required: true, onInput: (ev) => (draft.value.date = ev.target.value) })),
        field("rating", t("diary.rating"), h("input", { type: "number", min: 0.5, max: 5, step: 0.5, value: draft.value.rating, onInput: (ev) => (draft.value.rating = ev.target.value) })),
        h("label", [h("input", { type: "checkbox", checked: draft.value.replay, onChange: (ev) => (draft.value.replay = ev.target.checked) }), " ", t("diary.replay")]),
        h("label", [h("input", { type: "checkbox", checked: draft.value.liked, onChange: (ev) => (draft.value.liked = ev.target.checked) }), " ", t("diary.liked")]),
        h("button", { type: "submit", class: "button" }, t("diary.save")),
        h("button", { type: "button", class: "button secondary", onClick: () => (editing.value = null) }, t("diary.cancel")),
      ]);
    }

    const monthName = (m) => new Intl.DateTimeFormat(language.value, { month: "long", year: "numeric", timeZone: "UTC" }).format(Date.UTC(m.year, m.month - 1, 1));
    const go = (m) => replaceQuery({ year: m.year, month: m.month });

    function entry(e) {
      const own = me.value?.id === e.user_id;
      return h("li", { key: e.id, class: "shelf-row", "data-entry": e.id }, [
        h("div", { class: "shelf-cover", "aria-hidden": "true" }, h(Cover, { media: e.media })),
        h("div", [
          h(RouterLink, { to: `/titles/${e.media.slug}`, class: "board-title" }, () => e.media.title),
          h("p", { class: "muted" }, [
            e.rating !== null ? `${formatNumber(e.rating)}★` : t("diary.no_rating"),
            e.liked ? ` · ${t("title.liked")}` : "",
            e.replay ? ` · ${t("diary.replay")}` : "",
            e.outcome ? ` · ${t(`diary.outcome.${e.outcome}`)}` : "",
            e.platform ? ` · ${e.platform}` : "",
          ]),
        ]),
        own && editing.value === e.id ? form(e) : null,
        own && editing.value !== e.id ? h("button", { type: "button", class: "link", "aria-label": t("diary.edit_entry", { title: e.media.title }), onClick: () => edit(e) }, t("diary.edit")) : null,
        own ? h("button", { type: "button", class: "link", "aria-label": t("diary.delete_entry", { title: e.media.title }), onClick: () => remove(e) }, t("diary.delete")) : null,
      ]);
    }

    function days() {
      const groups = [];
      for (const e of items.value) {
        const last = groups[groups.length - 1];
        if (last && last.date === e.date) last.entries.push(e);
        else groups.push({ date: e.date, entries: [e] });
      }
      return groups.map((g) => h("section", { key: g.date, class: "diary-day" }, [
        h("h3", h("time", { datetime: g.date }, formatDate(`${g.date}T12:00:00Z`, { dateStyle: "full", timeZone: "UTC" }))),
        h("ul", { class: "shelf" }, g.entries.map(entry)),
      ]));
    }

    return () => {
      const current = month();
      return h("div", { class: "page narrow" }, [
        heading(user.value ? t("diary.title_of", { name: user.value.display_name }) : t("diary.title")),
        h("p", [h(RouterLink, { to: `/users/${id}`, class: "link" }, () => t("library.back_to_profile")), " ", h(RouterLink, { to: `/users/${id}/library`, class: "link" }, () => t("library.title"))]),
        h("nav", { class: "month-nav", "aria-label": t("diary.months") }, [
          h("button", { type: "button", class: "button secondary", onClick: () => go(shift(current, -1)) }, [h("span", { "aria-hidden": "true" }, "‹ "), t("diary.previous")]),
          h("h2", { class: "month-name", "aria-live": "polite" }, monthName(current)),
          h("button", { type: "button", class: "button secondary", disabled: isFuture(shift(current, 1)), onClick: () => go(shift(current, 1)) }, [t("diary.next"), h("span", { "aria-hidden": "true" }, " ›")]),
        ]),
        error.value ? h(ErrorBox, { error: error.value, onRetry: () => load() }) : null,
        !loading.value && !error.value && !items.value.length ? h("p", { class: "muted" }, t("diary.empty")) : null,
        ...days(),
        h(LoadMore, { hasMore: Boolean(cursor.value), loading: loading.value, onMore: () => load({ more: true }) }),
      ]);
    };
  },
};
