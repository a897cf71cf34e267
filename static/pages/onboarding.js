// The first visit: pick favourite genres and platforms (PATCH /api/v1/me), or skip.
import { h, ref, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { navigate } from "../lib/router.js";
import { me, adopt } from "../lib/session.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { ErrorBox } from "../components/error-box.js";

export function chips(options, selected, label) {
  return h("div", { class: "chips", role: "group", "aria-label": label }, options.map((option) =>
    h("button", {
      type: "button",
      class: "chip",
      "aria-pressed": String(selected.value.has(option.slug)),
      onClick: () => {
        const next = new Set(selected.value);
        if (next.has(option.slug)) next.delete(option.slug);
        else next.add(option.slug);
        selected.value = next;
      },
    }, option.name)));
}

export default {
  name: "OnboardingPage",
  setup() {
    pageTitle("onboarding.title");
    const genres = ref([]);
    const platforms = ref([]);
    const pickedGenres = ref(new Set(me.value?.favourite_genres || []));
    const pickedPlatforms = ref(new Set(me.value?.favourite_platforms || []));
    const saving = ref(false);
    const saveError = ref(null);
    const { error, load } = loader(async () => {
      const vocabulary = await api.get("/api/v1/genres");
      // One chip per genre slug, whatever kinds share it.
      const seen = new Map();
      for (const genre of vocabulary.genres) if (!seen.has(genre.slug)) seen.set(genre.slug, genre);
      genres.value = [...seen.values()];
      platforms.value = vocabulary.platforms;
    });
    onMounted(load);
    async function save() {
      saving.value = true;
      saveError.value = null;
      try {
        adopt(await api.patch("/api/v1/me", { favourite_genres: [...pickedGenres.value], favourite_platforms: [...pickedPlatforms.value] }));
        navigate("/browse");
      } catch (failure) {
        saveError.value = failure;
      } finally {
        saving.value = false;
      }
    }
    return () => h("section", { class: "page" }, [
      heading(t("onboarding.title")),
      h("p", { class: "lead" }, t("onboarding.lead")),
      error.value ? h(ErrorBox, { error: error.value, onRetry: load }) : null,
      h("h2", t("onboarding.genres")),
      chips(genres.value, pickedGenres, t("onboarding.genres")),
      h("h2", t("onboarding.platforms")),
      chips(platforms.value, pickedPlatforms, t("onboarding.platforms")),
      saveError.value ? h("p", { class: "form-error", role: "alert" }, saveError.value.message) : null,
      h("div", { class: "actions" }, [
        h("button", { type: "button", class: "button", disabled: saving.value, onClick: save }, t("onboarding.save")),
        h("button", { type: "button", class: "button secondary", onClick: () => navigate("/browse") }, t("onboarding.skip")),
      ]),
    ]);
  },
};
