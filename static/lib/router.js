// A small history-mode router: the server answers every app path with index.html
// (metacult/webapp.py APP_PAGES), this module picks the page from static/lib/routes.js.
import { h, shallowRef, reactive } from "./vue.js";
import { ROUTES } from "./routes.js";

export const route = reactive({ name: null, path: "/", params: {}, query: {}, page: null });
export const currentPage = shallowRef(null);
const compiled = ROUTES.map((entry) => ({
  ...entry,
  pattern: new RegExp(`^${entry.path.replace(/:(\w+)/g, "(?<$1>[^/]+)")}/?$`),
}));
const guards = [];
let latest = 0; // the navigation under way: an earlier one still loading must not win

export function beforeEach(guard) {
  guards.push(guard);
}

function match(path) {
  for (const entry of compiled) {
    const found = entry.pattern.exec(path);
    if (found) {
      const params = Object.fromEntries(
        Object.entries(found.groups || {}).map(([k, v]) => [k, decodeURIComponent(v)]),
      );
      return { entry, params };
    }
  }
  return { entry: compiled.find((e) => e.name === "not_found"), params: {} };
}

async function resolve(url) {
  const ticket = ++latest;
  const location = new URL(url, window.location.origin);
  const { entry, params } = match(location.pathname);
  const target = { name: entry.name, path: location.pathname, params, query: Object.fromEntries(location.searchParams), entry };
  for (const guard of guards) {
    const redirect = await guard(target);
    if (ticket !== latest) return;
    if (redirect) return navigate(redirect, { replace: true });
  }
  const module = await entry.load();
  if (ticket !== latest) return;
  Object.assign(route, { name: target.name, path: target.path, params, query: target.query });
  currentPage.value = module.default;
  window.scrollTo(0, 0);
  // Focus moves to the new page's heading, so keyboard and screen-reader users follow.
  requestAnimationFrame(() => document.querySelector("main h1")?.focus({ preventScroll: true }));
}

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  return resolve(url);
}

// Updates the query string of the current page (filters, tabs) without a new history entry.
export function replaceQuery(query) {
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "" && v != null));
  const url = `${route.path}${search.toString() ? `?${search}` : ""}`;
  history.replaceState(null, "", url);
  route.query = Object.fromEntries(search);
}

export function startRouter() {
  window.addEventListener("popstate", () => resolve(window.location.href));
  return resolve(window.location.href);
}

// <RouterLink to="/browse">: a real link (middle-click, copy) that navigates in place.
export const RouterLink = {
  name: "RouterLink",
  props: { to: { type: String, required: true } },
  setup(props, { slots, attrs }) {
    return () =>
      h("a", {
        ...attrs,
        href: props.to,
        "aria-current": route.path === props.to.split("?")[0] ? "page" : undefined,
        onClick(event) {
          if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
          event.preventDefault();
          navigate(props.to);
        },
      }, slots.default?.());
  },
};
