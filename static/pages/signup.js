// Create an account, sign in at once, then the first-visit onboarding.
import { h, ref, reactive } from "../lib/vue.js";
import { api, idempotencyKey } from "../lib/api.js";
import { t, language } from "../lib/i18n.js";
import { RouterLink, navigate } from "../lib/router.js";
import { signIn } from "../lib/session.js";
import { heading, pageTitle } from "../lib/page.js";
import { Field } from "../components/field.js";
import { ProviderButtons } from "./signin.js";

export default {
  name: "SignUpPage",
  setup() {
    pageTitle("auth.sign_up");
    const form = reactive({ display_name: "", email: "", password: "" });
    const errors = ref({});
    const message = ref("");
    const busy = ref(false);
    async function submit(event) {
      event.preventDefault();
      busy.value = true;
      errors.value = {};
      message.value = "";
      try {
        await api.post("/api/v1/auth/signup", { ...form, email: form.email.trim(), language: language.value }, { headers: idempotencyKey(), quiet: true });
        await signIn(form.email.trim(), form.password);
        navigate("/onboarding");
      } catch (error) {
        errors.value = error.code === "email_taken" ? { email: error.message } : error.fields || {};
        if (!Object.keys(errors.value).length) message.value = error.message;
      } finally {
        busy.value = false;
      }
    }
    const field = (name, extra) => h(Field, {
      ...extra, name, modelValue: form[name], error: errors.value[name], "onUpdate:modelValue": (v) => { form[name] = v; },
    });
    return () => h("section", { class: "page narrow" }, [
      heading(t("auth.sign_up")),
      h("form", { class: "form", onSubmit: submit, novalidate: true }, [
        field("display_name", { label: t("auth.display_name"), autocomplete: "nickname" }),
        field("email", { label: t("auth.email"), type: "email", autocomplete: "email" }),
        field("password", { label: t("auth.password_new"), type: "password", autocomplete: "new-password" }),
        message.value ? h("p", { class: "form-error", role: "alert" }, message.value) : null,
        h("button", { type: "submit", class: "button", disabled: busy.value }, t("auth.create_account")),
      ]),
      h(ProviderButtons),
      h("p", [t("auth.have_account"), " ", h(RouterLink, { to: "/signin" }, () => t("auth.sign_in"))]),
    ]);
  },
};
