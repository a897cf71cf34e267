// The discreet live state: a pulsing dot when live, a ring when reconnecting.
import { h } from "../lib/vue.js";
import { liveState } from "../lib/live.js";
import { t } from "../lib/i18n.js";

export const LiveDot = {
  name: "LiveDot",
  setup() {
    return () =>
      h("span", { class: ["live-dot", `live-${liveState.value}`], role: "status", "aria-live": "polite", "data-live": liveState.value }, [
        h("span", { class: "dot", "aria-hidden": "true" }),
        h("span", { class: "live-label" }, t(`live.${liveState.value}`)),
      ]);
  },
};
