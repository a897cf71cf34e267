// A title's page: cover and facts; like, ½-star rating, library status and a review,
// without leaving; the community average, histogram and duel rating; reviews with
// spoilers hidden. Live: counters, histogram, new reviews and "N watching now".
import { h, ref, computed, onMounted, onBeforeUnmount } from "../lib/vue.js";
import { api, idempotencyKey } from "../lib/api.js";
import { live } from "../lib/live.js";
import { t, formatNumber, formatRelative } from "../lib/i18n.js";
import { route, RouterLink, navigate } from "../lib/router.js";
import { me } from "../lib/session.js";
import { toast } from "../lib/toasts.js";
import { heading, pageTitle } from "../lib/page.js";
import { Cover } from "../components/cover.js";
import { KindIcon } from "../components/kind-icon.js";
import { Stars } from "../components/stars.js";
import { Histogram } from "../components/histogram.js";
import { ErrorBox } from "../components/error-box.js";
import { LoadMore } from "../components/infinite-list.js";
import { SimilarTitles } from "../components/similar-titles.js";
import { LogIt } from "../components/log-it.js";
import { AddToList } from "../components/add-to-list.js";
import { Recommend } from "../components/recommend.js";
import { Offers } from "../components/offers.js";
import { Episodes } from "../components/episodes.js";

const STATUSES = { game: ["wishlist", "playing", "completed", "dropped"], film: ["watchlist", "watching", "watched", "dropped"], series: ["watchlist", "watching", "watched", "dropped"] };

