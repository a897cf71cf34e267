// Where to get a title, on its page: offers cheapest first, the best deal marked, each a
// link through /go/{id} (the affiliate redirect), and a switch for price-drop alerts.
import { h, ref, watch, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t, formatNumber, formatRelative } from "../lib/i18n.js";
import { me } from "../lib/session.js";
import { toast } from "../lib/toasts.js";

function price(offer) {
  if (offer.price === null) return t(`offers.type.${offer.offer_type}`);
  return formatNumber(offer.price, { style: "currency", currency: offer.currency });
}

export const Offers = {
  name: "Offers",
  props: { mediaId: { type: Number, required: true } },
  setup(props) {
    const offers = ref(null);
    const alertsOn = ref(true);
    async function load() {
      try {
        offers.value = await api.get(`/api/v1/media/${props.mediaId}/offers`, { quiet: true });
      } catch {
        offers.value = null;
      }
      if (me.value) {
        try {
          const choices = await api.get("/api/v1/me/price-alerts", { quiet: true });
          alertsOn.value = choices.enabled && !choices.muted_media_ids.includes(props.mediaId);
        } catch {
          alertsOn.value = true;
        }
      }
    }
    async function toggleAlerts() {
      const enabled = !alertsOn.value;
      await api.put(`/api/v1/media/${props.mediaId}/price-alerts`, { enabled });
      alertsOn.value = enabled;
      toast(t(enabled ? "offers.alerts_on" : "offers.alerts_off"));
    }
    onMounted(load);
    watch(() => props.mediaId, load);
    return () => {
      const found = offers.value;
      if (!found || !found.items.length) return null;
      return h("section", { class: "offers", "aria-labelledby": "offers-heading" }, [
        h("h2", { id: "offers-heading" }, t("offers.title")),
        h("ul", { class: "offer-list" }, found.items.map((offer) =>
          h("li", { class: ["offer", offer.best_deal ? "best-deal" : "", offer.available ? "" : "unavailable"], "data-offer": offer.id }, [
            h("a", { href: offer.go_url, rel: "sponsored noopener", target: "_blank" }, [
              h("span", { class: "offer-store" }, offer.store),
              h("span", { class: "offer-price num" }, price(offer)),
              offer.discount_percent ? h("span", { class: "offer-discount" }, t("offers.discount", { percent: offer.discount_percent })) : null,
              offer.best_deal ? h("span", { class: "offer-best" }, t("offers.best_deal")) : null,
              offer.available ? null : h("span", { class: "muted" }, t("offers.unavailable")),
            ]),
            h("span", { class: "muted offer-seen" }, t("offers.seen", { when: formatRelative(offer.last_seen) })),
          ]))),
        me.value
          ? h("button", { type: "button", class: "button", "aria-pressed": String(alertsOn.value), onClick: toggleAlerts }, t("offers.alerts"))
          : null,
      ]);
    };
  },
};
