// The web app's entry point: the header, the current page, the toasts; the live
// connection for the tab; notifications from user:{id} as toasts.
import { createApp, h, watch } from "./lib/vue.js";
import { currentPage, route, startRouter, beforeEach, navigate } from "./lib/router.js";
import { ROUTES } from "./lib/routes.js";
import { whenUnauthenticated } from "./lib/api.js";
import { live } from "./lib/live.js";
import { me, loadMe, forget } from "./lib/session.js";
import { t } from "./lib/i18n.js";
import { toast } from "./lib/toasts.js";
import { AppHeader } from "./components/header.js";
import { Toasts } from "./components/toasts.js";

const Root = {
  name: "Metacult",
  setup() {
    return () => [
      h("a", { class: "skip-link", href: "#main" }, t("nav.skip")),
      h(AppHeader),
      h("main", { id: "main" }, currentPage.value ? h(currentPage.value, { key: route.path }) : null),
      h(Toasts),
    ];
  },
};

// Pages marked auth (or role): signed-out visitors go to the sign-in page, and come back
// after; a page marked role: "admin" shows others the forbidden page.
beforeEach((target) => {
  const entry = ROUTES.find((r) => r.name === target.name);
  if ((entry?.auth || entry?.role) && !me.value) return `/signin?next=${encodeURIComponent(target.path)}`;
  if (entry?.role && me.value.role !== entry.role) return "/forbidden";
  return null;
});

whenUnauthenticated(() => {
  forget();
  if (route.name !== "signin") navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
});

// Notifications for the signed-in person arrive on user:{id}.
let personal = null;
watch(me, (account, before) => {
  if (account?.id === before?.id) return;
  personal?.close();
  personal = account ? live.subscribe(`user:${account.id}`, { message: notify }) : null;
});

function notify(data) {
  if (data.type === "interaction.hidden_review") {
    toast(t("toast.review_hidden", { reason: data.reason }), { tone: "warning", timeout: 10000 });
  } else if (data.type === "ranking.next_duel" && route.name !== "duel") {
    toast(t("toast.next_duel"), { action: { label: t("toast.open_duel"), run: () => navigate("/duel") } });
  }
}

live.start();
await loadMe().catch(() => null);
createApp(Root).mount("#app");
await startRouter();
document.documentElement.dataset.ready = "true";
