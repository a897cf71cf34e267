// Light and dark themes: the system's choice until the person picks one.
import { ref } from "./vue.js";

const media = window.matchMedia("(prefers-color-scheme: light)");
export const theme = ref(localStorage.getItem("metacult.theme") || (media.matches ? "light" : "dark"));
document.documentElement.dataset.theme = theme.value;

export function toggleTheme() {
  theme.value = theme.value === "dark" ? "light" : "dark";
  localStorage.setItem("metacult.theme", theme.value);
  document.documentElement.dataset.theme = theme.value;
}
