// A path the app does not have.
import { h } from "../lib/vue.js";
import { t } from "../lib/i18n.js";
import { RouterLink } from "../lib/router.js";
import { heading, pageTitle } from "../lib/page.js";

export default {
  name: "NotFoundPage",
  setup() {
    pageTitle("not_found.title");
    return () => h("section", { class: "page narrow" }, [
      heading(t("not_found.title")),
      h("p", t("not_found.body")),
      h(RouterLink, { to: "/", class: "button" }, () => t("not_found.home")),
    ]);
  },
};
