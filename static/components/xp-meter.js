// A level and its XP bar: in the header for the signed-in person, and on profiles.
import { h } from "../lib/vue.js";
import { t } from "../lib/i18n.js";

export const XpMeter = {
  name: "XpMeter",
  props: { progress: { type: Object, required: true }, compact: { type: Boolean, default: false } },
  setup(props) {
    return () => {
      const p = props.progress;
      const percent = p.xp_for_next ? Math.min(100, Math.round((100 * p.xp_into_level) / p.xp_for_next)) : 100;
      const label = t("xp.bar_label", { level: p.level, into: p.xp_into_level, next: p.xp_for_next });
      return h("div", { class: ["xp-meter", props.compact ? "xp-compact" : null], "data-testid": "xp-meter" }, [
        h("span", { class: "xp-level" }, t("xp.level", { level: p.level })),
        h("div", { class: "xp-bar", role: "progressbar", "aria-label": label, "aria-valuemin": 0, "aria-valuemax": p.xp_for_next, "aria-valuenow": p.xp_into_level },
          h("div", { class: "xp-fill", style: { width: `${percent}%` } })),
        props.compact ? null : h("span", { class: "xp-figures num" }, t("xp.figures", { into: p.xp_into_level, next: p.xp_for_next, total: p.xp })),
      ]);
    };
  },
};
