// The kind of a title as a small icon (named for screen readers), not a colour.
import { h } from "../lib/vue.js";
import { t } from "../lib/i18n.js";

const PATHS = {
  game: "M6 8h12a4 4 0 0 1 4 4v2a3 3 0 0 1-5.2 2L15 14H9l-1.8 2A3 3 0 0 1 2 14v-2a4 4 0 0 1 4-4zm1 2v2H5v1h2v2h1v-2h2v-1H8v-2zm9 1a1 1 0 1 0 0 2 1 1 0 0 0 0-2zm2 2a1 1 0 1 0 0 2 1 1 0 0 0 0-2z",
  film: "M3 5h18v14H3zm2 2v2h2V7zm0 4v2h2v-2zm0 4v2h2v-2zm12-8v2h2V7zm0 4v2h2v-2zm0 4v2h2v-2zM9 7v10h6V7z",
  series: "M3 6h18v11H3zm2 2v7h14V8zm3 11h8v1.5H8zM9 2l3 3 3-3 .8.8L12.6 6h-1.2L8.2 2.8z",
};

export const KindIcon = {
  name: "KindIcon",
  props: { kind: { type: String, required: true } },
  setup(props) {
    return () =>
      h("svg", { class: "kind-icon", viewBox: "0 0 24 24", role: "img", "aria-label": t(`kind.${props.kind}`) }, [
        h("title", t(`kind.${props.kind}`)),
        h("path", { d: PATHS[props.kind] || PATHS.film, fill: "currentColor", "fill-rule": "evenodd" }),
      ]);
  },
};
