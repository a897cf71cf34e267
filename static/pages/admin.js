// The admin pages: the live dashboard (tiles and 5-minute charts from admin:dashboard)
// and the back-office sections (imports, moderation, users, the leaderboard audit).
import { h, ref, reactive, onMounted, onBeforeUnmount } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { live } from "../lib/live.js";
import { t, formatNumber, formatDate } from "../lib/i18n.js";
import { route, RouterLink } from "../lib/router.js";
import { heading, pageTitle } from "../lib/page.js";
import { ErrorBox } from "../components/error-box.js";
import { Field } from "../components/field.js";
import { toast } from "../lib/toasts.js";

const WINDOW = 300; // points kept per chart: five minutes of one-second ticks
const SECTIONS = ["dashboard", "imports", "moderation", "users", "audit", "campaigns", "offers"];
const CHARTS = [
  ["connections", (s) => total(s, "connections_websocket") + total(s, "connections_sse")],
  ["messages_out", (s) => total(s, "messages_out_per_second")],
  ["votes", (s) => s.votes_per_minute],
  ["signals", (s) => s.signals_per_second],
];

function total(stats, name) {
  return stats.realtime.total[name] || 0;
}

function dateTime(value) {
  return value ? formatDate(value, { dateStyle: "short", timeStyle: "medium" }) : "–";
}

// A line of the last five minutes, drawn as SVG (attributes only: the CSP allows no styles).
function Chart(label, points) {
  const width = 300;
  const height = 60;
  const top = Math.max(1, ...points);
  const step = width / (WINDOW - 1);
  const offset = WINDOW - points.length;
  const line = points.map((value, i) => `${((offset + i) * step).toFixed(1)},${(height - (value / top) * (height - 4) - 2).toFixed(1)}`).join(" ");
  return h("figure", { class: "admin-chart" }, [
    h("figcaption", [label, h("span", { class: "muted" }, ` · ${t("admin.chart_max", { value: formatNumber(top) })}`)]),
    h("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": t("admin.chart_label", { name: label }), preserveAspectRatio: "none" }, [
      h("polyline", { points: line, fill: "none", stroke: "currentColor", "stroke-width": "2", "vector-effect": "non-scaling-stroke" }),
    ]),
  ]);
}

function Tile(key, value, testid) {
  return h("div", { class: "admin-tile", "data-tile": testid }, [
    h("div", { class: "admin-tile-value" }, value),
    h("div", { class: "muted" }, t(key)),
  ]);
}

