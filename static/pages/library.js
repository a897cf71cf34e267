// A user's library: tabs by status (with their counts), a kind filter, most recent first;
// each title with the user's rating and like. The owner's privacy may hide it (403).
import { h, ref, computed, watch, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t, formatNumber, formatDate } from "../lib/i18n.js";
import { route, replaceQuery, RouterLink } from "../lib/router.js";
import { me } from "../lib/session.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { Cover } from "../components/cover.js";
import { ErrorBox } from "../components/error-box.js";
import { LoadMore } from "../components/infinite-list.js";

const STATUSES = ["watchlist", "wishlist", "watching", "playing", "watched", "completed", "dropped"];
const KINDS = ["", "game", "film", "series"];

export default {
  name: "LibraryPage",
  setup() {
    const id = Number(route.params.id);
    const user = ref(null);
    const counts = ref(null);
    const items = ref([]);
    const cursor = ref(null);
    const status = () => (STATUSES.includes(route.query.status) ? route.query.status : "");
    const kind = () => (KINDS.includes(route.query.kind) ? route.query.kind : "");
    pageTitle(() => (user.value ? t("library.title_of", { name: user.value.display_name }) : t("library.title")));

    const { loading, error, load } = loader(async ({ more = false } = {}) => {
      const page = await api.get(`/api/v1/users/${id}/library`, { query: { status: status() || undefined, kind: kind() || undefined, limit: 24, cursor: more ? cursor.value : undefined } });
      items.value = more ? [...items.value, ...page.items] : page.items;
      cursor.value = page.next_cursor;
    });
    onMounted(async () => {
      user.value = await api.get(`/api/v1/users/${id}`).catch(() => null);
      counts.value = await api.get(`/api/v1/users/${id}/library/counts`, { quiet: true }).catch(() => null);
      await load();
    });
    watch(() => [route.query.status, route.query.kind], () => load());

    const countFor = (s) => {
      if (!counts.value) return null;
      const kinds = kind() ? [kind()] : Object.keys(counts.value.by_status);
      return kinds.reduce((sum, k) => sum + (counts.value.by_status[k]?.[s] ?? 0), 0);
    };
    const shownStatuses = computed(() => STATUSES.filter((s) => !counts.value || countFor(s) > 0 || s === status()));

    function tab(s) {
      const count = s ? countFor(s) : null;
      const label = s ? t(`status.${s}`) : t("library.all");
      return h("button", { type: "button", class: "tab", "aria-pressed": String(status() === s), onClick: () => replaceQuery({ ...route.query, status: s || undefined }) },
        count === null ? label : [label, " ", h("span", { class: "num muted" }, formatNumber(count))]);
    }

    function row(item) {
      return h("li", { key: item.media.id, class: "shelf-row" }, [
        h(RouterLink, { to: `/titles/${item.media.slug}`, class: "shelf-cover", tabindex: "-1", "aria-hidden": "true" }, () => h(Cover, { media: item.media })),
        h("div", [
          h(RouterLink, { to: `/titles/${item.media.slug}`, class: "board-title" }, () => item.media.title),
          h("p", { class: "muted" }, [
            t(`kind.${item.media.kind}`), item.media.year ? ` · ${item.media.year}` : "", " · ", t(`status.${item.status}`),
            item.rating !== null ? ` · ${formatNumber(item.rating)}★` : "",
            item.liked ? ` · ${t("title.liked")}` : "",
          ]),
          h("p", { class: "muted small" }, t("library.changed", { date: formatDate(item.updated_at) })),
        ]),
      ]);
    }

    return () => h("div", { class: "page" }, [
      heading(user.value ? t("library.title_of", { name: user.value.display_name }) : t("library.title")),
      h("p", [h(RouterLink, { to: `/users/${id}`, class: "link" }, () => t("library.back_to_profile")), " ", h(RouterLink, { to: `/users/${id}/diary`, class: "link" }, () => t("diary.title")),
        me.value?.id === id ? [" ", h(RouterLink, { to: "/import", class: "link" }, () => t("import.link"))] : null]),
      h("div", { class: "tabs", role: "group", "aria-label": t("library.by_status") }, [tab(""), ...shownStatuses.value.map(tab)]),
      h("div", { class: "chips", role: "group", "aria-label": t("library.by_kind") },
        KINDS.map((k) => h("button", { type: "button", class: "chip", "aria-pressed": String(kind() === k), onClick: () => replaceQuery({ ...route.query, kind: k || undefined }) }, t(`trending.kinds.${k || "all"}`)))),
      error.value ? h(ErrorBox, { error: error.value, onRetry: () => load() }) : null,
      !loading.value && !error.value && !items.value.length ? h("p", { class: "muted" }, t("library.empty")) : null,
      h("ul", { class: "shelf", "aria-label": t("library.title") }, items.value.map(row)),
      h(LoadMore, { hasMore: Boolean(cursor.value), loading: loading.value, onMore: () => load({ more: true }) }),
    ]);
  },
};
