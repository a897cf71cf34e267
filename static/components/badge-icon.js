// A badge's icon, drawn as inline SVG (the server's emoji `icon` field stays for other clients:
// emoji fonts are not everywhere, headless browsers and some desktops show empty boxes).
import { h } from "../lib/vue.js";
import { ICONS } from "../vendor/lucide/icons.js";

// Badge id → Lucide icon name; a badge not listed here gets the generic award.
const BY_BADGE = {
  first_review: "pen-line",
  critic: "feather",
  essayist: "scroll-text",
  first_rating: "star",
  rater: "sparkles",
  duelist: "swords",
  gladiator: "shield",
  warlord: "crown",
  genre_explorer: "compass",
  finisher: "gamepad-2",
  completionist: "trophy",
  cinephile: "clapperboard",
  binge_watcher: "tv",
  fan: "heart",
  streak_7: "flame",
  streak_30: "zap",
  streak_100: "mountain",
  night_owl: "moon",
  early_adopter: "sprout",
  crowd_pleaser: "party-popper",
  social: "handshake",
  networker: "link",
  veteran: "medal",
  league_climber: "trending-up",
};

export function badgeIconName(id) {
  return BY_BADGE[id] || "award";
}

export const BadgeIcon = {
  name: "BadgeIcon",
  props: { badge: { type: String, required: true }, size: { type: Number, default: 28 } },
  setup(props) {
    return () => {
      const name = badgeIconName(props.badge);
      return h("svg", {
        class: "badge-icon",
        "data-icon": name,
        viewBox: "0 0 24 24",
        width: props.size,
        height: props.size,
        fill: "none",
        stroke: "currentColor",
        "stroke-width": 2,
        "stroke-linecap": "round",
        "stroke-linejoin": "round",
        "aria-hidden": "true",
        focusable: "false",
      }, ICONS[name].map(([tag, attributes]) => h(tag, attributes)));
    };
  },
};
