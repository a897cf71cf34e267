// The personal feed (the signed-in home): explained picks, "not interested", the sponsored
// cards marketing and commerce put in its slots (labelled, with who pays for them), and a
// live "N new items" bar that never moves what the reader is looking at.
import { h, ref, onMounted, onBeforeUnmount } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { live } from "../lib/live.js";
import { me } from "../lib/session.js";
import { loader } from "../lib/page.js";
import { RouterLink } from "../lib/router.js";
import { Cover } from "./cover.js";
import { KindIcon } from "./kind-icon.js";
import { ErrorBox } from "./error-box.js";
import { LoadMore } from "./infinite-list.js";

function reasonText(reason) {
  switch (reason.type) {
    case "because_you_liked":
      return reason.cross_media
        ? t(`feed.because_cross.${reason.media?.kind}`, { title: reason.media?.title ?? "" })
        : t("feed.because", { title: reason.media?.title ?? "" });
    case "followed_activity":
      return t(`feed.followed.${reason.activity}`, { name: reason.user?.display_name ?? "" });
    case "trending":
      return reason.genre ? t("feed.trending_genre", { genre: reason.genre }) : t("feed.trending");
    case "favourite_genre":
      return t("feed.favourite_genre", { genre: reason.genre ?? "" });
    case "favourite_platform":
      return t("feed.favourite_platform", { platform: reason.platform ?? "" });
    case "climbing_duels":
      return t("feed.climbing_duels");
    default:
      return t("feed.new_release");
  }
}

const FeedItem = {
  name: "FeedItem",
  props: { item: { type: Object, required: true } },
  emits: ["dismiss"],
  setup(props, { emit }) {
    return () => {
      const { media, reasons } = props.item;
      return h("li", { class: "feed-item", "data-item": props.item.item }, [
        h(RouterLink, { to: `/titles/${media.slug}`, class: "feed-cover" }, () => h(Cover, { media })),
        h("div", { class: "feed-body" }, [
          h(RouterLink, { to: `/titles/${media.slug}`, class: "feed-title" }, () => media.title),
          h("span", { class: "card-meta" }, [h(KindIcon, { kind: media.kind }), " ", media.year ?? ""]),
          h("p", { class: "feed-reason" }, reasons.length ? reasonText(reasons[0]) : ""),
          h("button", {
            type: "button",
            class: "button secondary small",
            "aria-label": t("feed.dismiss_title", { title: media.title }),
            onClick: () => emit("dismiss", props.item),
          }, t("feed.dismiss")),
        ]),
      ]);
    };
  },
};

// A slot's sponsored card: always labelled with its advertiser; its link is the tracked
// one the API gives (a click goes through /c/ or /go/ before the advertiser's page).
const SponsoredCard = {
  name: "SponsoredCard",
  props: { slot: { type: Object, required: true } },
  setup(props) {
    return () => {
      const card = props.slot.content;
      return h("li", { class: "feed-item sponsored-card", "data-slot": props.slot.kind }, [
        card.image_url
          ? h("img", { class: "feed-cover sponsored-image", src: card.image_url, alt: "", loading: "lazy" })
          : h("span", { class: "feed-cover sponsored-image", "aria-hidden": "true" }),
        h("div", { class: "feed-body" }, [
          h("span", { class: "sponsored-label" }, t("feed.sponsored", { advertiser: card.advertiser })),
          h("span", { class: "feed-title" }, card.title),
          card.body ? h("p", { class: "feed-reason" }, card.body) : null,
          h("a", { class: "button small", href: card.url, rel: "sponsored noopener", target: "_blank" }, card.cta_label),
        ]),
      ]);
    };
  },
};

export const PersonalFeed = {
  name: "PersonalFeed",
  setup() {
    const items = ref([]);
    const slots = ref([]);
    const cursor = ref(null);
    const fresh = ref(0);
    const more = ref(false);
    let subscription = null;
    const { loading, error, load } = loader(async () => {
      const page = await api.get("/api/v1/feed", { query: { limit: 20 } });
      items.value = page.items;
      slots.value = page.slots;
      cursor.value = page.next_cursor;
      fresh.value = 0;
    });
    async function loadMore() {
      if (!cursor.value || more.value) return;
      more.value = true;
      try {
        const page = await api.get("/api/v1/feed", { query: { limit: 20, cursor: cursor.value } });
        items.value = [...items.value, ...page.items];
        cursor.value = page.next_cursor;
        if (page.new_items) fresh.value = page.new_items;
      } finally {
        more.value = false;
      }
    }
    async function dismiss(item) {
      items.value = items.value.filter((other) => other.item !== item.item);
      await api.post(`/api/v1/feed/${item.item}/dismiss`, {});
    }
    async function showNew() {
      await load();
      window.scrollTo({ top: 0 });
      document.querySelector(".feed-list")?.focus();
    }
    onMounted(async () => {
      subscription = live.subscribe(`user:${me.value.id}`, {
        message(data) {
          if (data?.type === "discovery.feed_new") fresh.value = data.new_items;
        },
      });
      await subscription.ready;
      await load();
    });
    onBeforeUnmount(() => subscription?.close());
    // A slot nothing filled stays an empty, hidden place in the list.
    function withSlots() {
      const out = [];
      const at = new Map(slots.value.map((slot) => [slot.position, slot]));
      items.value.forEach((item, index) => {
        const slot = at.get(index);
        if (slot?.content) out.push(h(SponsoredCard, { slot, key: `slot-${index}` }));
        else if (slot) out.push(h("li", { class: "feed-slot", "data-slot": slot.kind, "aria-hidden": "true", key: `slot-${index}` }));
        out.push(h(FeedItem, { item, key: item.item, onDismiss: dismiss }));
      });
      return out;
    }
    return () => h("section", { class: "feed", "aria-labelledby": "feed-heading" }, [
      h("div", { class: "shelf-head" }, [
        h("h2", { id: "feed-heading" }, t("feed.title")),
        h(RouterLink, { to: "/trending", class: "link" }, () => t("feed.see_trending")),
      ]),
      h("div", { class: "feed-news", role: "status", "aria-live": "polite" },
        fresh.value > 0
          ? h("button", { type: "button", class: "button news-bar", onClick: showNew }, t("feed.new_items", { count: fresh.value }))
          : null),
      error.value ? h(ErrorBox, { error: error.value, onRetry: load }) : null,
      loading.value && !items.value.length ? h("p", { class: "muted" }, t("common.loading")) : null,
      !loading.value && !error.value && !items.value.length ? h("p", { class: "muted" }, t("feed.empty")) : null,
      h("ul", { class: "feed-list", tabindex: "-1", "aria-label": t("feed.title") }, withSlots()),
      h(LoadMore, { hasMore: Boolean(cursor.value), loading: more.value, onMore: loadMore }),
    ]);
  },
};
