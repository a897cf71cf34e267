// Every badge with its rarity; yours marked earned, secret ones hidden until you have them.
import { h, ref, onMounted, onBeforeUnmount } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { BadgeList } from "../components/badge-list.js";
import { ErrorBox } from "../components/error-box.js";

export default {
  name: "BadgesPage",
  setup() {
    pageTitle("badges.title");
    const items = ref([]);
    const { loading, error, load } = loader(async () => {
      items.value = (await api.get("/api/v1/badges")).items.map((b) => ({ ...b, earned_at: b.earned_at ?? null }));
    });
    // A badge just earned (the live message carries it): shown earned at once.
    function earned(event) {
      const badge = event.detail;
      items.value = items.value.map((item) => item.id === badge.id ? { ...item, ...badge, earned_at: new Date().toISOString(), hidden: false } : item);
    }
    onMounted(() => { load(); window.addEventListener("metacult:badge", earned); });
    onBeforeUnmount(() => window.removeEventListener("metacult:badge", earned));
    return () => h("div", { class: "page" }, [
      heading(t("badges.title")),
      h("p", { class: "lead" }, t("badges.lead")),
      error.value ? h(ErrorBox, { error: error.value, onRetry: load }) : null,
      loading.value && !items.value.length ? h("p", { class: "muted" }, t("common.loading")) : null,
      h(BadgeList, { items: items.value, label: t("badges.title") }),
    ]);
  },
};
