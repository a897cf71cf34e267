// The release calendar: the coming episodes and releases of the titles in your library
// (watchlist and wishlist included), and a private iCal address to subscribe to it from
// a calendar app — copied, replaced (the old one stops working) or revoked. Only the
// address's hash is kept: after a reload the page says that one exists (and since when),
// and replacing it is how to see an address again.
import { h, ref, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t, formatDate } from "../lib/i18n.js";
import { RouterLink } from "../lib/router.js";
import { toast } from "../lib/toasts.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { ErrorBox } from "../components/error-box.js";

export default {
  name: "CalendarPage",
  setup() {
    pageTitle("calendar.title");
    const items = ref([]);
    const feed = ref(null);
    const existing = ref(null);
    const busy = ref(false);
    const { loading, error, load } = loader(async () => {
      const today = new Date();
      const to = new Date(today.getTime() + 90 * 86_400_000);
      const day = (d) => d.toISOString().slice(0, 10);
      const [calendar, token] = await Promise.all([
        api.get("/api/v1/me/calendar", { query: { from: day(today), to: day(to) } }),
        api.get("/api/v1/me/calendar/token"),
      ]);
      items.value = calendar.items;
      existing.value = token.active ? token.created_at : null;
    });
    onMounted(load);

    async function rotate() {
      busy.value = true;
      try {
        const made = await api.post("/api/v1/me/calendar/token");
        feed.value = made.url;
        existing.value = new Date().toISOString();
        toast(t("calendar.link_ready"), { tone: "success" });
      } finally {
        busy.value = false;
      }
    }
    async function revoke() {
      busy.value = true;
      try {
        await api.delete("/api/v1/me/calendar/token");
        feed.value = null;
        existing.value = null;
        toast(t("calendar.revoked"), { tone: "success" });
      } finally {
        busy.value = false;
      }
    }
    async function copy() {
      try {
        await navigator.clipboard.writeText(feed.value);
        toast(t("calendar.copied"), { tone: "success" });
      } catch {
        document.getElementById("ical-url")?.select();
      }
    }

    function item(entry) {
      const episode = entry.episode;
      const code = episode ? `S${String(episode.season_number).padStart(2, "0")}E${String(episode.number).padStart(2, "0")}` : null;
      return h("li", { class: "calendar-item" }, [
        h("time", { datetime: entry.date, class: "calendar-date" }, formatDate(entry.date)),
        " ",
        h(RouterLink, { to: `/titles/${entry.media.slug}`, class: "link" }, () => entry.media.title),
        " ",
        episode ? h("span", [h("span", { class: "episode-code" }, code), " ", episode.name]) : h("span", { class: "muted" }, t("calendar.release")),
      ]);
    }

    return () => h("div", { class: "page" }, [
      heading(t("calendar.title")),
      h("p", { class: "lead" }, t("calendar.lead")),
      error.value ? h(ErrorBox, { error: error.value, onRetry: load }) : null,
      loading.value ? h("p", { class: "muted" }, t("common.loading")) : null,
      !loading.value && !error.value && !items.value.length ? h("p", { class: "muted" }, t("calendar.empty")) : null,
      items.value.length ? h("ol", { class: "calendar" }, items.value.map(item)) : null,
      h("section", { class: "ical", "aria-labelledby": "ical-heading" }, [
        h("h2", { id: "ical-heading" }, t("calendar.ical")),
        h("p", { class: "muted" }, t("calendar.ical_lead")),
        feed.value
          ? h("div", { class: "field" }, [
            h("label", { for: "ical-url" }, t("calendar.ical_url")),
            h("input", { id: "ical-url", type: "text", readonly: true, value: feed.value }),
          ])
          : existing.value
            ? h("p", { class: "ical-existing" }, t("calendar.link_exists", { date: formatDate(existing.value) }))
            : null,
        h("div", { class: "actions" }, [
          feed.value ? h("button", { type: "button", class: "button", onClick: copy }, t("calendar.copy")) : null,
          h("button", { type: "button", class: feed.value ? "button secondary" : "button", disabled: busy.value, onClick: rotate }, existing.value ? t("calendar.rotate") : t("calendar.create")),
          existing.value ? h("button", { type: "button", class: "button secondary", disabled: busy.value, onClick: revoke }, t("calendar.revoke")) : null,
        ]),
      ]),
    ]);
  },
};
