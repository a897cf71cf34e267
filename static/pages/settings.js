// Settings: edit the profile, choose one's services (availability alerts), download my data (JSON), delete my account (confirmed).
import { h, ref, reactive, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { navigate, RouterLink } from "../lib/router.js";
import { me, adopt, forget, signOut } from "../lib/session.js";
import { toast } from "../lib/toasts.js";
import { heading, pageTitle } from "../lib/page.js";
import { Field } from "../components/field.js";

const SECTIONS = ["library", "diary", "lists", "reviews", "activity", "stats"];
const AUDIENCES = ["public", "followers", "private"];

export default {
  name: "SettingsPage",
  setup() {
    pageTitle("settings.title");
    const form = reactive({ display_name: me.value.display_name, bio: me.value.bio || "", avatar_url: me.value.avatar_url || "" });
    const errors = ref({});
    const busy = ref(false);
    const dialog = ref(null);
    const privacy = ref(null);
    const blocks = ref([]);
    const stores = ref([]);
    const services = ref([]);
    const alerts = ref(null);

    onMounted(async () => {
      stores.value = (await api.get("/api/v1/commerce/stores").catch(() => ({ items: [] }))).items;
      services.value = (await api.get("/api/v1/me/services").catch(() => ({ stores: [] }))).stores;
      alerts.value = await api.get("/api/v1/me/price-alerts").catch(() => null);
      privacy.value = await api.get("/api/v1/me/privacy").catch(() => null);
      blocks.value = (await api.get("/api/v1/me/blocks", { query: { limit: 100 } }).catch(() => ({ items: [] }))).items;
    });

    async function setAudience(section, audience) {
      try {
        privacy.value = await api.patch("/api/v1/me/privacy", { [section]: audience });
        toast(t("common.saved"));
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    async function toggleService(name, on) {
      const chosen = on ? [...services.value, name] : services.value.filter((s) => s !== name);
      try {
        services.value = (await api.put("/api/v1/me/services", { stores: chosen })).stores;
        toast(t("common.saved"));
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    async function toggleAlerts(on) {
      try {
        alerts.value = await api.put("/api/v1/me/price-alerts", { enabled: on });
        toast(t("common.saved"));
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    async function unblock(person) {
      try {
        await api.delete(`/api/v1/users/${person.id}/block`);
        blocks.value = blocks.value.filter((b) => b.id !== person.id);
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    async function save(event) {
      event.preventDefault();
      busy.value = true;
      errors.value = {};
      try {
        adopt(await api.patch("/api/v1/me", { display_name: form.display_name, bio: form.bio, avatar_url: form.avatar_url || null }));
        toast(t("common.saved"));
      } catch (failure) {
        errors.value = failure.fields || {};
        if (!Object.keys(errors.value).length) toast(failure.message, { tone: "warning" });
      } finally {
        busy.value = false;
      }
    }

    async function exportData(format = "json") {
      const query = format === "json" ? undefined : { format };
      const response = await api.get("/api/v1/me/export", { raw: true, query }).catch((failure) => toast(failure.message, { tone: "warning" }));
      if (!response) return;
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement("a");
      link.href = url;
      link.download = `metacult-${me.value.id}${format === "json" ? ".json" : `-${format}.zip`}`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    }

    async function deleteAccount() {
      try {
        await api.delete("/api/v1/me");
        dialog.value?.close();
        forget();
        toast(t("settings.deleted"));
        navigate("/");
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      }
    }

    const field = (name, extra) => h(Field, { ...extra, name, modelValue: form[name], error: errors.value[name], "onUpdate:modelValue": (v) => { form[name] = v; } });
    return () => h("div", { class: "page narrow" }, [
      heading(t("settings.title")),
      h("section", [
        h("h2", t("settings.profile")),
        h("form", { class: "form", onSubmit: save }, [
          field("display_name", { label: t("auth.display_name"), autocomplete: "nickname" }),
          field("bio", { label: t("settings.bio"), multiline: true }),
          field("avatar_url", { label: t("settings.avatar"), type: "url" }),
          h("button", { type: "submit", class: "button", disabled: busy.value }, t("common.save")),
        ]),
      ]),
      privacy.value ? h("section", { "aria-labelledby": "privacy-heading" }, [
        h("h2", { id: "privacy-heading" }, t("privacy.title")),
        h("p", { class: "muted" }, t("privacy.help")),
        h("div", { class: "form privacy" }, SECTIONS.map((section) => h("div", { class: "field privacy-row", key: section }, [
          h("label", { for: `privacy-${section}` }, t(`privacy.section.${section}`)),
          h("select", { id: `privacy-${section}`, value: privacy.value[section], onChange: (e) => setAudience(section, e.target.value) },
            AUDIENCES.map((a) => h("option", { value: a, selected: privacy.value[section] === a }, t(`privacy.audience.${a}`)))),
        ]))),
      ]) : null,
      h("section", { "aria-labelledby": "services-heading", class: "services" }, [
        h("h2", { id: "services-heading" }, t("services.title")),
        h("p", { class: "muted" }, t("services.help")),
        alerts.value ? h("label", { class: "check" }, [
          h("input", { type: "checkbox", name: "alerts", checked: alerts.value.enabled, onChange: (e) => toggleAlerts(e.target.checked) }),
          " ", t("services.alerts"),
        ]) : null,
        stores.value.length
          ? h("ul", { class: "service-list" }, stores.value.map((name) => h("li", { key: name }, h("label", { class: "check" }, [
              h("input", { type: "checkbox", name: "service", value: name, checked: services.value.includes(name), onChange: (e) => toggleService(name, e.target.checked) }),
              " ", name,
            ]))))
          : h("p", { class: "muted" }, t("services.none")),
      ]),
      h("section", { "aria-labelledby": "blocks-heading" }, [
        h("h2", { id: "blocks-heading" }, t("privacy.blocked")),
        blocks.value.length
          ? h("ul", { class: "people" }, blocks.value.map((person) => h("li", { key: person.id, class: "act-row" }, [
              h(RouterLink, { to: `/users/${person.id}` }, () => person.display_name),
              h("button", { type: "button", class: "button secondary small", "aria-label": t("privacy.unblock_name", { name: person.display_name }), onClick: () => unblock(person) }, t("profile.unblock")),
            ])))
          : h("p", { class: "muted" }, t("privacy.none_blocked")),
      ]),
      h("section", [
        h("h2", t("auth.sign_out")),
        h("button", { type: "button", class: "button secondary", onClick: async () => { await signOut(); navigate("/"); } }, t("auth.sign_out")),
      ]),
      h("section", [
        h("h2", t("settings.export")),
        h("p", { class: "muted" }, t("settings.export_help")),
        h("button", { type: "button", class: "button secondary", onClick: () => exportData() }, t("settings.export_button")),
        h("button", { type: "button", class: "button secondary", onClick: () => exportData("letterboxd") }, t("settings.export_letterboxd")),
        h("button", { type: "button", class: "button secondary", onClick: () => exportData("csv") }, t("settings.export_csv")),
        h("p", h(RouterLink, { to: "/import", class: "link" }, () => t("import.link"))),
      ]),
      h("section", [
        h("h2", t("settings.delete")),
        h("p", { class: "muted" }, t("settings.delete_help")),
        h("button", { type: "button", class: "button danger", onClick: () => dialog.value?.showModal() }, t("settings.delete")),
        h("dialog", { ref: dialog, "aria-labelledby": "delete-title" }, [
          h("h2", { id: "delete-title" }, t("settings.delete_confirm")),
          h("div", { class: "actions" }, [
            h("button", { type: "button", class: "button danger", onClick: deleteAccount }, t("settings.delete_yes")),
            h("button", { type: "button", class: "button secondary", onClick: () => dialog.value?.close() }, t("common.cancel")),
          ]),
        ]),
      ]),
    ]);
  },
};
