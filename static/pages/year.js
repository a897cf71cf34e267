// Year in review: a user's year across games, films and series — what they finished each
// month, hours, ratings, genres, platforms, duels. Shareable: the address holds the year.
import { h, ref, watch, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t, formatNumber } from "../lib/i18n.js";
import { route, RouterLink } from "../lib/router.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { MediaGrid } from "../components/media-card.js";
import { ErrorBox } from "../components/error-box.js";

const KINDS = ["game", "film", "series"];
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function monthName(index) {
  return new Intl.DateTimeFormat(document.documentElement.lang || "en", { month: "short", timeZone: "UTC" }).format(new Date(Date.UTC(2000, index, 1)));
}

function bars(label, counts, names) {
  const top = Math.max(1, ...counts);
  return h("ol", { class: "bars", "aria-label": label }, counts.map((count, i) =>
    h("li", { class: "bar", key: i }, [
      h("span", { class: "bar-fill", style: { "--share": String(count / top) } }),
      h("span", { class: "bar-label" }, `${names[i]} ${formatNumber(count)}`),
    ])));
}

export default {
  name: "YearPage",
  setup() {
    const stats = ref(null);
    const year = () => Number(route.params.year) || new Date().getFullYear();
    pageTitle(() => t("year.title", { year: year() }));
    const { loading, error, load } = loader(async () => {
      stats.value = await api.get(`/api/v1/users/${route.params.id}/stats`, { query: { year: year(), tz: ZONE } });
    });
    onMounted(load);
    watch(() => [route.params.id, route.params.year], load);
    return () => {
      const s = stats.value;
      return h("div", { class: "page year" }, [
        heading(t("year.title", { year: year() })),
        h("nav", { class: "chips", "aria-label": t("year.other_years") }, [
          h(RouterLink, { to: `/users/${route.params.id}/year/${year() - 1}`, class: "chip" }, () => String(year() - 1)),
          h(RouterLink, { to: `/users/${route.params.id}/year/${year() + 1}`, class: "chip" }, () => String(year() + 1)),
        ]),
        error.value ? h(ErrorBox, { error: error.value, onRetry: load }) : null,
        loading.value ? h("p", { class: "muted" }, t("common.loading")) : null,
        s ? [
          h("dl", { class: "year-totals" }, KINDS.flatMap((kind) => [
            h("dt", t(`year.finished.${kind}`)),
            h("dd", { class: "num" }, `${formatNumber(s.finished[kind] ?? 0)} · ${t("year.hours", { hours: formatNumber(s.hours[kind] ?? 0) })}`),
          ]).concat([
            h("dt", t("year.ratings")), h("dd", { class: "num" }, formatNumber(s.ratings.count)),
            h("dt", t("year.likes")), h("dd", { class: "num" }, formatNumber(s.likes)),
            h("dt", t("year.reviews")), h("dd", { class: "num" }, formatNumber(s.reviews)),
          ])),
          ...KINDS.filter((kind) => s.finished_per_month[kind]).map((kind) =>
            h("section", { class: "year-months" }, [
              h("h2", t(`year.per_month.${kind}`)),
              bars(t(`year.per_month.${kind}`), s.finished_per_month[kind], [...Array(12).keys()].map(monthName)),
            ])),
          h("section", [
            h("h2", t("year.ratings_distribution")),
            bars(t("year.ratings_distribution"), s.ratings.distribution, [...Array(10).keys()].map((i) => `${(i + 1) / 2}★`)),
          ]),
          s.top_genres.length ? h("section", [
            h("h2", t("year.top_genres")),
            h("ul", { class: "tags" }, s.top_genres.map((g) => h("li", { key: g.genre }, `${g.genre} · ${formatNumber(g.count)}`))),
          ]) : null,
          s.platforms.length ? h("section", [
            h("h2", t("year.platforms")),
            h("ul", { class: "tags" }, s.platforms.map((p) => h("li", { key: p.platform }, `${p.platform} · ${formatNumber(p.count)}`))),
          ]) : null,
          ...Object.entries(s.top_from_duels).map(([kind, rows]) => h("section", [
            h("h2", t(`year.top_duels.${kind}`)),
            h(MediaGrid, { items: rows.map((row) => row.media), label: t(`year.top_duels.${kind}`) }),
          ])),
          s.most_dueled.length ? h("section", [
            h("h2", t("year.most_dueled")),
            h(MediaGrid, { items: s.most_dueled.map((row) => row.media), label: t("year.most_dueled") }),
          ]) : null,
        ] : null,
      ]);
    };
  },
};
