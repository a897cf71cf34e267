// What every page does: its document title, its heading (focused on arrival), its load state.
import { h, ref, watchEffect } from "./vue.js";
import { t } from "./i18n.js";

export function pageTitle(text) {
  watchEffect(() => {
    document.title = `${typeof text === "function" ? text() : t(text)} · Metacult`;
  });
}

export function heading(text, attrs = {}) {
  return h("h1", { tabindex: "-1", ...attrs }, text);
}

// Runs a loader, keeping {loading, error} for the page to show.
export function loader(run) {
  const loading = ref(true);
  const error = ref(null);
  async function load(...args) {
    loading.value = true;
    error.value = null;
    try {
      return await run(...args);
    } catch (failure) {
      error.value = failure;
      return null;
    } finally {
      loading.value = false;
    }
  }
  return { loading, error, load };
}
