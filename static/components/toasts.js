// Where toasts appear: a polite live region, each note dismissable.
import { h, TransitionGroup } from "../lib/vue.js";
import { toasts, dismiss } from "../lib/toasts.js";
import { t } from "../lib/i18n.js";
import { BadgeIcon } from "./badge-icon.js";

export const Toasts = {
  name: "Toasts",
  setup() {
    return () =>
      h("div", { class: "toasts", role: "status", "aria-live": "polite" },
        h(TransitionGroup, { name: "toast", tag: "ul" }, () => toasts.map((item) =>
          h("li", { key: item.id, class: ["toast", `toast-${item.tone}`] }, [
            item.badge ? h(BadgeIcon, { badge: item.badge, size: 22 }) : null,
            h("span", item.message),
            item.action ? h("button", { type: "button", class: "link", onClick: () => { item.action.run(); dismiss(item.id); } }, item.action.label) : null,
            h("button", { type: "button", class: "toast-close", "aria-label": t("toast.dismiss"), onClick: () => dismiss(item.id) }, "×"),
          ]))));
  },
};
