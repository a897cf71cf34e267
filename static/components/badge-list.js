// Badges as tiles: icon, name, tier, description and rarity (% of active players).
import { h } from "../lib/vue.js";
import { t, language } from "../lib/i18n.js";
import { BadgeIcon } from "./badge-icon.js";

function rarity(value) {
  if (value === null || value === undefined) return "";
  const figure = new Intl.NumberFormat(language.value, { maximumFractionDigits: value < 10 ? 1 : 0 }).format(value);
  return t("badges.rarity", { percent: figure });
}

export const BadgeList = {
  name: "BadgeList",
  props: { items: { type: Array, required: true }, label: { type: String, required: true } },
  setup(props) {
    return () => h("ul", { class: "badges", "aria-label": props.label }, props.items.map((badge) =>
      h("li", { class: ["badge-tile", `tier-${badge.tier}`, badge.earned_at || badge.earned_at === undefined ? "earned" : "locked"], "data-badge": badge.id }, [
        h(BadgeIcon, { badge: badge.id }),
        h("span", { class: "badge-name" }, badge.name),
        h("span", { class: "badge-tier" }, t(`badges.tier.${badge.tier}`)),
        h("span", { class: "badge-description muted" }, badge.description),
        h("span", { class: "badge-rarity num" }, rarity(badge.rarity)),
      ])));
  },
};
