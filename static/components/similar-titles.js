// "More like this" on a title's page: titles of the same kind, and of the other kinds.
import { h, ref, watch, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { MediaGrid } from "./media-card.js";

export const SimilarTitles = {
  name: "SimilarTitles",
  props: { mediaId: { type: Number, required: true } },
  setup(props) {
    const similar = ref(null);
    async function load() {
      try {
        similar.value = await api.get(`/api/v1/media/${props.mediaId}/similar`, { query: { limit: 12 }, quiet: true });
      } catch {
        similar.value = null;
      }
    }
    onMounted(load);
    watch(() => props.mediaId, load);
    return () => {
      const found = similar.value;
      if (!found || (!found.same_kind.length && !found.other_kinds.length)) return null;
      return h("section", { class: "similar", "aria-labelledby": "similar-heading" }, [
        h("h2", { id: "similar-heading" }, t("similar.title")),
        found.same_kind.length
          ? [h("h3", t("similar.same_kind")), h(MediaGrid, { items: found.same_kind.map((e) => e.media), label: t("similar.same_kind") })]
          : null,
        found.other_kinds.length
          ? [h("h3", t("similar.other_kinds")), h(MediaGrid, { items: found.other_kinds.map((e) => e.media), label: t("similar.other_kinds") })]
          : null,
      ]);
    };
  },
};
