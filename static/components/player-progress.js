// A player's level, XP bar, streak, league and badges, for their profile.
import { h, ref, onMounted, onBeforeUnmount, watch } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { RouterLink } from "../lib/router.js";
import { me } from "../lib/session.js";
import { progress as mine } from "../lib/progress.js";
import { XpMeter } from "./xp-meter.js";
import { BadgeList } from "./badge-list.js";

export const PlayerProgress = {
  name: "PlayerProgress",
  props: { userId: { type: [String, Number], required: true } },
  setup(props) {
    const progress = ref(null);
    const badges = ref([]);
    async function load() {
      const [p, b] = await Promise.all([
        api.get(`/api/v1/users/${props.userId}/progress`, { quiet: true }).catch(() => null),
        api.get(`/api/v1/users/${props.userId}/badges`, { quiet: true }).catch(() => ({ items: [] })),
      ]);
      progress.value = p;
      badges.value = b.items;
    }
    onMounted(load);
    watch(() => props.userId, load);
    // Your own profile follows your live XP; a badge earned reloads the list.
    const stop = watch(mine, (now) => {
      if (now && progress.value && String(me.value?.id) === String(props.userId)) progress.value = { ...progress.value, ...now };
    });
    const reload = (event) => {
      if (String(me.value?.id) !== String(props.userId)) return;
      const badge = event.detail;
      if (!badges.value.some((item) => item.id === badge.id)) badges.value = [...badges.value, { ...badge, earned_at: new Date().toISOString() }];
    };
    window.addEventListener("metacult:badge", reload);
    onBeforeUnmount(() => { stop(); window.removeEventListener("metacult:badge", reload); });
    return () => {
      const p = progress.value;
      if (!p) return null;
      return h("section", { class: "panel player-progress", "aria-labelledby": "progress-heading" }, [
        h("h2", { id: "progress-heading" }, t("progress.title", { name: p.level_name })),
        h(XpMeter, { progress: p }),
        h("dl", { class: "stat-row" }, [
          h("div", [h("dt", t("progress.streak")), h("dd", { class: "num", "data-testid": "streak" }, t("progress.days", { count: p.streak_days }))]),
          h("div", [h("dt", t("progress.best_streak")), h("dd", { class: "num" }, t("progress.days", { count: p.best_streak }))]),
          h("div", [h("dt", t("progress.freezes")), h("dd", { class: "num" }, String(p.streak_freezes))]),
          h("div", [h("dt", t("progress.league")), h("dd", p.league
            ? h(RouterLink, { to: `/leagues/${p.league.id}`, class: "link" }, () => t("progress.league_of", { tier: t(`league.tier.${p.tier}`), xp: p.week_xp }))
            : t("progress.no_league"))]),
        ]),
        h("h3", t("progress.badges", { count: badges.value.length })),
        badges.value.length ? h(BadgeList, { items: badges.value, label: t("progress.badges", { count: badges.value.length }) }) : h("p", { class: "muted" }, t("progress.no_badges")),
        h(RouterLink, { to: "/badges", class: "link" }, () => t("progress.all_badges")),
      ]);
    };
  },
};
