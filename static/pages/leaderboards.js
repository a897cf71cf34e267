// Leaderboards: global, per kind, per genre, per platform; provisional ratings marked,
// movement since yesterday, and rank moves animated live as other people vote.
import { h, ref, onMounted, onBeforeUnmount, TransitionGroup } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { live } from "../lib/live.js";
import { t, formatNumber } from "../lib/i18n.js";
import { route, navigate, RouterLink } from "../lib/router.js";
import { heading, pageTitle } from "../lib/page.js";
import { Cover } from "../components/cover.js";
import { ErrorBox } from "../components/error-box.js";
import { LoadMore } from "../components/infinite-list.js";

const REFRESH_DELAY_MS = 150;
const FLASH_MS = 1500;

export default {
  name: "LeaderboardsPage",
  setup() {
    pageTitle("boards.title");
    const scope = route.params.scope || "global";
    const entries = ref([]);
    const cursor = ref(null);
    const error = ref(null);
    const loading = ref(true);
    const vocabulary = ref({ genres: [], platforms: [] });
    const moved = ref({}); // media id → "up" | "down" | "new", for a moment after a live move
    let subscription = null;
    let refreshTimer = null;

    async function load({ more = false } = {}) {
      loading.value = true;
      error.value = null;
      try {
        const limit = more ? 50 : Math.max(50, entries.value.length);
        const page = await api.get(`/api/v1/leaderboards/${encodeURIComponent(scope)}`, { query: { limit: Math.min(limit, 100), cursor: more ? cursor.value : undefined } });
        entries.value = more ? [...entries.value, ...page.entries.filter((e) => !entries.value.some((o) => o.media.id === e.media.id))] : page.entries;
        cursor.value = page.next_cursor;
      } catch (failure) {
        error.value = failure;
      } finally {
        loading.value = false;
      }
    }

    function applyMoves(data) {
      if (data.type !== "ranking.rank_moves") return;
      const flags = { ...moved.value };
      for (const move of data.moves) flags[move.media_id] = move.from === null ? "new" : move.to < move.from ? "up" : "down";
      moved.value = flags;
      setTimeout(() => {
        const rest = { ...moved.value };
        for (const move of data.moves) delete rest[move.media_id];
        moved.value = rest;
      }, FLASH_MS);
      // The message names the moves; the page reads the board again so every rank and
      // rating shown is the server's, and the rows slide to their new places.
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => load(), REFRESH_DELAY_MS);
    }

    onMounted(async () => {
      api.get("/api/v1/genres").then((v) => { vocabulary.value = v; }).catch(() => {});
      subscription = live.subscribe(`leaderboard:${scope}`, { message: applyMoves, resync: () => load() });
      await subscription.ready;
      await load();
    });
    onBeforeUnmount(() => {
      subscription?.close();
      clearTimeout(refreshTimer);
    });

    function scopeOptions() {
      const genres = new Map();
      for (const g of vocabulary.value.genres) if (!genres.has(g.slug)) genres.set(g.slug, g.name);
      const options = [["global", t("boards.global")], ...["game", "film", "series"].map((k) => [`kind:${k}`, t(`kind.${k}`)])];
      for (const [slug, name] of genres) options.push([`genre:${slug}`, t("boards.genre", { name })]);
      for (const p of vocabulary.value.platforms) options.push([`platform:${p.slug}`, t("boards.platform", { name: p.name })]);
      if (!options.some(([value]) => value === scope)) options.push([scope, scope]);
      return options;
    }

    function movement(entry) {
      const live_move = moved.value[entry.media.id];
      const m = entry.movement;
      if (live_move === "new" || m === null) return h("span", { class: "move-up" }, t("boards.new"));
      if (m > 0) return h("span", { class: "move-up", "aria-label": t("boards.up", { count: m }) }, `▲${formatNumber(m)}`);
      if (m < 0) return h("span", { class: "move-down", "aria-label": t("boards.down", { count: -m }) }, `▼${formatNumber(-m)}`);
      return h("span", { class: "muted", "aria-hidden": "true" }, "–");
    }

    function row(entry) {
      const flash = moved.value[entry.media.id];
      return h("li", { key: entry.media.id, class: ["board-row", flash === "up" || flash === "new" ? "moved-up" : flash === "down" ? "moved-down" : ""], "data-media": entry.media.id, "data-rank": entry.rank }, [
        h("span", { class: "rank", "aria-label": t("boards.rank", { rank: entry.rank }) }, formatNumber(entry.rank)),
        h(Cover, { media: entry.media, size: "thumb" }),
        h("div", [
          h(RouterLink, { to: `/titles/${entry.media.slug}`, class: "board-title" }, () => entry.media.title),
          entry.provisional ? h("span", { class: "provisional", title: t("boards.provisional_help") }, t("title.provisional")) : null,
          h("div", { class: "muted" }, [entry.media.year ? `${entry.media.year} · ` : "", t("boards.games", { count: entry.games })]),
        ]),
        h("div", { class: "board-figures" }, [
          h("div", t("boards.rating", { rating: formatNumber(Math.round(entry.rating)), rd: formatNumber(Math.round(entry.rd)) })),
          movement(entry),
        ]),
      ]);
    }

    return () => h("div", { class: "page" }, [
      heading(t("boards.title")),
      h("div", { class: "filters" }, [
        h("div", { class: "field" }, [
          h("label", { for: "board-scope" }, t("boards.scope")),
          h("select", { id: "board-scope", value: scope, onChange: (e) => navigate(`/leaderboards/${encodeURIComponent(e.target.value)}`) },
            scopeOptions().map(([value, label]) => h("option", { value, selected: value === scope }, label))),
        ]),
      ]),
      error.value ? h(ErrorBox, { error: error.value, onRetry: () => load() }) : null,
      !loading.value && !entries.value.length && !error.value ? h("p", { class: "muted" }, t("boards.empty")) : null,
      h(TransitionGroup, { tag: "ol", class: "board", moveClass: "board-move", "aria-label": t("boards.title") }, () => entries.value.map(row)),
      h(LoadMore, { hasMore: Boolean(cursor.value), loading: loading.value, onMore: () => load({ more: true }) }),
    ]);
  },
};
