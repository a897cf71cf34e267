// Home: what to look at next — your feed when signed in, the popular titles of each kind,
// and the way to the duels.
import { h, ref, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { RouterLink } from "../lib/router.js";
import { me } from "../lib/session.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { MediaGrid } from "../components/media-card.js";
import { ErrorBox } from "../components/error-box.js";
import { PersonalFeed } from "../components/feed.js";
import { UpNext } from "../components/up-next.js";

const KINDS = ["game", "film", "series"];

export default {
  name: "HomePage",
  setup() {
    pageTitle("home.title");
    const shelves = ref({});
    const { loading, error, load } = loader(async () => {
      const pages = await Promise.all(KINDS.map((kind) => api.get("/api/v1/media", { query: { kind, sort: "popular", limit: 12 } })));
      shelves.value = Object.fromEntries(KINDS.map((kind, i) => [kind, pages[i].items]));
    });
    onMounted(load);
    return () => h("div", { class: "page" }, [
      h("section", { class: "hero" }, [
        heading(t("home.title")),
        h("p", { class: "lead" }, t("home.lead")),
        h("div", { class: "actions" }, [
          h(RouterLink, { to: "/duel", class: "button" }, () => t("home.start_duel")),
          h(RouterLink, { to: "/browse", class: "button secondary" }, () => t("home.browse")),
          me.value ? null : h(RouterLink, { to: "/signup", class: "button secondary" }, () => t("auth.sign_up")),
        ]),
      ]),
      // Signed in, the home leads with the personal feed; the shelves follow.
      me.value ? h(UpNext, { key: `up-next-${me.value.id}` }) : null,
      me.value ? h(PersonalFeed, { key: me.value.id }) : null,
      error.value ? h(ErrorBox, { error: error.value, onRetry: load }) : null,
      loading.value ? h("p", { class: "muted" }, t("common.loading")) : null,
      ...KINDS.filter((kind) => shelves.value[kind]?.length).map((kind) =>
        h("section", { class: "shelf" }, [
          h("div", { class: "shelf-head" }, [
            h("h2", t(`home.popular.${kind}`)),
            h(RouterLink, { to: `/browse?kind=${kind}`, class: "link" }, () => t("home.see_all")),
          ]),
          h(MediaGrid, { items: shelves.value[kind], label: t(`home.popular.${kind}`) }),
        ])),
    ]);
  },
};
