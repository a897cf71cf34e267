// A weekly league's table, live: /league is yours this week, /leagues/:id any league.
import { h, ref, onMounted, onBeforeUnmount } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t, language } from "../lib/i18n.js";
import { route, RouterLink } from "../lib/router.js";
import { live } from "../lib/live.js";
import { me } from "../lib/session.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { ErrorBox } from "../components/error-box.js";

export default {
  name: "LeaguePage",
  setup() {
    pageTitle("league.title");
    const league = ref(null);
    let sub = null;
    const { loading, error, load } = loader(async () => {
      const found = route.params.id
        ? await api.get(`/api/v1/leagues/${route.params.id}`)
        : (await api.get("/api/v1/me/league")).league;
      if (found && !sub) {
        // Subscribe, then refetch: a move that came between is not lost.
        sub = live.subscribe(found.channel, { message: onMove, resync: () => load() });
        await sub.ready;
        league.value = route.params.id ? await api.get(`/api/v1/leagues/${found.id}`) : (await api.get("/api/v1/me/league")).league;
      } else {
        league.value = found;
      }
    });
    function onMove(data) {
      if (data.type !== "gamification.rank_moves" || !league.value) return;
      const rows = league.value.standings.map((row) => ({ ...row }));
      for (const move of data.moves) {
        const row = rows.find((r) => r.user_id === move.user_id);
        if (row) row.xp = move.xp;
        else { load(); return; }
      }
      rows.sort((a, b) => b.xp - a.xp);
      rows.forEach((row, i) => { row.rank = i + 1; });
      league.value = { ...league.value, standings: rows };
    }
    onMounted(load);
    onBeforeUnmount(() => sub?.close());
    const ends = (iso) => new Intl.DateTimeFormat(language.value, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
    return () => {
      const l = league.value;
      return h("div", { class: "page" }, [
        heading(l ? t("league.heading", { tier: t(`league.tier.${l.tier}`) }) : t("league.title")),
        error.value ? h(ErrorBox, { error: error.value, onRetry: load }) : null,
        loading.value && !l ? h("p", { class: "muted" }, t("common.loading")) : null,
        !loading.value && !l && !error.value ? h("p", { class: "muted" }, t("league.none")) : null,
        l ? h("p", { class: "lead" }, l.closed ? t("league.closed") : t("league.ends", { when: ends(l.ends_at) })) : null,
        l ? h("table", { class: "league-table", "aria-label": t("league.table") }, [
          h("thead", h("tr", [h("th", { scope: "col" }, t("league.rank")), h("th", { scope: "col" }, t("league.player")), h("th", { scope: "col" }, t("league.xp")), h("th", { scope: "col" }, t("league.zone"))])),
          h("tbody", l.standings.map((row) => h("tr", { class: ["league-row", `zone-${row.zone}`, row.user_id === me.value?.id ? "is-me" : null], "data-user": row.user_id }, [
            h("td", { class: "rank num" }, String(row.rank)),
            h("td", h(RouterLink, { to: `/users/${row.user_id}`, class: "link" }, () => row.display_name)),
            h("td", { class: "num xp" }, String(row.xp)),
            h("td", t(`league.zone.${row.result ?? row.zone}`)),
          ]))),
        ]) : null,
      ]);
    };
  },
};
