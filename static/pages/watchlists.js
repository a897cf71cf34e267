// Shared watchlists, "what shall we watch together?": the invitations waiting for me
// (accept or decline), my shared watchlists, and the one open here with its members, a
// friend to invite, and its titles with who has seen each (or only those nobody has).
// Every change of a watchlist arrives on list:{id}; a new invitation on user:{id}.
import { h, ref, onMounted, onBeforeUnmount } from "../lib/vue.js";
import { api, idempotencyKey } from "../lib/api.js";
import { live } from "../lib/live.js";
import { t } from "../lib/i18n.js";
import { route, RouterLink, replaceQuery } from "../lib/router.js";
import { me } from "../lib/session.js";
import { toast } from "../lib/toasts.js";
import { onInbox } from "../lib/inbox.js";
import { heading, pageTitle, loader } from "../lib/page.js";
import { Cover } from "../components/cover.js";
import { ErrorBox } from "../components/error-box.js";

export default {
  name: "WatchlistsPage",
  setup() {
    pageTitle("watchlists.title");
    const invites = ref([]);
    const watchlists = ref([]);
    const open = ref(null); // the open watchlist, as GET /api/v1/lists/{id} shows it
    const entries = ref([]);
    const unseenOnly = ref(false);
    const friends = ref([]);
    const name = ref("");
    const chosenFriend = ref("");
    const busy = ref(false);
    const subscriptions = new Map(); // list id → live subscription

    const { loading, error, load } = loader(async () => {
      const [pending, mine] = await Promise.all([
        api.get("/api/v1/me/list-invites", { query: { limit: 100 } }),
        api.get("/api/v1/me/lists", { query: { shared: true, limit: 100 } }),
      ]);
      invites.value = pending.items;
      watchlists.value = mine.items;
      follow(mine.items);
      const wanted = Number(route.query.list) || null;
      const id = mine.items.some((l) => l.id === wanted) ? wanted : mine.items[0]?.id;
      await loadOpen(id);
    });

    async function loadOpen(id) {
      if (!id) {
        open.value = null;
        entries.value = [];
        return;
      }
      const [shown, page] = await Promise.all([
        api.get(`/api/v1/lists/${id}`),
        api.get(`/api/v1/lists/${id}/entries`, { query: { limit: 100, unseen_by_all: unseenOnly.value || undefined } }),
      ]);
      open.value = shown;
      entries.value = page.items;
    }

    // One subscription per watchlist of mine; a change of the open one refetches it, any
    // other refetches the page (a member may have left, a watchlist been renamed).
    function follow(lists) {
      const ids = new Set(lists.map((l) => l.id));
      for (const [id, sub] of subscriptions) {
        if (!ids.has(id)) {
          sub.close();
          subscriptions.delete(id);
        }
      }
      for (const id of ids) {
        if (subscriptions.has(id)) continue;
        const refresh = () => (open.value?.id === id ? loadOpen(id).catch(() => load()) : load());
        const sub = live.subscribe(`list:${id}`, { message: refresh, resync: refresh });
        subscriptions.set(id, sub);
        // What changed between the snapshot and the subscription is fetched once more.
        sub.ready?.then(refresh);
      }
    }

    const stopInbox = onInbox((data) => {
      if (data.type === "interaction.shared_list_invite") load();
    });
    onMounted(async () => {
      friends.value = (await api.get("/api/v1/me/friends").catch(() => ({ items: [] }))).items;
      await load();
    });
    onBeforeUnmount(() => {
      stopInbox();
      for (const sub of subscriptions.values()) sub.close();
    });

    async function act(run, done) {
      busy.value = true;
      try {
        await run();
        if (done) toast(done);
      } catch (failure) {
        toast(failure.message, { tone: "warning" });
      } finally {
        busy.value = false;
      }
    }

    function create(event) {
      event.preventDefault();
      act(async () => {
        const made = await api.post("/api/v1/lists", { name: name.value, visibility: "private", shared: true }, { headers: idempotencyKey() });
        name.value = "";
        replaceQuery({ list: made.id });
        await load();
      });
    }

    function answer(invite, verb) {
      act(async () => {
        await api.post(`/api/v1/lists/${invite.list.id}/invites/${verb}`);
        if (verb === "accept") replaceQuery({ list: invite.list.id });
        await load();
      }, t(verb === "accept" ? "watchlists.joined" : "watchlists.declined", { name: invite.list.name }));
    }

    function invite(event) {
      event.preventDefault();
      const friend = friends.value.find((f) => String(f.id) === chosenFriend.value);
      if (!friend) return;
      act(async () => {
        await api.put(`/api/v1/lists/${open.value.id}/invites/${friend.id}`);
        chosenFriend.value = "";
        await loadOpen(open.value.id);
      }, t("watchlists.invited", { name: friend.display_name }));
    }

    function withdraw(userId) {
      act(async () => {
        await api.delete(`/api/v1/lists/${open.value.id}/invites/${userId}`);
        await loadOpen(open.value.id);
      });
    }

    function removeMember(userId) {
      act(async () => {
        await api.delete(`/api/v1/lists/${open.value.id}/members/${userId}`);
        await load();
      });
    }

    function markSeen(entry) {
      act(async () => {
        await api.put(`/api/v1/lists/${open.value.id}/entries/${entry.media.id}/seen`);
        await loadOpen(open.value.id);
      });
    }

    function choose(id) {
      replaceQuery({ list: id });
      act(() => loadOpen(id));
    }

    function toggleUnseen() {
      unseenOnly.value = !unseenOnly.value;
      act(() => loadOpen(open.value.id));
    }

    const nameOf = (userId) => open.value?.people.find((p) => p.id === userId)?.display_name || t("watchlists.someone");

    function inviteRow(invite) {
      return h("li", { key: invite.list.id, class: "shelf-row invite-row", "data-invite": invite.list.id }, [
        h("div", [
          h("p", { class: "board-title" }, invite.list.name),
          h("p", { class: "muted" }, t("watchlists.invited_by", { name: invite.inviter.display_name })),
        ]),
        h("div", { class: "actions" }, [
          h("button", { type: "button", class: "button", disabled: busy.value, "aria-label": t("watchlists.accept_name", { name: invite.list.name }), onClick: () => answer(invite, "accept") }, t("watchlists.accept")),
          h("button", { type: "button", class: "button secondary", disabled: busy.value, "aria-label": t("watchlists.decline_name", { name: invite.list.name }), onClick: () => answer(invite, "decline") }, t("watchlists.decline")),
        ]),
      ]);
    }

    function members(l) {
      const mine = me.value?.id;
      return h("section", { class: "panel", "aria-labelledby": "watchlist-members" }, [
        h("h3", { id: "watchlist-members" }, t("watchlists.members")),
        h("ul", { class: "chips", "data-members": "" }, l.members.map((userId) => h("li", { key: userId, class: "chip-row", "data-member": userId }, [
          h(RouterLink, { to: `/users/${userId}`, class: "link" }, () => userId === l.owner_id ? t("watchlists.owner_name", { name: nameOf(userId) }) : nameOf(userId)),
          userId !== l.owner_id && (userId === mine || l.owner_id === mine)
            ? h("button", { type: "button", class: "link", disabled: busy.value, onClick: () => removeMember(userId) }, userId === mine ? t("watchlists.leave") : t("watchlists.remove_member", { name: nameOf(userId) }))
            : null,
        ]))),
        l.invited.length ? h("p", { class: "muted" }, t("watchlists.pending")) : null,
        l.invited.length ? h("ul", { class: "chips" }, l.invited.map((userId) => h("li", { key: userId, class: "chip-row", "data-invited": userId }, [
          h("span", nameOf(userId)),
          h("button", { type: "button", class: "link", disabled: busy.value, onClick: () => withdraw(userId) }, t("watchlists.withdraw_name", { name: nameOf(userId) })),
        ]))) : null,
        inviteForm(l),
      ]);
    }

    function inviteForm(l) {
      const candidates = friends.value.filter((f) => !l.members.includes(f.id) && !l.invited.includes(f.id));
      if (!candidates.length) return h("p", { class: "muted" }, t("watchlists.no_friends"));
      return h("form", { class: "stacked-form", onSubmit: invite }, [
        h("label", { for: "watchlist-friend" }, t("watchlists.invite_label")),
        h("div", { class: "search-row" }, [
          h("select", { id: "watchlist-friend", value: chosenFriend.value, onChange: (e) => { chosenFriend.value = e.target.value; } }, [
            h("option", { value: "", selected: !chosenFriend.value }, t("watchlists.choose_friend")),
            ...candidates.map((f) => h("option", { value: String(f.id), selected: chosenFriend.value === String(f.id) }, f.display_name)),
          ]),
          h("button", { type: "submit", class: "button secondary", disabled: busy.value || !chosenFriend.value }, t("watchlists.invite")),
        ]),
      ]);
    }

    function entryRow(entry) {
      const seenBy = entry.seen_by || [];
      const seenByMe = seenBy.includes(me.value?.id);
      return h("li", { key: entry.media.id, class: "shelf-row", "data-list-entry": entry.media.id }, [
        h("div", { class: "shelf-cover", "aria-hidden": "true" }, h(Cover, { media: entry.media })),
        h("div", [
          h(RouterLink, { to: `/titles/${entry.media.slug}`, class: "board-title" }, () => entry.media.title),
          h("p", { class: "muted" }, [t(`kind.${entry.media.kind}`), entry.media.year ? ` · ${entry.media.year}` : ""]),
          entry.added_by ? h("p", { class: "muted" }, t("watchlists.added_by", { name: nameOf(entry.added_by) })) : null,
          h("p", { "data-seen-by": seenBy.join(",") }, seenBy.length ? t("watchlists.seen_by", { names: seenBy.map(nameOf).join(", ") }) : t("watchlists.seen_by_nobody")),
        ]),
        seenByMe ? null : h("button", { type: "button", class: "button secondary", disabled: busy.value, "aria-label": t("watchlists.mark_seen_title", { title: entry.media.title }), onClick: () => markSeen(entry) }, t("watchlists.mark_seen")),
      ]);
    }

    function openWatchlist(l) {
      return h("section", { "aria-labelledby": "watchlist-open" }, [
        h("h2", { id: "watchlist-open" }, l.name),
        h("p", { class: "muted" }, [t(l.visibility === "private" ? "lists.private" : "lists.public"), " · ", h(RouterLink, { to: `/lists/${l.id}`, class: "link" }, () => t("watchlists.open_list"))]),
        members(l),
        h("div", { class: "chips", role: "group", "aria-label": t("watchlists.which_titles") }, [
          h("button", { type: "button", class: "chip", "aria-pressed": String(!unseenOnly.value), onClick: () => unseenOnly.value && toggleUnseen() }, t("watchlists.all_titles")),
          h("button", { type: "button", class: "chip", "aria-pressed": String(unseenOnly.value), onClick: () => !unseenOnly.value && toggleUnseen() }, t("watchlists.unseen_by_all")),
        ]),
        entries.value.length
          ? h("ol", { class: "shelf", "aria-label": l.name }, entries.value.map(entryRow))
          : h("p", { class: "muted" }, t(unseenOnly.value ? "watchlists.all_seen" : "watchlists.empty")),
      ]);
    }

    return () => {
      if (error.value && !watchlists.value.length && !invites.value.length) {
        return h("div", { class: "page narrow" }, [heading(t("watchlists.title")), h(ErrorBox, { error: error.value, onRetry: () => load() })]);
      }
      return h("div", { class: "page narrow" }, [
        heading(t("watchlists.title")),
        h("p", { class: "muted" }, t("watchlists.intro")),
        invites.value.length ? h("section", { "aria-labelledby": "watchlist-invites" }, [
          h("h2", { id: "watchlist-invites" }, t("watchlists.invites")),
          h("ul", { class: "shelf" }, invites.value.map(inviteRow)),
        ]) : null,
        h("form", { class: "stacked-form", onSubmit: create }, [
          h("label", { for: "watchlist-name" }, t("watchlists.new_name")),
          h("div", { class: "search-row" }, [
            h("input", { id: "watchlist-name", type: "text", maxlength: 200, required: true, value: name.value, onInput: (e) => { name.value = e.target.value; } }),
            h("button", { type: "submit", class: "button", disabled: busy.value || !name.value.trim() }, t("watchlists.create")),
          ]),
        ]),
        watchlists.value.length > 1 ? h("nav", { "aria-label": t("watchlists.mine") }, h("ul", { class: "chips" }, watchlists.value.map((l) => h("li", { key: l.id },
          h("button", { type: "button", class: "chip", "aria-pressed": String(open.value?.id === l.id), onClick: () => choose(l.id) }, l.name))))) : null,
        !loading.value && !watchlists.value.length ? h("p", { class: "muted" }, t("watchlists.none_yet")) : null,
        open.value ? openWatchlist(open.value) : null,
      ]);
    };
  },
};
