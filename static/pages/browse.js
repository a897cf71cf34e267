// Browse and search: kind tabs, genre / platform / year filters, sort, instant search as
// you type (debounced; the API forgives typos), infinite scroll on the cursor.
import { h, ref, reactive, onMounted, watch } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { route, replaceQuery } from "../lib/router.js";
import { heading, pageTitle } from "../lib/page.js";
import { MediaGrid } from "../components/media-card.js";
import { LoadMore } from "../components/infinite-list.js";
import { ErrorBox } from "../components/error-box.js";

const KINDS = ["", "game", "film", "series"];
const SORTS = ["popular", "top_rated", "newest", "title"];
const SEARCH_DELAY_MS = 250;

export default {
  name: "BrowsePage",
  setup() {
    pageTitle("browse.title");
    const q = route.query;
    const filters = reactive({ q: q.q || "", kind: q.kind || "", genre: q.genre || "", platform: q.platform || "", year: q.year || "", sort: q.sort || "" });
    const vocabulary = ref({ genres: [], platforms: [] });
    const items = ref([]);
    const cursor = ref(null);
    const loading = ref(false);
    const error = ref(null);
    let generation = 0;

    function query() {
      const sort = filters.sort || (filters.q.trim() ? "relevance" : "popular");
      return { ...filters, q: filters.q.trim(), sort, year: /^\d{4}$/.test(filters.year) ? filters.year : "", limit: 24 };
    }

    async function load({ more = false } = {}) {
      const mine = ++generation;
      loading.value = true;
      error.value = null;
      try {
        const page = await api.get("/api/v1/media", { query: { ...query(), cursor: more ? cursor.value : undefined } });
        if (mine !== generation) return; // a newer search started meanwhile
        items.value = more ? [...items.value, ...page.items] : page.items;
        cursor.value = page.next_cursor;
      } catch (failure) {
        if (mine === generation) error.value = failure;
      } finally {
        if (mine === generation) loading.value = false;
      }
    }

    let timer = null;
    watch(() => ({ ...filters }), (now, before) => {
      replaceQuery({ q: now.q, kind: now.kind, genre: now.genre, platform: now.platform, year: now.year, sort: now.sort });
      clearTimeout(timer);
      timer = setTimeout(() => load(), now.q !== before.q || now.year !== before.year ? SEARCH_DELAY_MS : 0);
    });

    async function loadVocabulary() {
      vocabulary.value = await api.get("/api/v1/genres", { query: { kind: filters.kind || undefined } }).catch(() => vocabulary.value);
      if (filters.genre && !vocabulary.value.genres.some((g) => g.slug === filters.genre)) filters.genre = "";
    }
    watch(() => filters.kind, loadVocabulary);
    onMounted(() => {
      loadVocabulary();
      load();
    });

    const select = (name, label, options) => h("div", { class: "field" }, [
      h("label", { for: `browse-${name}` }, label),
      h("select", { id: `browse-${name}`, value: filters[name], onChange: (e) => { filters[name] = e.target.value; } },
        options.map(([value, text]) => h("option", { value, selected: value === filters[name] }, text))),
    ]);

    return () => h("div", { class: "page" }, [
      heading(t("browse.title")),
      h("div", { class: "tabs", role: "group", "aria-label": t("browse.kinds") }, KINDS.map((kind) =>
        h("button", { type: "button", class: "tab", "aria-pressed": String(filters.kind === kind), onClick: () => { filters.kind = kind; } }, t(kind ? `kind.${kind}` : "kind.all")))),
      h("div", { class: "filters", role: "search" }, [
        h("div", { class: "field search" }, [
          h("label", { for: "browse-q" }, t("browse.search")),
          h("input", { id: "browse-q", type: "search", value: filters.q, autocomplete: "off", onInput: (e) => { filters.q = e.target.value; } }),
        ]),
        select("genre", t("browse.genre"), [["", t("browse.any")], ...vocabulary.value.genres.filter((g, i, all) => all.findIndex((o) => o.slug === g.slug) === i).map((g) => [g.slug, g.name])]),
        filters.kind === "game" || filters.kind === ""
          ? select("platform", t("browse.platform"), [["", t("browse.any")], ...vocabulary.value.platforms.map((p) => [p.slug, p.name])])
          : null,
        h("div", { class: "field" }, [
          h("label", { for: "browse-year" }, t("browse.year")),
          h("input", { id: "browse-year", inputmode: "numeric", maxlength: 4, value: filters.year, onInput: (e) => { filters.year = e.target.value; } }),
        ]),
        select("sort", t("browse.sort"), [["", filters.q.trim() ? t("browse.sort.relevance") : t("browse.sort.popular")], ...SORTS.map((s) => [s, t(`browse.sort.${s}`)])]),
      ]),
      error.value ? h(ErrorBox, { error: error.value, onRetry: () => load() }) : null,
      h("div", { "aria-live": "polite", "aria-busy": String(loading.value) }, [
        !loading.value && !items.value.length && !error.value ? h("p", { class: "muted" }, t("browse.none")) : null,
        h(MediaGrid, { items: items.value, label: t("browse.results") }),
      ]),
      h(LoadMore, { hasMore: Boolean(cursor.value), loading: loading.value, onMore: () => load({ more: true }) }),
    ]);
  },
};
