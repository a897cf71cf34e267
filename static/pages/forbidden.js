// A page the signed-in person's role may not see (the admin pages, for gamers).
import { h } from "../lib/vue.js";
import { t } from "../lib/i18n.js";
import { RouterLink } from "../lib/router.js";
import { heading, pageTitle } from "../lib/page.js";

export default {
  name: "ForbiddenPage",
  setup() {
    pageTitle("forbidden.title");
    return () => h("section", { class: "page narrow" }, [
      heading(t("forbidden.title")),
      h("p", t("forbidden.body")),
      h(RouterLink, { to: "/", class: "button" }, () => t("not_found.home")),
    ]);
  },
};
