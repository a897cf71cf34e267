// A profile, one's own or another's: name, avatar, bio, favourite genres, followers and
// following with follow / unfollow, recent activity, reviews, and (one's own) duel ranking.
import { h, ref, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t, formatDate, formatRelative, formatNumber } from "../lib/i18n.js";
import { route, RouterLink, navigate } from "../lib/router.js";
import { me } from "../lib/session.js";
import { toast } from "../lib/toasts.js";
import { heading, pageTitle } from "../lib/page.js";
import { ErrorBox } from "../components/error-box.js";
import { PlayerProgress } from "../components/player-progress.js";

export default {
  name: "ProfilePage",
  setup() {
    const id = Number(route.params.id);
    const user = ref(null);
    const error = ref(null);
    const activity = ref([]);
    const reviews = ref([]);
    const titles = ref({});
    const ranking = ref([]);
    const busy = ref(false);
    const people = ref({ direction: null, items: [] });
    const myLists = ref([]);
    const blocked = ref(null);
    pageTitle(() => user.value?.display_name || t("profile.title"));

    async function load() {
      error.value = null;
      try {
        const [profile, acts, revs] = await Promise.all([
          api.get(`/api/v1/users/${id}`),
          api.get(`/api/v1/users/${id}/activity`, { query: { limit: 15 } }),
          api.get(`/api/v1/users/${id}/reviews`, { query: { limit: 10 } }),
        ]);
        user.value = profile;
        activity.value = acts.items;
        reviews.value = revs.items;
        const ids = [...new Set([...acts.items, ...revs.items].map((item) => item.media_id))];
        const found = await Promise.all(ids.map((mediaId) => api.get(`/api/v1/media/${mediaId}`).catch(() => null)));
        titles.value = Object.fromEntries(found.filter(Boolean).map((m) => [m.id, m]));
        if (me.value?.id === id) myLists.value = (await api.get("/api/v1/me/lists", { query: { limit: 20 } }).catch(() => ({ items: [] }))).items;
        if (me.value?.id === id) ranking.value = (await api.get("/api/v1/me/rankings", { query: { kind: "game", limit: 10 } }).catch(() => ({ entries: [] }))).entries;
      } catch (failure) {
        // Blocked accounts read as "not found": one's own block can be lifted from here.
        if (failure.status === 404 && me.value) {
          const blocks = await api.get("/api/v1/me/blocks", { query: { limit: 100 } }).catch(() => ({ items: [] }));
          blocked.value = blocks.items.find((b) => b.id === id) || null;
        }
        error.value = failure;
      }
    }
    onMounted(load);

    async function block() {
      if (!window.confirm(t("profile.block_confirm", { name: user.value.display_name }))) return;
      try {
        await api.put(`/api/v1/users/${id}/block`);
        toast(t("profile.blocked_toast", { name: user.value.display_name }));
        user.value = null;
        await load();
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    async function unblock() {
      try {
        await api.delete(`/api/v1/users/${id}/block`);
        blocked.value = null;
        await load();
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    async function toggleFollow() {
      if (!me.value) return navigate(`/signin?next=${encodeURIComponent(route.path)}`);
      busy.value = true;
      try {
        const following = user.value.followed_by_me;
        await api[following ? "delete" : "put"](`/api/v1/users/${id}/follow`);
        user.value = { ...user.value, followed_by_me: !following, followers: user.value.followers + (following ? -1 : 1) };
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      } finally {
        busy.value = false;
      }
    }

    async function showPeople(direction) {
      if (people.value.direction === direction) {
        people.value = { direction: null, items: [] };
        return;
      }
      const page = await api.get(`/api/v1/users/${id}/${direction}`, { query: { limit: 50 } }).catch((failure) => {
        toast(failure.message, { tone: "warning" });
        return null;
      });
      if (page) people.value = { direction, items: page.items };
    }

    const titleLink = (mediaId) => {
      const m = titles.value[mediaId];
      return m ? h(RouterLink, { to: `/titles/${m.slug}` }, () => m.title) : h("span", "…");
    };

    function activityLine(item) {
      const [before, after] = t(`activity.${item.type}`, { title: "\u0000", rating: item.rating === null ? "" : formatNumber(item.rating) }).split("\u0000");
      return h("li", { key: item.id }, [before, titleLink(item.media_id), after, " ", h("time", { class: "muted", datetime: item.occurred_at }, formatRelative(item.occurred_at))]);
    }

    return () => {
      if (blocked.value) {
        return h("div", { class: "page" }, [
          heading(blocked.value.display_name),
          h("p", t("profile.you_blocked", { name: blocked.value.display_name })),
          h("button", { type: "button", class: "button", onClick: unblock }, t("profile.unblock")),
        ]);
      }
      if (error.value) return h("div", { class: "page" }, [heading(t("profile.title")), h(ErrorBox, { error: error.value, onRetry: load })]);
      const u = user.value;
      if (!u) return h("p", { class: "muted", role: "status" }, t("common.loading"));
      const own = me.value?.id === u.id;
      return h("div", { class: "page" }, [
        h("div", { class: "profile-head" }, [
          u.avatar_url ? h("img", { class: "avatar", src: u.avatar_url, alt: "" }) : h("span", { class: "avatar", "aria-hidden": "true" }, u.display_name.slice(0, 1).toUpperCase()),
          h("div", [
            heading(u.display_name),
            h("p", { class: "stat-row" }, [
              h("button", { type: "button", class: "link", "data-followers": u.followers, "aria-expanded": String(people.value.direction === "followers"), onClick: () => showPeople("followers") }, t("profile.followers", { count: u.followers })),
              h("button", { type: "button", class: "link", "aria-expanded": String(people.value.direction === "following"), onClick: () => showPeople("following") }, t("profile.following", { count: u.following })),
              h("span", t("profile.joined", { date: formatDate(u.created_at) })),
            ]),
          ]),
          own
            ? h(RouterLink, { to: "/settings", class: "button secondary" }, () => t("profile.edit"))
            : h("div", { class: "actions" }, [
                h("button", { type: "button", class: "button", "aria-pressed": String(Boolean(u.followed_by_me)), disabled: busy.value, onClick: toggleFollow }, u.followed_by_me ? t("profile.unfollow") : t("profile.follow")),
                me.value ? h("button", { type: "button", class: "button secondary", onClick: block }, t("profile.block")) : null,
              ]),
        ]),
        h("nav", { class: "chips profile-links", "aria-label": t("profile.sections") }, [
          h(RouterLink, { to: `/users/${u.id}/library`, class: "chip" }, () => t("library.title")),
          h(RouterLink, { to: `/users/${u.id}/diary`, class: "chip" }, () => t("diary.title")),
          h(RouterLink, { to: `/users/${u.id}/year/${new Date().getFullYear()}`, class: "chip" }, () => t("year.link")),
        ]),
        own ? h("section", [h("h2", t("lists.mine")), myLists.value.length
          ? h("ul", { class: "chips" }, myLists.value.map((l) => h("li", { key: l.id }, h(RouterLink, { to: `/lists/${l.id}`, class: "chip" }, () => `${l.name} (${formatNumber(l.entries)})`))))
          : h("p", { class: "muted" }, t("lists.none_yet"))]) : null,
        people.value.direction ? h("section", { class: "panel" }, [
          h("h2", t(`profile.${people.value.direction}_list`)),
          people.value.items.length
            ? h("ul", { class: "chips" }, people.value.items.map((person) => h("li", { key: person.id }, h(RouterLink, { to: `/users/${person.id}`, class: "chip" }, () => person.display_name))))
            : h("p", { class: "muted" }, t("profile.no_activity")),
        ]) : null,
        u.bio ? h("p", u.bio) : null,
        h(PlayerProgress, { userId: u.id }),
        u.favourite_genres.length ? h("section", [h("h2", t("profile.favourites")), h("ul", { class: "chips" }, u.favourite_genres.map((g) => h("li", { class: "chip" }, g)))]) : null,
        h("div", { class: "columns" }, [
          h("section", [h("h2", t("profile.activity")), activity.value.length ? h("ul", { class: "activity" }, activity.value.map(activityLine)) : h("p", { class: "muted" }, t("profile.no_activity"))]),
          h("section", [h("h2", t("profile.reviews")), reviews.value.length
            ? h("ul", { class: "reviews" }, reviews.value.map((r) => h("li", { key: r.id, class: "review" }, [h("header", [titleLink(r.media_id)]), h("p", r.spoiler ? t("reviews.spoiler_hidden") : r.body)])))
            : h("p", { class: "muted" }, t("profile.no_activity"))]),
          own ? h("section", [h("h2", t("profile.ranking")), ranking.value.length
            ? h("ol", { class: "ranking" }, ranking.value.map((e) => h("li", { key: e.media.id }, [h(RouterLink, { to: `/titles/${e.media.slug}` }, () => e.media.title), h("span", { class: "muted" }, ` · ${formatNumber(Math.round(e.rating))}`)])))
            : h("p", { class: "muted" }, t("profile.no_activity"))]) : null,
        ]),
      ]);
    };
  },
};
