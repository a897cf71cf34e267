// The community's ratings: ten bars (½★ to 5★) drawn in SVG, so no inline style is needed.
import { h } from "../lib/vue.js";
import { t, formatNumber } from "../lib/i18n.js";

export const Histogram = {
  name: "Histogram",
  props: { counts: { type: Array, required: true } },
  setup(props) {
    return () => {
      const most = Math.max(1, ...props.counts);
      const summary = props.counts.map((count, i) => `${formatNumber((i + 1) / 2)}★: ${formatNumber(count)}`).join(", ");
      return h("svg", { class: "histogram", viewBox: "0 0 100 40", role: "img", "aria-label": t("title.histogram", { summary }) },
        props.counts.map((count, i) => {
          const height = Math.max(1, (count / most) * 38);
          return h("rect", { x: i * 10 + 1, y: 40 - height, width: 8, height, rx: 1, class: "bar" });
        }));
    };
  },
};
