// A list: its name and description, how much of it the viewer has seen, its titles in
// order with their notes; its editors take a title out; readers like or follow it.
import { h, ref, onMounted, onBeforeUnmount } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { live } from "../lib/live.js";
import { t, formatNumber } from "../lib/i18n.js";
import { route, RouterLink, navigate } from "../lib/router.js";
import { me } from "../lib/session.js";
import { toast } from "../lib/toasts.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { Cover } from "../components/cover.js";
import { ErrorBox } from "../components/error-box.js";
import { LoadMore } from "../components/infinite-list.js";

export default {
  name: "ListPage",
  setup() {
    const id = Number(route.params.id);
    const list = ref(null);
    const items = ref([]);
    const cursor = ref(null);
    pageTitle(() => list.value?.name || t("lists.title"));
    const { loading, error, load } = loader(async ({ more = false } = {}) => {
      if (!more) list.value = await api.get(`/api/v1/lists/${id}`);
      const page = await api.get(`/api/v1/lists/${id}/entries`, { query: { limit: 50, cursor: more ? cursor.value : undefined } });
      items.value = more ? [...items.value, ...page.items] : page.items;
      cursor.value = page.next_cursor;
    });
    // Another editor's change comes on list:{id}: refetch what is shown (the read rule applies).
    let sub = null;
    onMounted(async () => {
      sub = live.subscribe(`list:${id}`, { message: () => load(), resync: () => load() });
      await load();
    });
    onBeforeUnmount(() => sub?.close());

    async function mark(what, on) {
      if (!me.value) return navigate(`/signin?next=${encodeURIComponent(route.path)}`);
      try {
        list.value = await api[on ? "put" : "delete"](`/api/v1/lists/${id}/${what}`);
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    async function remove(entry) {
      try {
        await api.delete(`/api/v1/lists/${id}/entries/${entry.media.id}`);
        await load();
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    function row(entry) {
      return h("li", { key: entry.media.id, class: "shelf-row", "data-list-entry": entry.media.id }, [
        list.value.ranked ? h("span", { class: "rank" }, formatNumber(entry.position)) : null,
        h("div", { class: "shelf-cover", "aria-hidden": "true" }, h(Cover, { media: entry.media })),
        h("div", [
          h(RouterLink, { to: `/titles/${entry.media.slug}`, class: "board-title" }, () => entry.media.title),
          h("p", { class: "muted" }, [t(`kind.${entry.media.kind}`), entry.media.year ? ` · ${entry.media.year}` : ""]),
          entry.note ? h("p", entry.note) : null,
        ]),
        list.value.can_edit ? h("button", { type: "button", class: "link", "aria-label": t("lists.remove_title", { title: entry.media.title }), onClick: () => remove(entry) }, t("lists.remove")) : null,
      ]);
    }

    return () => {
      if (error.value && !list.value) return h("div", { class: "page" }, [heading(t("lists.title")), h(ErrorBox, { error: error.value, onRetry: () => load() })]);
      const l = list.value;
      if (!l) return h("p", { class: "muted", role: "status" }, t("common.loading"));
      return h("div", { class: "page narrow" }, [
        heading(l.name),
        h("p", { class: "muted" }, [
          t(l.visibility === "private" ? "lists.private" : "lists.public"), " · ",
          t(l.ranked ? "lists.ranked" : "lists.plain"), " · ",
          h(RouterLink, { to: `/users/${l.owner_id}`, class: "link" }, () => t("lists.by_owner")),
        ]),
        l.description ? h("p", l.description) : null,
        l.seen !== null ? h("div", { class: "list-progress" }, [
          h("p", { class: "num", "data-seen": l.seen }, t("lists.progress", { seen: l.seen, total: l.entries })),
          h("progress", { max: Math.max(l.entries, 1), value: l.seen, "aria-label": t("lists.progress", { seen: l.seen, total: l.entries }) }),
        ]) : null,
        h("div", { class: "actions" }, [
          h("button", { type: "button", class: "button secondary", "aria-pressed": String(l.liked), onClick: () => mark("like", !l.liked) }, [h("span", { "aria-hidden": "true" }, l.liked ? "♥ " : "♡ "), t(l.liked ? "lists.liked" : "lists.like", { count: l.likes })]),
          h("button", { type: "button", class: "button secondary", "aria-pressed": String(l.following), onClick: () => mark("follow", !l.following) }, t(l.following ? "lists.following" : "lists.follow")),
        ]),
        !loading.value && !items.value.length ? h("p", { class: "muted" }, t("lists.empty")) : null,
        h("ol", { class: "shelf", "aria-label": l.name }, items.value.map(row)),
        h(LoadMore, { hasMore: Boolean(cursor.value), loading: loading.value, onMore: () => load({ more: true }) }),
      ]);
    };
  },
};
