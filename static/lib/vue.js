// Vue 3, runtime only (no template compiler, so no eval under the CSP): components
// render with h(). Every module imports Vue from here, never from the vendor path.
export * from "../vendor/vue/vue.runtime.esm-browser.prod.js";