// The live ad counters (``marketing.stats``), published by the ad event actor.
function AdTiles(a) {
  const money = (cents) => formatNumber(cents / 100, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return h("section", { "aria-labelledby": "admin-ads" }, [
    h("h2", { id: "admin-ads" }, t("admin.ads.title")),
    h("div", { class: "admin-tiles" }, [
      Tile("admin.ads.impressions_minute", formatNumber(a.impressions_per_minute), "ad_impressions_minute"),
      Tile("admin.ads.clicks_minute", formatNumber(a.clicks_per_minute), "ad_clicks_minute"),
      Tile("admin.ads.spend_minute", money(a.spent_cents_per_minute), "ad_spend_minute"),
      Tile("admin.ads.impressions_today", formatNumber(a.impressions_today), "ad_impressions_today"),
      Tile("admin.ads.clicks_today", formatNumber(a.clicks_today), "ad_clicks_today"),
      Tile("admin.ads.spend_today", money(a.spent_cents_today), "ad_spend_today"),
    ]),
  ]);
}

function Nav(current) {
  return h("nav", { "aria-label": t("admin.sections") }, h("ul", { class: "admin-tabs" }, SECTIONS.map((name) =>
    h("li", h(RouterLink, { to: name === "dashboard" ? "/admin" : `/admin/${name}`, class: ["nav-link", name === current ? "active" : ""], "aria-current": name === current ? "page" : undefined }, () => t(`admin.section.${name}`))),
  )));
}

export default {
  name: "AdminPage",
  setup() {
    const section = SECTIONS.includes(route.params.section) ? route.params.section : "dashboard";
    pageTitle(`admin.section.${section}`);
    const error = ref(null);
    const stats = ref(null);
    const series = reactive(Object.fromEntries(CHARTS.map(([name]) => [name, []])));
    const imports = ref([]);
    const importForm = reactive({ provider: "tmdb", kind: "film", pages: 1 });
    const reviews = ref([]);
    const reviewFilter = ref("reported");
    const reasons = reactive({});
    const users = ref([]);
    const userQuery = ref("");
    const audit = ref(null);
    const ads = ref(null);
    const campaigns = ref([]);
    const campaignErrors = ref({});
    const shop = ref(null);
    const clicks = ref([]);
    const campaignForm = reactive({
      advertiser: "", title: "", body: "", cta_label: "", cta_url: "", image_url: "", genres: "", min_level: "1",
      starts_at: new Date(Date.now() - 3600e3).toISOString().slice(0, 16), ends_at: new Date(Date.now() + 7 * 86400e3).toISOString().slice(0, 16),
      total_cents: "100000", daily_cents: "10000", price_model: "cpm", price_cents: "100", cap: "3",
    });
    let subscription = null;
    let lastOffset = 0;

    function applyStats(next) {
      stats.value = next;
      if (next.ads) ads.value = next.ads;
      for (const [name, read] of CHARTS) {
        series[name].push(read(next) || 0);
        if (series[name].length > WINDOW) series[name].shift();
      }
    }

    function applyImport(state) {
      const rest = imports.value.filter((item) => item.id !== state.id);
      const known = imports.value.find((item) => item.id === state.id) || {};
      imports.value = [{ ...known, ...state }, ...rest].sort((a, b) => b.id - a.id);
    }

    function message(data, frame) {
      if (frame && frame.offset <= lastOffset) return;
      if (data.type === "admin.stats") applyStats(data);
      else if (data.type === "catalog.import") applyImport(data.import);
      else if (data.type === "ranking.audit") audit.value = data;
      else if (data.type === "marketing.stats") ads.value = data;
    }

    async function snapshot() {
      error.value = null;
      try {
        if (section === "dashboard") {
          const body = await api.get("/api/v1/admin/dashboard");
          lastOffset = body.live.offset;
          applyStats(body.stats);
        } else if (section === "imports") {
          imports.value = (await api.get("/api/v1/admin/imports")).items;
        } else if (section === "moderation") {
          reviews.value = (await api.get("/api/v1/admin/reviews", { query: { filter: reviewFilter.value } })).items;
        } else if (section === "users") {
          users.value = (await api.get("/api/v1/admin/users", { query: { q: userQuery.value.trim() || undefined } })).items;
        } else if (section === "offers") {
          shop.value = await api.get("/api/v1/admin/commerce/offers");
          clicks.value = (await api.get("/api/v1/admin/commerce/clicks", { query: { days: 14 } })).items;
        } else if (section === "campaigns") {
          campaigns.value = (await api.get("/api/v1/admin/campaigns", { query: { limit: 100 } })).campaigns;
        } else if (section === "audit") {
          audit.value = await api.get("/api/v1/admin/leaderboards/audit", { quiet: true }).catch((failure) => {
            if (failure.code === "no_audit_yet") return null;
            throw failure;
          });
        }
      } catch (failure) {
        error.value = failure;
      }
    }

    onMounted(async () => {
      if (["dashboard", "imports", "audit"].includes(section)) {
        subscription = live.subscribe("admin:dashboard", { message, resync: snapshot });
        await subscription.ready;
      }
      await snapshot();
    });
    onBeforeUnmount(() => subscription?.close());

    async function startImport(event) {
      event.preventDefault();
      try {
        const started = await api.post("/api/v1/admin/imports", { provider: importForm.provider, kind: importForm.kind, pages: Number(importForm.pages) });
        applyImport(started);
        toast(t("admin.imports.started"), { tone: "success" });
      } catch (failure) {
        error.value = failure;
      }
    }

    // The API's error paths, shown next to the form's fields.
    const CAMPAIGN_FIELDS = {
      advertiser: "advertiser", title: "creative.title", body: "creative.body", cta_label: "creative.cta_label", cta_url: "creative.cta_url",
      image_url: "creative.image_url", genres: "targeting.genres", min_level: "targeting.min_level", starts_at: "schedule.starts_at",
      ends_at: "schedule.ends_at", total_cents: "budget.total_cents", daily_cents: "budget.daily_cents", price_cents: "budget.price_cents",
      cap: "frequency_cap_per_day",
    };

    async function createCampaign(event) {
      event.preventDefault();
      campaignErrors.value = {};
      const f = campaignForm;
      const utc = (local) => (local ? `${local}:00Z` : "");
      const number = (value) => (value === "" ? null : Number(value));
      try {
        const created = await api.post("/api/v1/admin/campaigns", {
          advertiser: f.advertiser,
          creative: { title: f.title, body: f.body, cta_label: f.cta_label, cta_url: f.cta_url, image_url: f.image_url || null },
          targeting: { kinds: [], genres: f.genres.split(",").map((g) => g.trim()).filter(Boolean), platforms: [], min_level: number(f.min_level) },
          schedule: { starts_at: utc(f.starts_at), ends_at: utc(f.ends_at) },
          budget: { total_cents: number(f.total_cents), daily_cents: number(f.daily_cents), price_model: f.price_model, price_cents: number(f.price_cents) },
          frequency_cap_per_day: number(f.cap),
        });
        campaigns.value = [...campaigns.value, created];
        toast(t("admin.campaigns.created"), { tone: "success" });
      } catch (failure) {
        const fields = failure.fields || {};
        const shown = {};
        for (const [name, path] of Object.entries(CAMPAIGN_FIELDS)) {
          const key = Object.keys(fields).find((k) => k === path || k.startsWith(`${path}.`) || k.startsWith(`${path}[`));
          if (key) shown[name] = fields[key];
        }
        campaignErrors.value = shown;
        if (!Object.keys(shown).length) error.value = failure;
      }
    }

    async function setCampaignStatus(campaign, status) {
      try {
        const changed = await api.patch(`/api/v1/admin/campaigns/${campaign.id}`, { status });
        campaigns.value = campaigns.value.map((c) => (c.id === changed.id ? changed : c));
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    function campaignsSection() {
      const f = campaignForm;
      const field = (name, label, extra = {}) => h(Field, { ...extra, name, label: t(label), modelValue: f[name], error: campaignErrors.value[name] || "", "onUpdate:modelValue": (v) => { f[name] = v; } });
      const money = (cents) => formatNumber(cents / 100, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      return [
        h("table", { class: "admin-table", "aria-label": t("admin.section.campaigns") }, [
          h("thead", h("tr", ["#", t("admin.campaigns.advertiser"), t("admin.campaigns.title"), t("admin.campaigns.status"), t("admin.campaigns.spent"), t("admin.campaigns.pacing"), ""].map((label) => h("th", { scope: "col" }, label)))),
          h("tbody", campaigns.value.map((c) => h("tr", { key: c.id, "data-campaign": c.id, "data-status": c.status }, [
            h("td", formatNumber(c.id)),
            h("td", c.advertiser),
            h("td", c.creative.title),
            h("td", t(`admin.campaigns.state.${c.status}`)),
            h("td", `${money(c.budget.spent_cents)} / ${money(c.budget.total_cents)}`),
            h("td", t("admin.campaigns.daily", { daily: money(c.budget.daily_cents), model: c.budget.price_model.toUpperCase(), price: money(c.budget.price_cents) })),
            h("td", c.status === "active"
              ? h("button", { type: "button", class: "button small", onClick: () => setCampaignStatus(c, "paused") }, t("admin.campaigns.pause"))
              : c.status === "paused"
                ? h("button", { type: "button", class: "button small", onClick: () => setCampaignStatus(c, "active") }, t("admin.campaigns.resume"))
                : null),
          ]))),
        ]),
        h("h2", t("admin.campaigns.new")),
        h("form", { class: "admin-form", onSubmit: createCampaign, novalidate: true }, [
          field("advertiser", "admin.campaigns.advertiser"),
          field("title", "admin.campaigns.title"),
          field("body", "admin.campaigns.body"),
          field("cta_label", "admin.campaigns.cta_label"),
          field("cta_url", "admin.campaigns.cta_url"),
          field("image_url", "admin.campaigns.image_url"),
          field("genres", "admin.campaigns.genres"),
          field("min_level", "admin.campaigns.min_level", { type: "number" }),
          field("starts_at", "admin.campaigns.starts_at", { type: "datetime-local" }),
          field("ends_at", "admin.campaigns.ends_at", { type: "datetime-local" }),
          field("total_cents", "admin.campaigns.total_cents", { type: "number" }),
          field("daily_cents", "admin.campaigns.daily_cents", { type: "number" }),
          h("div", { class: "field" }, [
            h("label", { for: "campaign-price-model" }, t("admin.campaigns.price_model")),
            h("select", { id: "campaign-price-model", value: f.price_model, onChange: (e) => { f.price_model = e.target.value; } },
              ["cpm", "cpc"].map((m) => h("option", { value: m, selected: m === f.price_model }, m.toUpperCase()))),
          ]),
          field("price_cents", "admin.campaigns.price_cents", { type: "number" }),
          field("cap", "admin.campaigns.cap", { type: "number" }),
          h("button", { type: "submit", class: "button" }, t("admin.campaigns.create")),
        ]),
      ];
    }

    function offersSection() {
      if (!shop.value) return h("p", { class: "muted" }, t("common.loading"));
      const price = (o) => (o.price === null ? "—" : `${o.price.toFixed(2)} ${o.currency || ""}`.trim());
      return [
        h("p", { class: "muted", "data-testid": "last-sync" }, shop.value.last_sync
          ? t("admin.offers.last_sync", { at: dateTime(shop.value.last_sync) })
          : t("admin.offers.never_synced")),
        shop.value.items.length
          ? h("table", { class: "admin-table", "aria-label": t("admin.section.offers") }, [
              h("thead", h("tr", [t("admin.offers.title"), t("admin.offers.store"), t("admin.offers.type"), t("admin.offers.price"), t("admin.offers.available"), t("admin.offers.last_seen")].map((label) => h("th", { scope: "col" }, label)))),
              h("tbody", shop.value.items.flatMap((title) => title.offers.map((o, index) => h("tr", { key: o.id, "data-offer": o.id, "data-store": o.store }, [
                h("td", index === 0 ? title.title : ""),
                h("td", o.store),
                h("td", `${o.offer_type} · ${o.region}`),
                h("td", o.discount_percent ? `${price(o)} (−${o.discount_percent} %)` : price(o)),
                h("td", o.available ? t("admin.offers.yes") : t("admin.offers.no")),
                h("td", dateTime(o.last_seen)),
              ])))),
            ])
          : h("p", { class: "muted" }, t("admin.offers.none")),
        h("h2", t("admin.offers.clicks")),
        clicks.value.length
          ? h("table", { class: "admin-table clicks", "aria-label": t("admin.offers.clicks") }, [
              h("thead", h("tr", [t("admin.offers.day"), t("admin.offers.store"), t("admin.offers.click_count")].map((label) => h("th", { scope: "col" }, label)))),
              h("tbody", clicks.value.map((row) => h("tr", { key: `${row.day}-${row.store}`, "data-day": row.day, "data-store": row.store }, [
                h("td", row.day), h("td", row.store), h("td", formatNumber(row.clicks)),
              ]))),
            ])
          : h("p", { class: "muted" }, t("admin.offers.no_clicks")),
      ];
    }

    async function hide(item) {
      const reason = (reasons[item.review.id] || "").trim();
      try {
        await api.post(`/api/v1/admin/reviews/${item.review.id}/hide`, { reason });
        toast(t("admin.moderation.hidden"), { tone: "success" });
        await snapshot();
      } catch (failure) {
        error.value = failure;
      }
    }

    async function promote(user) {
      try {
        const promoted = await api.post(`/api/v1/admin/users/${user.id}/promote`);
        users.value = users.value.map((u) => (u.id === promoted.id ? promoted : u));
        toast(t("admin.users.promoted", { name: promoted.display_name }), { tone: "success" });
      } catch (failure) {
        error.value = failure;
      }
    }

    function dashboard() {
      const s = stats.value;
      if (!s) return h("p", { class: "muted" }, t("common.loading"));
      const nodes = Object.entries(s.realtime.nodes);
      return [
        h("div", { class: "admin-tiles" }, [
          Tile("admin.tile.connections", formatNumber(total(s, "connections_websocket") + total(s, "connections_sse")), "connections"),
          Tile("admin.tile.subscriptions", formatNumber(total(s, "subscriptions")), "subscriptions"),
          Tile("admin.tile.messages_in", formatNumber(total(s, "messages_in_per_second")), "messages_in"),
          Tile("admin.tile.messages_out", formatNumber(total(s, "messages_out_per_second")), "messages_out"),
          Tile("admin.tile.slow_clients", formatNumber(total(s, "slow_clients_dropped_total")), "slow_clients"),
          Tile("admin.tile.reconnects", formatNumber(total(s, "pubsub_reconnects_total")), "reconnects"),
          Tile("admin.tile.lag", t("admin.milliseconds", { value: formatNumber(Math.round(total(s, "lag_mean_seconds") * 1000)) }), "lag"),
          Tile("admin.tile.votes", formatNumber(s.votes_per_minute), "votes"),
          Tile("admin.tile.signals", formatNumber(s.signals_per_second), "signals"),
          Tile("admin.tile.signups", formatNumber(s.signups_today), "signups"),
          Tile("admin.tile.dead_letters", formatNumber(s.dead_letters), "dead_letters"),
          Tile("admin.tile.workers", formatNumber(s.workers.length), "workers"),
        ]),
        ads.value ? AdTiles(ads.value) : null,
        h("div", { class: "admin-charts" }, CHARTS.map(([name]) => Chart(t(`admin.chart.${name}`), series[name]))),
        h("h2", t("admin.nodes")),
        h("table", { class: "admin-table" }, [
          h("thead", h("tr", [t("admin.node"), t("admin.tile.connections"), t("admin.tile.subscriptions"), t("admin.tile.messages_out"), t("admin.tile.lag")].map((label) => h("th", { scope: "col" }, label)))),
          h("tbody", nodes.map(([node, f]) => h("tr", { key: node }, [
            h("td", node),
            h("td", formatNumber((f.connections_websocket || 0) + (f.connections_sse || 0))),
            h("td", formatNumber(f.subscriptions || 0)),
            h("td", formatNumber(f.messages_out_per_second || 0)),
            h("td", t("admin.milliseconds", { value: formatNumber(Math.round((f.lag_mean_seconds || 0) * 1000)) })),
          ]))),
        ]),
        h("h2", t("admin.queues")),
        h("table", { class: "admin-table" }, [
          h("thead", h("tr", [t("admin.queue"), t("admin.ready"), t("admin.delayed"), t("admin.dead")].map((label) => h("th", { scope: "col" }, label)))),
          h("tbody", s.queues.map((q) => h("tr", { key: q.name }, [h("td", q.name), h("td", formatNumber(q.ready)), h("td", formatNumber(q.delayed)), h("td", formatNumber(q.dead))]))),
        ]),
        h("h2", t("admin.workers")),
        s.workers.length
          ? h("ul", { class: "admin-list" }, s.workers.map((w) => h("li", { key: w.worker }, t("admin.heartbeat", { worker: w.worker.slice(0, 8), seconds: formatNumber(w.seconds_ago) }))))
          : h("p", { class: "muted" }, t("admin.no_workers")),
      ];
    }

    function importsSection() {
      return [
        h("form", { class: "admin-form", onSubmit: startImport }, [
          h("div", { class: "field" }, [
            h("label", { for: "import-provider" }, t("admin.imports.provider")),
            h("select", { id: "import-provider", value: importForm.provider, onChange: (e) => { importForm.provider = e.target.value; importForm.kind = e.target.value === "igdb" ? "game" : "film"; } },
              ["tmdb", "igdb"].map((p) => h("option", { value: p, selected: p === importForm.provider }, p.toUpperCase()))),
          ]),
          h("div", { class: "field" }, [
            h("label", { for: "import-kind" }, t("admin.imports.kind")),
            h("select", { id: "import-kind", value: importForm.kind, onChange: (e) => { importForm.kind = e.target.value; } },
              (importForm.provider === "igdb" ? ["game"] : ["film", "series"]).map((k) => h("option", { value: k, selected: k === importForm.kind }, t(`kind.${k}`)))),
          ]),
          h("div", { class: "field" }, [
            h("label", { for: "import-pages" }, t("admin.imports.pages")),
            h("input", { id: "import-pages", type: "number", min: 1, max: 50, value: importForm.pages, onInput: (e) => { importForm.pages = e.target.value; } }),
          ]),
          h("button", { type: "submit", class: "button" }, t("admin.imports.start")),
        ]),
        imports.value.length
          ? h("table", { class: "admin-table", "aria-label": t("admin.section.imports") }, [
              h("thead", h("tr", ["#", t("admin.imports.provider"), t("admin.imports.status"), t("admin.imports.progress"), t("admin.imports.counts")].map((label) => h("th", { scope: "col" }, label)))),
              h("tbody", imports.value.map((item) => h("tr", { key: item.id, "data-import": item.id, "data-status": item.status }, [
                h("td", formatNumber(item.id)),
                h("td", `${item.provider.toUpperCase()} · ${t(`kind.${item.kind}`)}`),
                h("td", [t(`admin.imports.state.${item.status}`), item.error ? h("div", { class: "muted" }, item.error) : null]),
                h("td", [
                  h("progress", { max: item.pages, value: item.pages_done, "aria-label": t("admin.imports.progress") }),
                  ` ${formatNumber(item.pages_done)} / ${formatNumber(item.pages)}`,
                ]),
                h("td", t("admin.imports.summary", { imported: item.imported, updated: item.updated, unchanged: item.unchanged, failed: item.failed })),
              ]))),
            ])
          : h("p", { class: "muted" }, t("admin.imports.none")),
      ];
    }

    function moderationSection() {
      return [
        h("div", { class: "field" }, [
          h("label", { for: "review-filter" }, t("admin.moderation.show")),
          h("select", { id: "review-filter", value: reviewFilter.value, onChange: (e) => { reviewFilter.value = e.target.value; snapshot(); } },
            ["reported", "recent"].map((f) => h("option", { value: f, selected: f === reviewFilter.value }, t(`admin.moderation.${f}`)))),
        ]),
        reviews.value.length
          ? h("ul", { class: "admin-list" }, reviews.value.map((item) => h("li", { key: item.review.id, class: "admin-review", "data-review": item.review.id }, [
              h("div", [h("strong", item.media_title), " · ", item.review.author.display_name, " · ", dateTime(item.review.created_at)]),
              h("p", item.review.body),
              item.reports.count ? h("p", { class: "muted" }, t("admin.moderation.reports", { count: item.reports.count, reasons: item.reports.reasons.map((r) => t(`admin.reason.${r}`)).join(", ") })) : null,
              item.review.hidden
                ? h("p", { class: "muted" }, t("admin.moderation.hidden_because", { reason: item.review.hidden_reason || "" }))
                : h("div", { class: "admin-form" }, [
                    h("div", { class: "field" }, [
                      h("label", { for: `hide-${item.review.id}` }, t("admin.moderation.reason")),
                      h("input", { id: `hide-${item.review.id}`, value: reasons[item.review.id] || "", onInput: (e) => { reasons[item.review.id] = e.target.value; } }),
                    ]),
                    h("button", { type: "button", class: "button", onClick: () => hide(item) }, t("admin.moderation.hide")),
                  ]),
            ])))
          : h("p", { class: "muted" }, t("admin.moderation.none")),
      ];
    }

    function usersSection() {
      return [
        h("form", { class: "admin-form", role: "search", onSubmit: (e) => { e.preventDefault(); snapshot(); } }, [
          h("div", { class: "field" }, [
            h("label", { for: "user-search" }, t("admin.users.search")),
            h("input", { id: "user-search", type: "search", value: userQuery.value, onInput: (e) => { userQuery.value = e.target.value; } }),
          ]),
          h("button", { type: "submit", class: "button" }, t("admin.users.find")),
        ]),
        h("table", { class: "admin-table", "aria-label": t("admin.section.users") }, [
          h("thead", h("tr", [t("admin.users.name"), t("admin.users.email"), t("admin.users.role"), t("admin.users.joined"), ""].map((label) => h("th", { scope: "col" }, label)))),
          h("tbody", users.value.map((user) => h("tr", { key: user.id, "data-user": user.id }, [
            h("td", h(RouterLink, { to: `/users/${user.id}` }, () => user.display_name)),
            h("td", user.email || "–"),
            h("td", t(`admin.role.${user.role}`)),
            h("td", dateTime(user.created_at)),
            h("td", user.role === "admin" ? null : h("button", { type: "button", class: "button small", onClick: () => promote(user) }, t("admin.users.promote"))),
          ]))),
        ]),
      ];
    }

    function auditSection() {
      const report = audit.value;
      if (!report) return h("p", { class: "muted" }, t("admin.audit.none"));
      return [
        h("p", t("admin.audit.summary", { votes: formatNumber(report.votes), when: dateTime(report.taken_at) })),
        h("table", { class: "admin-table" }, [
          h("thead", h("tr", [t("admin.imports.kind"), t("admin.audit.titles"), t("admin.audit.votes"), t("admin.audit.tau"), t("admin.audit.drift")].map((label) => h("th", { scope: "col" }, label)))),
          h("tbody", Object.entries(report.kinds).map(([kind, k]) => h("tr", { key: kind }, [
            h("td", t(`kind.${kind}`)),
            h("td", formatNumber(k.titles)),
            h("td", formatNumber(k.votes)),
            h("td", formatNumber(k.kendall_tau, { maximumFractionDigits: 3 })),
            h("td", k.board_drift ? t("admin.audit.rebuilt") : t("admin.audit.in_step")),
          ]))),
        ]),
      ];
    }

    const render = { dashboard, imports: importsSection, moderation: moderationSection, users: usersSection, audit: auditSection, campaigns: campaignsSection, offers: offersSection };
    return () => h("div", { class: "page admin-page" }, [
      heading(t(`admin.section.${section}`)),
      Nav(section),
      error.value ? h(ErrorBox, { error: error.value, onRetry: () => snapshot() }) : null,
      render[section](),
    ]);
  },
};
