// A series' episodes on its title page: one collapsible block per season, each episode
// ticked seen (or the whole season at once) and rated in half stars, with the community
// average per episode and per season. The library status follows on the server.
import { h, ref, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t, formatNumber, formatDate } from "../lib/i18n.js";
import { me } from "../lib/session.js";
import { toast } from "../lib/toasts.js";
import { Stars } from "./stars.js";

export const Episodes = {
  name: "Episodes",
  props: { mediaId: { type: Number, required: true } },
  emits: ["status"],
  setup(props, { emit }) {
    const data = ref(null);
    const busy = ref(false);
    const today = new Date().toISOString().slice(0, 10);

    async function load() {
      data.value = await api.get(`/api/v1/media/${props.mediaId}/episodes`, { quiet: true });
    }
    async function act(method, path, body) {
      busy.value = true;
      try {
        data.value = method === "put" ? await api.put(path, body) : await api.delete(path);
        emit("status", data.value.status);
      } catch (error) {
        toast(error.message, { tone: "error" });
      } finally {
        busy.value = false;
      }
    }
    onMounted(() => load().catch(() => { data.value = null; }));

    function average(value, count) {
      return value === null ? t("episodes.no_ratings") : t("episodes.average", { average: formatNumber(value), count: formatNumber(count) });
    }
    function episode(e) {
      const aired = e.air_date && e.air_date <= today;
      const code = `S${String(e.season_number).padStart(2, "0")}E${String(e.number).padStart(2, "0")}`;
      return h("li", { class: ["episode", e.watched ? "seen" : ""], "data-episode": e.id }, [
        h("label", { class: "episode-seen" }, [
          h("input", {
            type: "checkbox",
            checked: e.watched,
            disabled: busy.value || !me.value || !aired,
            "aria-label": t("episodes.seen_name", { code }),
            onChange: (event) => act(event.target.checked ? "put" : "delete", `/api/v1/episodes/${e.id}/watched`),
          }),
          h("span", { class: "episode-code" }, code),
          h("span", { class: "episode-name" }, e.name || t("episodes.unnamed")),
        ]),
        h("span", { class: "muted small" }, e.air_date ? formatDate(e.air_date) : t("episodes.no_date")),
        h("span", { class: "muted small episode-average" }, average(e.average, e.ratings)),
        me.value && aired
          ? h(Stars, {
            value: e.rating,
            disabled: busy.value,
            onRate: (rating) => act("put", `/api/v1/episodes/${e.id}/rating`, { rating }),
            onClear: () => act("delete", `/api/v1/episodes/${e.id}/rating`),
          })
          : null,
      ]);
    }
    function season(s) {
      const all = s.episodes.filter((e) => e.air_date && e.air_date <= today);
      const complete = all.length > 0 && all.every((e) => e.watched);
      return h("details", { class: "season", open: s.watched < all.length && s.number > 0 ? true : undefined }, [
        h("summary", [
          h("strong", s.name || t("episodes.season", { number: s.number })),
          " ",
          h("span", { class: "muted small" }, t("episodes.progress", { seen: s.watched, count: s.episodes.length })),
          " ",
          h("span", { class: "muted small" }, average(s.average, s.ratings)),
        ]),
        me.value && all.length
          ? h("button", {
            type: "button",
            class: "button secondary small",
            disabled: busy.value,
            onClick: () => act(complete ? "delete" : "put", `/api/v1/media/${props.mediaId}/seasons/${s.number}/watched`),
          }, complete ? t("episodes.unmark_season", { number: s.number }) : t("episodes.mark_season", { number: s.number }))
          : null,
        h("ol", { class: "episodes" }, s.episodes.map(episode)),
      ]);
    }
    return () => {
      if (!data.value || !data.value.seasons.length) return null;
      return h("section", { class: "episodes-section", "aria-labelledby": "episodes-heading" }, [
        h("h2", { id: "episodes-heading" }, t("episodes.title")),
        me.value ? h("p", { class: "muted" }, t("episodes.overall", { seen: data.value.watched, count: data.value.aired })) : null,
        ...data.value.seasons.map(season),
      ]);
    };
  },
};
