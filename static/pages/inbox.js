// The notifications inbox: newest first, unread ones marked; mark one or all read. New
// notifications arrive live (user:{id}, through lib/inbox.js) at the top.
import { h, ref, onMounted, onBeforeUnmount } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t, formatRelative } from "../lib/i18n.js";
import { RouterLink } from "../lib/router.js";
import { toast } from "../lib/toasts.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { unread, onInbox } from "../lib/inbox.js";
import { ErrorBox } from "../components/error-box.js";
import { LoadMore } from "../components/infinite-list.js";

export default {
  name: "InboxPage",
  setup() {
    pageTitle("inbox.title");
    const items = ref([]);
    const cursor = ref(null);
    const { loading, error, load } = loader(async ({ more = false } = {}) => {
      const page = await api.get("/api/v1/me/notifications", { query: { limit: 20, cursor: more ? cursor.value : undefined } });
      items.value = more ? [...items.value, ...page.items.filter((n) => !items.value.some((o) => o.id === n.id))] : page.items;
      cursor.value = page.next_cursor;
      unread.value = page.unread;
    });
    // Subscribed (through the app's user channel) before the snapshot: nothing slips by.
    const stop = onInbox((data) => {
      if (data.type === "identity.notifications_read") {
        load();
        return;
      }
      if (items.value.some((n) => n.id === data.notification_id)) return;
      const { type, notification_id, created_at, unread: _count, ...rest } = data;
      items.value = [{ id: notification_id, kind: type, data: rest, created_at, read: false, fresh: true }, ...items.value];
    });
    onMounted(() => load());
    onBeforeUnmount(stop);

    async function markRead(body) {
      try {
        const answer = await api.post("/api/v1/me/notifications/read", body);
        unread.value = answer.unread;
        const ids = body.ids ? new Set(body.ids) : null;
        items.value = items.value.map((n) => (!ids || ids.has(n.id) ? { ...n, read: true } : n));
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    function describe(n) {
      if (n.kind === "identity.new_follower") {
        const [before, after] = t("inbox.new_follower", { name: "\u0000" }).split("\u0000");
        return [before, h(RouterLink, { to: `/users/${n.data.follower_id}` }, () => n.data.display_name), after];
      }
      if (n.kind === "interaction.new_season") return t("inbox.new_season", { title: n.data.title, number: n.data.season_number });
      if (n.kind === "commerce.price_drop") return t("toast.price_drop", n.data);
      if (n.kind === "commerce.available") return t("toast.available", n.data);
      if (n.kind === "interaction.shared_list_invite") {
        const [before, after] = t("inbox.shared_list_invite", { name: n.data.display_name, list: "\u0000" }).split("\u0000");
        return [before, h(RouterLink, { to: "/watchlists" }, () => n.data.name), after];
      }
      if (n.kind === "interaction.hidden_review") return t("inbox.hidden_review", { reason: n.data.reason });
      return t("inbox.other");
    }

    function item(n) {
      return h("li", { key: n.id, class: ["notice", n.read ? "" : "notice-unread", n.fresh ? "review-new" : ""], "data-notification": n.id }, [
        h("p", { class: "notice-text" }, [n.read ? null : h("span", { class: "sr-only" }, `${t("inbox.unread")}: `), ...[describe(n)].flat()]),
        h("time", { class: "muted", datetime: n.created_at }, formatRelative(n.created_at)),
        n.read ? null : h("button", { type: "button", class: "link", onClick: () => markRead({ ids: [n.id] }) }, t("inbox.mark_read")),
      ]);
    }

    return () => h("div", { class: "page narrow" }, [
      heading(t("inbox.title")),
      h("div", { class: "actions" }, [
        h("p", { class: "num", "aria-live": "polite", "data-inbox-unread": unread.value ?? 0 }, t("inbox.unread_count", { count: unread.value ?? 0 })),
        unread.value ? h("button", { type: "button", class: "button secondary", onClick: () => markRead({ all: true }) }, t("inbox.mark_all_read")) : null,
      ]),
      error.value ? h(ErrorBox, { error: error.value, onRetry: () => load() }) : null,
      !loading.value && !items.value.length && !error.value ? h("p", { class: "muted" }, t("inbox.empty")) : null,
      h("ul", { class: "notices" }, items.value.map(item)),
      h(LoadMore, { hasMore: Boolean(cursor.value), loading: loading.value, onMore: () => load({ more: true }) }),
    ]);
  },
};
