// "Add to a list" on a title's page: pick one of the lists one owns or edits, or name a
// new one; the title goes at its end.
import { h, ref, onMounted } from "../lib/vue.js";
import { api, idempotencyKey } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { RouterLink } from "../lib/router.js";
import { toast } from "../lib/toasts.js";

export const AddToList = {
  name: "AddToList",
  props: { media: { type: Object, required: true } },
  setup(props) {
    const lists = ref([]);
    const chosen = ref("");
    const name = ref("");
    const busy = ref(false);
    const error = ref("");
    const added = ref(null);

    async function loadLists() {
      const page = await api.get("/api/v1/me/lists", { query: { limit: 100 } }).catch(() => ({ items: [] }));
      lists.value = page.items;
      if (!chosen.value && page.items.length) chosen.value = String(page.items[0].id);
    }
    onMounted(loadLists);

    async function add(listId) {
      const shown = await api.put(`/api/v1/lists/${listId}/entries/${props.media.id}`, {});
      added.value = shown;
      toast(t("lists.added", { name: shown.name }));
    }

    async function addToChosen(event) {
      event.preventDefault();
      if (!chosen.value) return;
      busy.value = true;
      error.value = "";
      try {
        await add(chosen.value);
      } catch (failure) {
        error.value = failure.message;
      } finally {
        busy.value = false;
      }
    }

    async function createAndAdd(event) {
      event.preventDefault();
      busy.value = true;
      error.value = "";
      try {
        const made = await api.post("/api/v1/lists", { name: name.value }, { headers: idempotencyKey() });
        await add(made.id);
        name.value = "";
        chosen.value = String(made.id);
        await loadLists();
      } catch (failure) {
        error.value = failure.fields?.name || failure.message;
      } finally {
        busy.value = false;
      }
    }

    return () => h("div", { class: "add-to-list" }, [
      h("h3", t("lists.add_to")),
      lists.value.length ? h("form", { class: "search-row", onSubmit: addToChosen }, [
        h("label", { for: "list-choice", class: "sr-only" }, t("lists.choose")),
        h("select", { id: "list-choice", value: chosen.value, onChange: (e) => { chosen.value = e.target.value; } },
          lists.value.map((l) => h("option", { value: String(l.id), selected: chosen.value === String(l.id) }, l.name))),
        h("button", { type: "submit", class: "button", disabled: busy.value }, t("lists.add")),
      ]) : null,
      h("form", { class: "search-row", onSubmit: createAndAdd }, [
        h("label", { for: "list-new", class: "sr-only" }, t("lists.new_name")),
        h("input", { id: "list-new", type: "text", value: name.value, maxlength: 200, placeholder: t("lists.new_name"), onInput: (e) => { name.value = e.target.value; } }),
        h("button", { type: "submit", class: "button secondary", disabled: busy.value || !name.value.trim() }, t("lists.create_and_add")),
      ]),
      error.value ? h("p", { class: "field-error", role: "alert" }, error.value) : null,
      added.value ? h("p", { role: "status" }, h(RouterLink, { to: `/lists/${added.value.id}`, class: "link" }, () => t("lists.open", { name: added.value.name }))) : null,
    ]);
  },
};
