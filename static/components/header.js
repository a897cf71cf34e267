// The header: the app's name, the main pages, the live state, language and theme, the account.
import { h, ref, onMounted, onBeforeUnmount } from "../lib/vue.js";
import { RouterLink, navigate } from "../lib/router.js";
import { t, language, LANGUAGES, setLanguage } from "../lib/i18n.js";
import { theme, toggleTheme } from "../lib/theme.js";
import { me, signOut } from "../lib/session.js";
import { LiveDot } from "./live-dot.js";
import { XpMeter } from "./xp-meter.js";
import { progress } from "../lib/progress.js";
import { unread } from "../lib/inbox.js";

export const AppHeader = {
  name: "AppHeader",
  setup() {
    const link = (to, key) => h("li", h(RouterLink, { to, class: "nav-link" }, () => t(key)));
    // The less used pages (and the admin's) sit in a "More" menu, so that the header stays on
    // one line on a laptop; on a phone the menu's links are inline in the scrolling nav.
    const moreOpen = ref(false);
    const close = () => { moreOpen.value = false; };
    const outside = (event) => { if (!event.target.closest?.(".nav-more")) close(); };
    const escape = (event) => { if (event.key === "Escape" && moreOpen.value) close(); };
    onMounted(() => { document.addEventListener("click", outside); document.addEventListener("keydown", escape); });
    onBeforeUnmount(() => { document.removeEventListener("click", outside); document.removeEventListener("keydown", escape); });
    const moreLink = (to, key) => h("li", h(RouterLink, { to, class: "nav-link", onClick: close }, () => t(key)));
    return () =>
      h("header", { class: "app-header" }, [
        h(RouterLink, { to: "/", class: "brand" }, () => "Metacult"),
        h("nav", { "aria-label": t("nav.main") }, h("ul", { class: "nav" }, [
          link("/browse", "nav.browse"),
          link("/duel", "nav.duel"),
          link("/badges", "nav.badges"),
          me.value ? link("/league", "nav.league") : null,
          me.value ? link("/calendar", "nav.calendar") : null,
          h("li", { class: "nav-more" }, [
            h("button", {
              type: "button",
              class: "nav-link nav-more-button",
              "aria-expanded": moreOpen.value ? "true" : "false",
              "aria-controls": "nav-more-menu",
              onClick: () => { moreOpen.value = !moreOpen.value; },
            }, [t("nav.more"), h("span", { class: "nav-more-caret", "aria-hidden": "true" }, "▾")]),
            h("ul", { id: "nav-more-menu", class: ["nav-more-menu", moreOpen.value ? "open" : ""] }, [
              moreLink("/leaderboards", "nav.leaderboards"),
              moreLink("/trending", "nav.trending"),
              moreLink("/people", "nav.people"),
              me.value ? moreLink("/watchlists", "nav.watchlists") : null,
              me.value?.role === "admin" ? moreLink("/admin", "nav.admin") : null,
            ]),
          ]),
        ])),
        h("div", { class: "header-tools" }, [
          me.value && progress.value ? h(RouterLink, { to: `/users/${me.value.id}`, class: "xp-link", title: t("xp.your_progress") }, () => h(XpMeter, { progress: progress.value, compact: true })) : null,
          me.value ? h(RouterLink, {
            to: "/inbox",
            class: "bell",
            "aria-label": unread.value ? t("inbox.bell_unread", { count: unread.value }) : t("inbox.bell"),
            "data-unread": unread.value ?? 0,
          }, () => [h("svg", { class: "bell-icon", viewBox: "0 0 24 24", width: 20, height: 20, "aria-hidden": "true", focusable: "false" }, [
            h("path", { d: "M12 3a6 6 0 0 0-6 6v3.6L4.3 15.5A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6Z", fill: "none", stroke: "currentColor", "stroke-width": 2, "stroke-linejoin": "round" }),
            h("path", { d: "M9.5 19.5a2.5 2.5 0 0 0 5 0", fill: "none", stroke: "currentColor", "stroke-width": 2, "stroke-linecap": "round" }),
          ]), unread.value ? h("span", { class: "bell-count num", "aria-hidden": "true" }, unread.value > 99 ? "99+" : String(unread.value)) : null]) : null,
          h(LiveDot),
          h("select", {
            class: "language",
            "aria-label": t("header.language"),
            value: language.value,
            onChange: (event) => setLanguage(event.target.value),
          }, LANGUAGES.map((code) => h("option", { value: code, selected: code === language.value }, code.toUpperCase()))),
          h("button", {
            type: "button",
            class: "icon-button",
            "aria-label": theme.value === "dark" ? t("header.theme_light") : t("header.theme_dark"),
            onClick: toggleTheme,
          }, theme.value === "dark" ? "☀" : "☾"),
          me.value
            ? h("div", { class: "account" }, [
                h(RouterLink, { to: `/users/${me.value.id}`, class: "nav-link", title: t("header.profile_of", { name: me.value.display_name }) }, () => me.value.display_name),
                h(RouterLink, { to: "/settings", class: "nav-link wide-only" }, () => t("nav.settings")),
                h("button", { type: "button", class: "link wide-only", onClick: async () => { await signOut(); navigate("/"); } }, t("auth.sign_out")),
              ])
            : h(RouterLink, { to: "/signin", class: "button small" }, () => t("auth.sign_in")),
        ]),
      ]);
  },
};
