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
import { progress, loadProgress, forgetProgress, applyXp } from "./lib/progress.js";
import { loadUnread, forgetUnread, applyInbox } from "./lib/inbox.js";
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
  if (account) loadProgress();
  else forgetProgress();
  if (account) loadUnread();
  else forgetUnread();
});

function notify(data) {
  applyInbox(data);
  if (data.type === "identity.new_follower") {
    toast(t("toast.new_follower", { name: data.display_name }), { action: { label: t("toast.open_inbox"), run: () => navigate("/inbox") } });
  } else if (data.type === "interaction.shared_list_invite") {
    toast(t("toast.shared_list_invite", { name: data.display_name, list: data.name }), { action: { label: t("toast.open_watchlists"), run: () => navigate("/watchlists") } });
  } else if (data.type === "interaction.hidden_review") {
    toast(t("toast.review_hidden", { reason: data.reason }), { tone: "warning", timeout: 10000 });
  } else if (data.type === "ranking.next_duel" && route.name !== "duel") {
    toast(t("toast.next_duel"), { action: { label: t("toast.open_duel"), run: () => navigate("/duel") } });
  } else if (data.type === "commerce.price_drop") {
    toast(t("toast.price_drop", data), { timeout: 10000 });
  } else if (data.type === "commerce.available") {
    toast(t("toast.available", data), { timeout: 10000 });
  } else if (data.type?.startsWith("gamification.")) {
    notifyProgress(data);
  }
}

// XP, level-ups, badges, streaks and league results: a toast each, and the header's bar.
function notifyProgress(data) {
  switch (data.type) {
    case "gamification.xp":
      applyXp(data);
      if (data.gained > 0) toast(t("toast.xp", { xp: data.gained }), { timeout: 3000 });
      break;
    case "gamification.level_up":
      toast(t("toast.level_up", { level: data.level, name: data.name }), { timeout: 8000 });
      break;
    case "gamification.badge":
      toast(t("toast.badge", { name: data.badge.name }), { badge: data.badge.id, timeout: 8000, action: { label: t("toast.see_badges"), run: () => navigate("/badges") } });
      window.dispatchEvent(new CustomEvent("metacult:badge", { detail: data.badge }));
      break;
    case "gamification.badge_revoked":
      if (progress.value) progress.value = { ...progress.value, xp: data.xp };
      toast(t("toast.badge_revoked", { name: data.badge.name }), { tone: "warning", timeout: 10000 });
      loadProgress();
      break;
    case "gamification.streak":
      if (data.broken_from) toast(t("toast.streak_broken", { days: data.broken_from }), { tone: "warning", timeout: 10000 });
      else if (data.milestone) toast(t("toast.streak_milestone", { days: data.milestone }), { timeout: 8000 });
      else if (data.freezes_spent) toast(t("toast.streak_frozen", { count: data.freezes_spent }), { timeout: 8000 });
      break;
    case "gamification.league_result":
      toast(t(`toast.league_${data.result}`, { tier: t(`league.tier.${data.tier}`) }), { timeout: 10000, action: { label: t("toast.open_league"), run: () => navigate(`/leagues/${data.league_id}`) } });
      loadProgress();
      break;
  }
}

live.start();
await loadMe().catch(() => null);
createApp(Root).mount("#app");
await startRouter();
document.documentElement.dataset.ready = "true";
