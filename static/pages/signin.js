// Sign in with an email and a password, or with Google / Discord when the server has them.
import { h, ref, reactive, onMounted } from "../lib/vue.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { RouterLink, navigate, route } from "../lib/router.js";
import { signIn } from "../lib/session.js";
import { heading, pageTitle } from "../lib/page.js";
import { Field } from "../components/field.js";

// Only paths of the app itself are followed after sign-in (no open redirect).
export function nextPath(fallback = "/") {
  const next = route.query.next;
  return next && next.startsWith("/") && !next.startsWith("//") ? next : fallback;
}

export const ProviderButtons = {
  name: "ProviderButtons",
  setup() {
    const providers = ref([]);
    onMounted(async () => {
      providers.value = (await api.get("/api/v1/auth/providers").catch(() => ({ providers: [] }))).providers;
    });
    return () => providers.value.length
      ? h("div", { class: "providers" }, providers.value.map((name) =>
          h("a", {
            class: ["button", "secondary", `provider-${name}`],
            href: `/api/v1/auth/oauth/${name}/login?next=${encodeURIComponent(nextPath())}`,
          }, t(`auth.with_${name}`))))
      : null;
  },
};

export default {
  name: "SignInPage",
  setup() {
    pageTitle("auth.sign_in");
    const form = reactive({ email: "", password: "" });
    const errors = ref({});
    const message = ref("");
    const busy = ref(false);
    async function submit(event) {
      event.preventDefault();
      busy.value = true;
      errors.value = {};
      message.value = "";
      try {
        await signIn(form.email.trim(), form.password);
        navigate(nextPath());
      } catch (error) {
        errors.value = error.fields || {};
        message.value = error.message;
      } finally {
        busy.value = false;
      }
    }
    return () => h("section", { class: "page narrow" }, [
      heading(t("auth.sign_in")),
      h("form", { class: "form", onSubmit: submit, novalidate: true }, [
        h(Field, { label: t("auth.email"), type: "email", autocomplete: "email", name: "email", modelValue: form.email, error: errors.value.email, "onUpdate:modelValue": (v) => { form.email = v; } }),
        h(Field, { label: t("auth.password"), type: "password", autocomplete: "current-password", name: "password", modelValue: form.password, error: errors.value.password, "onUpdate:modelValue": (v) => { form.password = v; } }),
        message.value ? h("p", { class: "form-error", role: "alert" }, message.value) : null,
        h("button", { type: "submit", class: "button", disabled: busy.value }, t("auth.sign_in")),
      ]),
      h(ProviderButtons),
      h("p", [t("auth.no_account"), " ", h(RouterLink, { to: "/signup" }, () => t("auth.sign_up"))]),
    ]);
  },
};
