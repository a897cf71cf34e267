// The kind of a title as a small icon with its name for screen readers, not a colour.
import { h } from "../lib/vue.js";
import { t } from "../lib/i18n.js";

const GLYPHS = { game: "🎮", film: "🎬", series: "📺" };

export const KindIcon = {
  name: "KindIcon",
  props: { kind: { type: String, required: true } },
  setup(props) {
    return () =>
      h("span", { class: "kind-icon", role: "img", "aria-label": t(`kind.${props.kind}`), title: t(`kind.${props.kind}`) }, GLYPHS[props.kind] || "•");
  },
};
