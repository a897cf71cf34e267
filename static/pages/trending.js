// Trending: what rises today or this week, overall or in one kind; chips pick the scope.
import { h, ref, watch, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { route, replaceQuery } from "../lib/router.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { MediaGrid } from "../components/media-card.js";
import { ErrorBox } from "../components/error-box.js";

const WINDOWS = ["day", "week"];
const KINDS = ["", "game", "film", "series"];

function chip(label, pressed, onClick) {
  return h("button", { type: "button", class: "chip", "aria-pressed": String(pressed), onClick }, label);
}

export default {
  name: "TrendingPage",
  setup() {
    pageTitle("trending.title");
    const entries = ref([]);
    const window = () => (WINDOWS.includes(route.query.window) ? route.query.window : "day");
    const kind = () => (KINDS.includes(route.query.kind) ? route.query.kind : "");
    const { loading, error, load } = loader(async () => {
      const page = await api.get("/api/v1/trending", { query: { window: window(), kind: kind() || undefined, limit: 30 } });
      entries.value = page.entries;
    });
    onMounted(load);
    watch(() => [route.query.window, route.query.kind], load);
    return () => h("div", { class: "page" }, [
      heading(t("trending.title")),
      h("div", { class: "chips", role: "group", "aria-label": t("trending.window") },
        WINDOWS.map((w) => chip(t(`trending.window.${w}`), window() === w, () => replaceQuery({ ...route.query, window: w })))),
      h("div", { class: "chips", role: "group", "aria-label": t("trending.kind") },
        KINDS.map((k) => chip(t(`trending.kinds.${k || "all"}`), kind() === k, () => replaceQuery({ ...route.query, kind: k || undefined })))),
      error.value ? h(ErrorBox, { error: error.value, onRetry: load }) : null,
      loading.value ? h("p", { class: "muted" }, t("common.loading")) : null,
      !loading.value && !entries.value.length ? h("p", { class: "muted" }, t("trending.empty")) : null,
      h(MediaGrid, { items: entries.value.map((entry) => entry.media), label: t("trending.title") }),
    ]);
  },
};
