// A failed load: the sentence, and "try again" when trying again may help.
import { h } from "../lib/vue.js";
import { t } from "../lib/i18n.js";

export const ErrorBox = {
  name: "ErrorBox",
  props: { error: { type: Object, required: true } },
  emits: ["retry"],
  setup(props, { emit }) {
    return () =>
      h("div", { class: "error-box", role: "alert" }, [
        h("p", props.error.message),
        props.error.retryable !== false ? h("button", { type: "button", class: "button", onClick: () => emit("retry") }, t("common.try_again")) : null,
      ]);
  },
};
