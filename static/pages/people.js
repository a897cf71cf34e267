// Find people by name (forgiving a typo), then open their profile.
import { h, ref, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { route, replaceQuery, RouterLink } from "../lib/router.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { ErrorBox } from "../components/error-box.js";
import { LoadMore } from "../components/infinite-list.js";

export default {
  name: "PeoplePage",
  setup() {
    pageTitle("people.title");
    const query = ref(route.query.q || "");
    const items = ref([]);
    const cursor = ref(null);
    const searched = ref("");
    const { loading, error, load } = loader(async ({ more = false } = {}) => {
      const q = query.value.trim();
      if (!q) {
        items.value = [];
        cursor.value = null;
        searched.value = "";
        return;
      }
      const page = await api.get("/api/v1/users", { query: { q, limit: 20, cursor: more ? cursor.value : undefined } });
      items.value = more ? [...items.value, ...page.items] : page.items;
      cursor.value = page.next_cursor;
      searched.value = q;
    });
    onMounted(() => load());

    function submit(event) {
      event.preventDefault();
      replaceQuery({ q: query.value.trim() || undefined });
      load();
    }

    return () => h("div", { class: "page narrow" }, [
      heading(t("people.title")),
      h("form", { class: "search-row", role: "search", onSubmit: submit }, [
        h("label", { for: "people-q", class: "sr-only" }, t("people.search_label")),
        h("input", { id: "people-q", type: "search", value: query.value, placeholder: t("people.placeholder"), maxlength: 200, onInput: (e) => { query.value = e.target.value; } }),
        h("button", { type: "submit", class: "button" }, t("people.search")),
      ]),
      error.value ? h(ErrorBox, { error: error.value, onRetry: () => load() }) : null,
      searched.value && !loading.value && !items.value.length ? h("p", { class: "muted" }, t("people.none", { q: searched.value })) : null,
      h("ul", { class: "people" }, items.value.map((person) => h("li", { key: person.id }, h(RouterLink, { to: `/users/${person.id}`, class: "person" }, () => [
        person.avatar_url ? h("img", { class: "avatar small", src: person.avatar_url, alt: "" }) : h("span", { class: "avatar small", "aria-hidden": "true" }, person.display_name.slice(0, 1).toUpperCase()),
        h("span", person.display_name),
      ])))),
      h(LoadMore, { hasMore: Boolean(cursor.value), loading: loading.value, onMore: () => load({ more: true }) }),
    ]);
  },
};