export default {
  name: "TitlePage",
  setup() {
    const media = ref(null);
    const error = ref(null);
    const watching = ref(null);
    const busy = ref(false);
    const reviews = ref([]);
    const reviewsCursor = ref(null);
    const reviewSort = ref("newest");
    const revealed = ref(new Set());
    const draft = ref({ body: "", spoiler: false, editing: null });
    const draftError = ref("");
    let subscription = null;
    pageTitle(() => media.value?.title || t("common.loading"));

    const mine = computed(() => reviews.value.find((review) => me.value && review.author_id === me.value.id));

    async function loadReviews({ more = false } = {}) {
      const page = await api.get(`/api/v1/media/${media.value.id}/reviews`, { query: { sort: reviewSort.value, limit: 20, cursor: more ? reviewsCursor.value : undefined } });
      reviews.value = more ? [...reviews.value, ...page.items.filter((r) => !reviews.value.some((o) => o.id === r.id))] : page.items;
      reviewsCursor.value = page.next_cursor;
    }

    async function snapshot() {
      media.value = await api.get(`/api/v1/media/${media.value.id}`);
      await loadReviews();
    }

    async function load() {
      error.value = null;
      try {
        const found = await api.get(`/api/v1/media/by-slug/${encodeURIComponent(route.params.slug)}`);
        media.value = found;
        // Subscribe first, then take the snapshot: nothing slips in between.
        subscription?.close();
        subscription = live.subscribe(`media:${found.id}`, {
          message: applyLive,
          presence: (count) => { watching.value = count; },
          resync: () => snapshot().catch(() => {}),
        });
        await subscription.ready;
        await snapshot();
      } catch (failure) {
        error.value = failure;
      }
    }

    function applyLive(data) {
      if (!media.value) return;
      if (data.type === "interaction.stats") {
        const { likes, ratings_count, average, histogram, reviews_count } = data;
        media.value = { ...media.value, stats: { likes, ratings_count, average, histogram, reviews_count } };
      } else if (data.type === "interaction.review" && reviewSort.value === "newest") {
        const review = data.review;
        if (reviews.value.some((r) => r.id === review.id)) return;
        reviews.value = [{ author: { display_name: "…", avatar_url: null }, liked: false, hidden: false, edited_at: null, fresh: true, ...review }, ...reviews.value];
        // The live message carries the author's id only: fetch the review for the name.
        api.get(`/api/v1/reviews/${review.id}`).then((full) => {
          reviews.value = reviews.value.map((r) => (r.id === full.id ? { ...full, fresh: true } : r));
        }).catch(() => {});
      }
    }

    onMounted(load);
    onBeforeUnmount(() => subscription?.close());

    function requireSignIn() {
      if (me.value) return false;
      navigate(`/signin?next=${encodeURIComponent(route.path)}`);
      return true;
    }

    async function act(method, path, body) {
      if (requireSignIn()) return;
      busy.value = true;
      try {
        const viewer = await api[method](`/api/v1/media/${media.value.id}/${path}`, body);
        media.value = { ...media.value, viewer };
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      } finally {
        busy.value = false;
      }
    }

    async function submitReview(event) {
      event.preventDefault();
      draftError.value = "";
      const { body, spoiler, editing } = draft.value;
      try {
        if (editing) {
          const updated = await api.patch(`/api/v1/reviews/${editing}`, { body, spoiler });
          reviews.value = reviews.value.map((r) => (r.id === updated.id ? updated : r));
        } else {
          const created = await api.post(`/api/v1/media/${media.value.id}/reviews`, { body, spoiler }, { headers: idempotencyKey() });
          if (!reviews.value.some((r) => r.id === created.id)) reviews.value = [created, ...reviews.value];
          else reviews.value = reviews.value.map((r) => (r.id === created.id ? created : r));
        }
        draft.value = { body: "", spoiler: false, editing: null };
      } catch (failure) {
        draftError.value = failure.fields?.body || failure.message;
      }
    }

    async function deleteReview(review) {
      if (!window.confirm(t("reviews.confirm_delete"))) return;
      await api.delete(`/api/v1/reviews/${review.id}`).catch((failure) => toast(failure.message));
      reviews.value = reviews.value.filter((r) => r.id !== review.id);
    }

    async function likeReview(review) {
      if (requireSignIn()) return;
      try {
        const result = await api[review.liked ? "delete" : "put"](`/api/v1/reviews/${review.id}/like`);
        reviews.value = reviews.value.map((r) => (r.id === review.id ? { ...r, likes: result.likes, liked: result.liked } : r));
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    function facts(m) {
      return h("ul", { class: "facts" }, [
        h("li", [h(KindIcon, { kind: m.kind }), " ", t(`kind.${m.kind}`)]),
        m.year ? h("li", String(m.year)) : null,
        m.runtime_minutes ? h("li", t("title.runtime", { minutes: m.runtime_minutes })) : null,
        m.seasons ? h("li", t("title.seasons", { count: m.seasons })) : null,
        m.genres.length ? h("li", m.genres.join(", ")) : null,
        m.platforms.length ? h("li", m.platforms.join(", ")) : null,
      ]);
    }

    function counters(m) {
      const s = m.stats;
      const counter = (key, value, name) => h("li", { class: "counter", "data-counter": name }, [h("strong", value), t(key)]);
      return h("ul", { class: "counters", "aria-live": "polite" }, [
        counter("title.likes", formatNumber(s.likes), "likes"),
        counter("title.ratings", formatNumber(s.ratings_count), "ratings"),
        counter("title.average", s.average === null ? "–" : `${formatNumber(s.average, { maximumFractionDigits: 1 })}★`, "average"),
        counter("title.reviews_count", formatNumber(s.reviews_count), "reviews"),
      ]);
    }

    function actions(m) {
      if (!me.value) return h("p", [h(RouterLink, { to: `/signin?next=${encodeURIComponent(route.path)}` }, () => t("title.sign_in_to_act"))]);
      const viewer = m.viewer || { liked: false, rating: null, status: null };
      return h("div", { class: "act-row" }, [
        h("button", { type: "button", class: "button", "aria-pressed": String(viewer.liked), disabled: busy.value, onClick: () => act(viewer.liked ? "delete" : "put", "like") }, [
          h("span", { "aria-hidden": "true" }, viewer.liked ? "♥" : "♡"),
          viewer.liked ? t("title.liked") : t("title.like"),
        ]),
        h(Stars, { value: viewer.rating, disabled: busy.value, onRate: (rating) => act("put", "rating", { rating }), onClear: () => act("delete", "rating") }),
        h("div", { class: "field" }, [
          h("label", { for: "title-status", class: "sr-only" }, t("title.your_status")),
          h("select", { id: "title-status", value: viewer.status || "", disabled: busy.value, onChange: (e) => (e.target.value ? act("put", "status", { status: e.target.value }) : act("delete", "status")) }, [
            h("option", { value: "", selected: !viewer.status }, t("title.no_status")),
            ...STATUSES[m.kind].map((status) => h("option", { value: status, selected: viewer.status === status }, t(`status.${status}`))),
          ]),
        ]),
      ]);
    }

    function duelRating(m) {
      const d = m.duel_rating;
      const n = (v) => formatNumber(Math.round(v));
      return h("p", { class: "duel-rating" }, [
        h("strong", `${t("title.duel_rating")}: `),
        t("title.duel_interval", { rating: n(d.rating), low: n(d.low), high: n(d.high), games: d.games }),
        d.provisional ? h("span", { class: "provisional", title: t("boards.provisional_help") }, t("title.provisional")) : null,
      ]);
    }

    function reviewForm() {
      if (!me.value || (mine.value && !draft.value.editing)) return null;
      return h("form", { class: "form panel", onSubmit: submitReview }, [
        h("div", { class: "field" }, [
          h("label", { for: "review-body" }, draft.value.editing ? t("reviews.edit") : t("reviews.write")),
          h("textarea", { id: "review-body", value: draft.value.body, maxlength: 10000, "aria-invalid": draftError.value ? "true" : undefined, onInput: (e) => { draft.value = { ...draft.value, body: e.target.value }; } }),
          draftError.value ? h("p", { class: "field-error" }, draftError.value) : null,
        ]),
        h("label", { class: "checkbox" }, [
          h("input", { type: "checkbox", checked: draft.value.spoiler, onChange: (e) => { draft.value = { ...draft.value, spoiler: e.target.checked }; } }),
          t("reviews.spoiler"),
        ]),
        h("div", { class: "actions" }, [
          h("button", { type: "submit", class: "button", disabled: !draft.value.body.trim() }, draft.value.editing ? t("reviews.update") : t("reviews.publish")),
          draft.value.editing ? h("button", { type: "button", class: "button secondary", onClick: () => { draft.value = { body: "", spoiler: false, editing: null }; } }, t("common.cancel")) : null,
        ]),
      ]);
    }

    function reviewItem(review) {
      const hidden = review.spoiler && !revealed.value.has(review.id) && review.author_id !== me.value?.id;
      const own = me.value && review.author_id === me.value.id;
      return h("li", { key: review.id, class: ["review", review.fresh ? "review-new" : ""] }, [
        h("header", [
          review.author_id ? h(RouterLink, { to: `/users/${review.author_id}`, class: "author" }, () => review.author.display_name) : h("span", { class: "author" }, t("reviews.deleted_user")),
          h("time", { datetime: review.created_at }, formatRelative(review.created_at)),
          review.edited_at ? h("span", t("reviews.edited")) : null,
          review.spoiler ? h("span", { class: "provisional" }, t("reviews.spoiler")) : null,
        ]),
        hidden
          ? h("p", { class: "spoiler-cover" }, [t("reviews.spoiler_hidden"), " ", h("button", { type: "button", class: "link", onClick: () => { revealed.value = new Set([...revealed.value, review.id]); } }, t("reviews.show_spoiler"))])
          : h("p", review.body),
        h("div", { class: "act-row" }, [
          h("button", { type: "button", class: "link", "aria-pressed": String(review.liked), onClick: () => likeReview(review) }, [
            h("span", { "aria-hidden": "true" }, review.liked ? "♥ " : "♡ "),
            t(review.liked ? "reviews.unlike" : "reviews.like", { count: review.likes }),
          ]),
          own ? h("button", { type: "button", class: "link", onClick: () => { draft.value = { body: review.body, spoiler: review.spoiler, editing: review.id }; } }, t("reviews.edit")) : null,
          own || me.value?.role === "admin" ? h("button", { type: "button", class: "link", onClick: () => deleteReview(review) }, t("reviews.delete")) : null,
        ]),
      ]);
    }

    return () => {
      if (error.value) return h("div", { class: "page" }, [heading(t("errors.not_found")), h(ErrorBox, { error: error.value, onRetry: load })]);
      const m = media.value;
      if (!m) return h("p", { class: "muted", role: "status" }, t("common.loading"));
      return h("article", { class: "page title-layout" }, [
        h("div", [h(Cover, { media: m, size: "hero" })]),
        h("div", [
          heading(m.title),
          m.original_title && m.original_title !== m.title ? h("p", { class: "muted" }, m.original_title) : null,
          facts(m),
          h("p", { class: "watching", "aria-live": "off", "data-watching": watching.value ?? "" }, watching.value ? t("title.watching", { count: watching.value }) : ""),
          h("section", { class: "panel", "aria-labelledby": "act-heading" }, [
            h("h2", { id: "act-heading" }, t("title.act")),
            actions(m),
            me.value ? h(LogIt, { media: m, key: `log-${m.id}`, onLogged: () => snapshot().catch(() => {}) }) : null,
            me.value ? h(AddToList, { media: m, key: `lists-${m.id}` }) : null,
            me.value ? h(Recommend, { media: m, key: `recommend-${m.id}` }) : null,
          ]),
          h("section", { "aria-labelledby": "community-heading" }, [
            h("h2", { id: "community-heading" }, t("title.community")),
            counters(m),
            h(Histogram, { counts: m.stats.histogram }),
            duelRating(m),
          ]),
          m.synopsis ? h("section", [h("h2", t("title.synopsis")), h("p", m.synopsis)]) : null,
          m.kind === "series" ? h(Episodes, { mediaId: m.id, key: `episodes-${m.id}`, onStatus: () => snapshot() }) : null,
          h(Offers, { mediaId: m.id, key: `offers-${m.id}` }),
          h(SimilarTitles, { mediaId: m.id, key: m.id }),
          h("section", { "aria-labelledby": "reviews-heading" }, [
            h("h2", { id: "reviews-heading" }, t("reviews.title")),
            h("div", { class: "tabs", role: "group", "aria-label": t("reviews.sort") }, ["newest", "most_liked"].map((sort) =>
              h("button", { type: "button", class: "tab", "aria-pressed": String(reviewSort.value === sort), onClick: () => { reviewSort.value = sort; loadReviews(); } }, t(`reviews.${sort}`)))),
            reviewForm(),
            reviews.value.length ? h("ul", { class: "reviews" }, reviews.value.map(reviewItem)) : h("p", { class: "muted" }, t("reviews.none")),
            h(LoadMore, { hasMore: Boolean(reviewsCursor.value), loading: false, onMore: () => loadReviews({ more: true }) }),
          ]),
        ]),
      ]);
    };
  },
};
