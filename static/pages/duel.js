// The duel arena: two covers, click or ← / → to vote, ↓ "haven't seen either"; the next
// pair comes in the vote's reply, so it shows at once. The vote goes over the live
// connection (action duel.vote) when it is up, else through REST.
import { h, ref, onMounted, onBeforeUnmount } from "../lib/vue.js";
import { api, idempotencyKey, humanMessage } from "../lib/api.js";
import { live } from "../lib/live.js";
import { t } from "../lib/i18n.js";
import { route, replaceQuery } from "../lib/router.js";
import { heading, pageTitle } from "../lib/page.js";
import { Cover } from "../components/cover.js";
import { ErrorBox } from "../components/error-box.js";

const KINDS = ["game", "film", "series"];

export default {
  name: "DuelPage",
  setup() {
    pageTitle("duel.title");
    const kind = ref(KINDS.includes(route.query.kind) ? route.query.kind : "game");
    const duel = ref(null);
    const none = ref(false);
    const error = ref(null);
    const tally = ref(0);
    const voting = ref(false);

    async function next() {
      error.value = null;
      none.value = false;
      try {
        duel.value = await api.get("/api/v1/duels/next", { query: { kind: kind.value } });
      } catch (failure) {
        duel.value = null;
        if (failure.code === "no_duels_left") none.value = true;
        else error.value = failure;
      }
    }

    async function cast(choice) {
      if (!duel.value || voting.value) return;
      voting.value = true;
      const body = { duel_id: duel.value.id, ...choice };
      try {
        let reply;
        try {
          reply = await live.action("duel.vote", body);
        } catch (failure) {
          if (failure.code !== "disconnected") throw Object.assign(failure, { message: humanMessage(400, failure.code, failure.message) });
          reply = await api.post(`/api/v1/duels/${body.duel_id}/vote`, choice, { headers: idempotencyKey() });
        }
        tally.value += 1;
        if (reply.next) duel.value = reply.next;
        else await next();
      } catch (failure) {
        if (failure.code === "duel_expired" || failure.code === "already_voted") await next();
        else error.value = failure;
      } finally {
        voting.value = false;
      }
    }

    function onKey(event) {
      if (event.target.closest?.("input, textarea, select") || event.altKey || event.ctrlKey || event.metaKey) return;
      if (!duel.value) return;
      const keys = {
        ArrowLeft: () => cast({ winner: duel.value.a.id }),
        ArrowRight: () => cast({ winner: duel.value.b.id }),
        ArrowDown: () => cast({ skip: "both" }),
      };
      if (keys[event.key]) {
        event.preventDefault();
        keys[event.key]();
      }
    }

    function switchKind(next_kind) {
      kind.value = next_kind;
      replaceQuery({ kind: next_kind });
      next();
    }

    onMounted(() => {
      window.addEventListener("keydown", onKey);
      next();
    });
    onBeforeUnmount(() => window.removeEventListener("keydown", onKey));

    const contender = (media, side) => h("div", { class: "contender" }, [
      h("button", { type: "button", class: "contender-vote", "data-side": side, "aria-label": t("duel.vote_for", { title: media.title }), "aria-keyshortcuts": side === "a" ? "ArrowLeft" : "ArrowRight", disabled: voting.value, onClick: () => cast({ winner: media.id }) }, [
        h(Cover, { media, size: "duel" }),
        h("span", { class: "contender-title" }, `${media.title}${media.year ? ` (${media.year})` : ""}`),
      ]),
      h("button", { type: "button", class: "link small", disabled: voting.value, onClick: () => cast({ skip: side === "a" ? "unknown_a" : "unknown_b" }) }, t("duel.unknown", { title: media.title })),
    ]);

    return () => h("div", { class: "page" }, [
      heading(t("duel.title")),
      h("div", { class: "tabs", role: "group", "aria-label": t("duel.kinds") }, KINDS.map((k) =>
        h("button", { type: "button", class: "tab", "aria-pressed": String(kind.value === k), onClick: () => switchKind(k) }, t(`kind.${k}`)))),
      h("p", { class: "tally", "aria-live": "polite", "data-tally": tally.value }, t("duel.tally", { count: tally.value })),
      error.value ? h(ErrorBox, { error: error.value, onRetry: next }) : null,
      none.value ? h("p", { class: "panel" }, t("errors.no_duels_left")) : null,
      duel.value ? h("section", { class: "arena", "aria-label": t("duel.title"), "data-duel": duel.value.id }, [contender(duel.value.a, "a"), contender(duel.value.b, "b")]) : null,
      duel.value ? h("div", { class: "actions" }, [
        h("button", { type: "button", class: "button secondary", "aria-keyshortcuts": "ArrowDown", disabled: voting.value, onClick: () => cast({ skip: "both" }) }, t("duel.skip_both")),
      ]) : null,
      h("p", { class: "duel-keys" }, t("duel.keys")),
    ]);
  },
};
