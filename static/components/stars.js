// Half-star rating: ten buttons (½ to 5), each named for the rating it gives.
import { h } from "../lib/vue.js";
import { t, formatNumber } from "../lib/i18n.js";

export const Stars = {
  name: "Stars",
  props: { value: { type: Number, default: null }, disabled: Boolean },
  emits: ["rate", "clear"],
  setup(props, { emit }) {
    return () => {
      const halves = [];
      for (let step = 1; step <= 10; step += 1) {
        const rating = step / 2;
        const on = props.value !== null && rating <= props.value;
        halves.push(
          h("button", {
            type: "button",
            class: ["star-half", step % 2 ? "left" : "right", on ? "on" : ""],
            "aria-label": t("rating.give", { stars: formatNumber(rating) }),
            "aria-pressed": String(props.value === rating),
            disabled: props.disabled,
            onClick: () => emit("rate", rating),
          }, h("span", { "aria-hidden": "true" }, "★")),
        );
      }
      return h("div", { class: "stars", role: "group", "aria-label": t("rating.yours") }, [
        ...halves,
        props.value !== null
          ? h("button", { type: "button", class: "link small", onClick: () => emit("clear"), disabled: props.disabled }, t("rating.clear"))
          : null,
      ]);
    };
  },
};
