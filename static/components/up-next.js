// "Up next": for each series you are watching, the next aired episode you have not seen,
// ticked seen from here (the next one then takes its place).
import { h, ref, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t, formatDate } from "../lib/i18n.js";
import { RouterLink } from "../lib/router.js";
import { toast } from "../lib/toasts.js";

export const UpNext = {
  name: "UpNext",
  setup() {
    const items = ref([]);
    const busy = ref(false);
    async function load() {
      items.value = (await api.get("/api/v1/me/up-next", { quiet: true })).items;
    }
    async function seen(item) {
      busy.value = true;
      try {
        await api.put(`/api/v1/episodes/${item.episode.id}/watched`);
        await load();
      } catch (error) {
        toast(error.message, { tone: "error" });
      } finally {
        busy.value = false;
      }
    }
    onMounted(() => load().catch(() => { items.value = []; }));
    return () => items.value.length
      ? h("section", { class: "up-next", "aria-labelledby": "up-next-heading" }, [
        h("div", { class: "shelf-head" }, [
          h("h2", { id: "up-next-heading" }, t("upnext.title")),
          h(RouterLink, { to: "/calendar", class: "link" }, () => t("calendar.title")),
        ]),
        h("ul", { class: "up-next-list" }, items.value.map((item) => {
          const code = `S${String(item.episode.season_number).padStart(2, "0")}E${String(item.episode.number).padStart(2, "0")}`;
          return h("li", { class: "up-next-item" }, [
            h(RouterLink, { to: `/titles/${item.media.slug}`, class: "link" }, () => item.media.title),
            " ",
            h("span", { class: "episode-code" }, code),
            " ",
            h("span", item.episode.name),
            " ",
            h("span", { class: "muted small" }, t("upnext.progress", { seen: item.watched, count: item.aired })),
            " ",
            h("button", { type: "button", class: "button secondary small", disabled: busy.value, onClick: () => seen(item) }, t("upnext.mark_seen", { code })),
          ]);
        })),
      ])
      : null;
  },
};
