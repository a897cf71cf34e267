// Messages in English and French, one table per language; dates and numbers through Intl.
import { ref } from "./vue.js";
import en from "../i18n/en.js";
import fr from "../i18n/fr.js";

export const TABLES = { en, fr };
export const LANGUAGES = Object.keys(TABLES);

function initialLanguage() {
  const saved = localStorage.getItem("metacult.language");
  if (saved && TABLES[saved]) return saved;
  const preferred = (navigator.languages || [navigator.language || "en"]).map((l) => l.slice(0, 2));
  return preferred.find((l) => TABLES[l]) || "en";
}

export const language = ref(initialLanguage());
document.documentElement.lang = language.value;

export function setLanguage(code) {
  if (!TABLES[code]) return;
  language.value = code;
  localStorage.setItem("metacult.language", code);
  document.documentElement.lang = code;
}

// t("title.watching", {count: 3}) looks up "title.watching.one" / ".other" when a count is
// given, then "title.watching"; {name} placeholders are filled from params.
export function t(key, params = {}) {
  const table = TABLES[language.value];
  let text;
  if (typeof params.count === "number") {
    const form = new Intl.PluralRules(language.value).select(params.count);
    text = table[`${key}.${form}`] ?? table[`${key}.other`];
  }
  text = text ?? table[key] ?? en[key];
  if (text === undefined) {
    console.warn(`missing message ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) =>
    name in params ? (typeof params[name] === "number" ? formatNumber(params[name]) : params[name]) : `{${name}}`,
  );
}

export function has(key) {
  return key in TABLES[language.value] || key in en;
}

export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(language.value, options).format(value);
}

export function formatDate(value, options = { dateStyle: "medium" }) {
  return new Intl.DateTimeFormat(language.value, options).format(new Date(value));
}

export function formatRelative(value) {
  const seconds = (new Date(value).getTime() - Date.now()) / 1000;
  const units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60]];
  const format = new Intl.RelativeTimeFormat(language.value, { numeric: "auto" });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(Math.round(seconds), "second");
}
