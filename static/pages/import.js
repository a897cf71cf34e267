// Import a history (Letterboxd, Backloggd, Trakt, Steam): choose the source, upload the
// file (or a Steam id), follow the matching live on user:{id}, fix the preview (pick
// another title or drop a row, grouped by state with the file's line numbers), confirm.
import { h, ref, onMounted, onBeforeUnmount } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t, has, formatNumber } from "../lib/i18n.js";
import { RouterLink } from "../lib/router.js";
import { me } from "../lib/session.js";
import { live } from "../lib/live.js";
import { toast } from "../lib/toasts.js";
import { heading, pageTitle } from "../lib/page.js";
import { ErrorBox } from "../components/error-box.js";

const SOURCES = ["letterboxd", "backloggd", "trakt", "steam"];
// Rows to look at first: those that need a decision.
const GROUPS = ["doubtful", "unmatched", "invalid", "matched", "dropped"];
const FIXABLE = new Set(["doubtful", "unmatched"]);
const KIND_OF = { letterboxd: "film", backloggd: "game", steam: "game", trakt: undefined };

export default {
  name: "ImportPage",
  setup() {
    pageTitle("import.title");
    const source = ref("letterboxd");
    const steamId = ref("");
    const file = ref(null);
    const busy = ref(false);
    const error = ref(null);
    const current = ref(null); // the import's summary, then its preview
    const result = ref(null); // the confirmation
    const searching = ref(null); // the position whose title search is open
    const query = ref("");
    const found = ref([]);
    let sub = null;
    let poll = null;

    const preview = async () => {
      try {
        current.value = await api.get(`/api/v1/imports/${current.value.id}`);
      } catch (failure) {
        error.value = failure;
      }
    };

    onMounted(async () => {
      sub = live.subscribe(`user:${me.value.id}`, {
        message(data) {
          if (data.type !== "interaction.import_progress" || data.import_id !== current.value?.id) return;
          current.value = { ...current.value, state: data.state, total: data.total, done: data.done, counts: data.counts };
          if (data.state !== "matching") preview();
        },
        resync() {
          if (current.value) preview();
        },
      });
      await sub.ready;
    });
    // Should the live connection be down (or a message missed), the preview is asked again
    // every few seconds while it is being matched.
    poll = setInterval(() => {
      if (current.value?.state === "matching") preview();
    }, 3000);
    onBeforeUnmount(() => {
      sub?.close();
      clearInterval(poll);
    });

    async function upload(event) {
      event.preventDefault();
      error.value = null;
      result.value = null;
      const fetchSteam = source.value === "steam" && steamId.value.trim();
      if (!fetchSteam && !file.value) {
        error.value = { message: t("import.no_file"), retryable: false };
        return;
      }
      busy.value = true;
      try {
        const form = new FormData();
        if (!fetchSteam) form.append("file", file.value);
        current.value = await api.upload("/api/v1/imports", form, { query: { source: source.value, steam_id: fetchSteam ? steamId.value.trim() : undefined } });
        // Matching may be over before the first progress message: ask once.
        await preview();
      } catch (failure) {
        error.value = failure;
      } finally {
        busy.value = false;
      }
    }

    async function fix(row, body) {
      try {
        await api.patch(`/api/v1/imports/${current.value.id}/rows/${row.position}`, body);
        searching.value = null;
        await preview();
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    function openSearch(row) {
      searching.value = row.position;
      query.value = row.title;
      found.value = [];
      search(row);
    }

    async function search(row) {
      const q = query.value.trim();
      if (!q) return;
      try {
        const page = await api.get("/api/v1/media", { query: { q, sort: "relevance", kind: row.kind || KIND_OF[current.value.source], limit: 8 } });
        found.value = page.items;
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    async function confirm() {
      busy.value = true;
      try {
        result.value = await api.post(`/api/v1/imports/${current.value.id}/confirm`);
        await preview();
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      } finally {
        busy.value = false;
      }
    }

    const titled = (title, year) => (year ? `${title} (${year})` : title);

    function searchForm(row) {
      const inputId = `import-search-${row.position}`;
      return h("form", { class: "import-search", role: "search", onSubmit: (event) => { event.preventDefault(); search(row); } }, [
        h("label", { for: inputId }, t("import.search_label", { line: row.line })),
        h("input", { id: inputId, type: "search", value: query.value, onInput: (e) => (query.value = e.target.value) }),
        h("button", { type: "submit", class: "button secondary small" }, t("import.search")),
        h("ul", { class: "import-found", "aria-label": t("import.results") }, found.value.map((media) => h("li", { key: media.id }, [
          h("button", { type: "button", class: "link", onClick: () => fix(row, { media_id: media.id }) }, t("import.pick", { title: titled(media.title, media.year) })),
        ]))),
      ]);
    }

    function rowLine(row) {
      const confirmed = current.value.state === "confirmed";
      return h("tr", { key: row.position, "data-line": row.line, "data-state": row.state }, [
        h("td", { class: "num" }, [h("span", { class: "muted small" }, `${row.file}:`), formatNumber(row.line)]),
        h("td", titled(row.title, row.year)),
        h("td", has(`import.action.${row.action}`) ? t(`import.action.${row.action}`) : row.action),
        h("td", row.media
          ? [h(RouterLink, { to: `/titles/${row.media.slug}`, class: "link" }, () => titled(row.media.title, row.media.year)),
            row.confidence !== null && row.state === "doubtful" ? h("span", { class: "muted small" }, ` · ${t("import.confidence", { percent: Math.round(row.confidence * 100) })}`) : null]
          : h("span", { class: "muted" }, row.problem || t("import.no_match"))),
        h("td", confirmed || !FIXABLE.has(row.state) ? null : h("div", { class: "import-fix" }, [
          searching.value === row.position ? searchForm(row)
            : h("button", { type: "button", class: "button secondary small", "aria-label": t("import.choose_for", { title: row.title, line: row.line }), onClick: () => openSearch(row) }, t("import.choose")),
          h("button", { type: "button", class: "button secondary small", "aria-label": t("import.drop_for", { title: row.title, line: row.line }), onClick: () => fix(row, { drop: true }) }, t("import.drop")),
        ])),
      ]);
    }

    function group(state) {
      const rows = (current.value.rows || []).filter((r) => r.state === state);
      if (!rows.length) return null;
      const id = `import-${state}`;
      return h("section", { key: state, "aria-labelledby": id, class: "import-group" }, [
        h("h3", { id }, [t(`import.state.${state}`), " ", h("span", { class: "num muted" }, formatNumber(rows.length))]),
        h("table", { class: "admin-table", "aria-labelledby": id }, [
          h("thead", h("tr", [t("import.line"), t("import.in_file"), t("import.what"), t("import.match"), t("import.fix")].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", rows.map(rowLine)),
        ]),
      ]);
    }

    function progressBlock() {
      const c = current.value;
      const text = c.state === "matching" ? t("import.matching", { done: formatNumber(c.done), total: formatNumber(c.total) })
        : t(`import.state_${c.state}`);
      return h("div", { class: "list-progress" }, [
        h("progress", { max: Math.max(c.total, 1), value: c.state === "matching" ? c.done : Math.max(c.total, 1), "aria-label": t("import.progress") }),
        h("p", { role: "status", "aria-live": "polite" }, text),
      ]);
    }

    return () => h("div", { class: "page" }, [
      heading(t("import.title")),
      h("p", { class: "muted" }, t("import.help")),
      h("form", { class: "form", onSubmit: upload, "aria-label": t("import.upload_form") }, [
        h("div", { class: "field" }, [
          h("label", { for: "import-source" }, t("import.source")),
          h("select", { id: "import-source", value: source.value, onChange: (e) => (source.value = e.target.value) },
            SOURCES.map((s) => h("option", { value: s, selected: source.value === s }, t(`import.source_${s}`)))),
        ]),
        h("p", { class: "muted small" }, t(`import.hint_${source.value}`)),
        h("div", { class: "field" }, [
          h("label", { for: "import-file" }, t("import.file")),
          h("input", { id: "import-file", type: "file", onChange: (e) => (file.value = e.target.files[0] || null) }),
        ]),
        source.value === "steam" ? h("div", { class: "field" }, [
          h("label", { for: "import-steam" }, t("import.steam_id")),
          h("input", { id: "import-steam", inputmode: "numeric", pattern: "[0-9]{1,20}", value: steamId.value, onInput: (e) => (steamId.value = e.target.value) }),
        ]) : null,
        h("button", { type: "submit", class: "button", disabled: busy.value }, t("import.upload")),
      ]),
      error.value ? h(ErrorBox, { error: error.value, onRetry: () => (error.value = null) }) : null,
      current.value ? h("section", { "aria-labelledby": "import-preview" }, [
        h("h2", { id: "import-preview" }, t("import.preview")),
        progressBlock(),
        current.value.problem ? h("p", { role: "alert" }, current.value.problem) : null,
        result.value ? h("div", { role: "status", class: "import-result" }, [
          h("p", t("import.written", { count: result.value.written })),
          h("p", [
            h(RouterLink, { to: `/users/${me.value.id}/diary`, class: "link" }, () => t("import.open_diary")), " ",
            h(RouterLink, { to: `/users/${me.value.id}/library`, class: "link" }, () => t("import.open_library")),
          ]),
        ]) : null,
        ...(current.value.rows ? GROUPS.map(group) : []),
        current.value.state === "ready" ? h("button", { type: "button", class: "button", disabled: busy.value, onClick: confirm }, t("import.confirm")) : null,
      ]) : null,
    ]);
  },
};
