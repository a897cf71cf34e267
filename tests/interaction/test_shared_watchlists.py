"""Shared watchlists: friends are invited and accept, members edit like editors, each entry
says which members saw it and "unseen by all" is what to watch together; the invitee's
inbox gets the invitation (stored and live, one id), and a block parts the two."""

from __future__ import annotations

import asyncio

import pytest

from metacult.interaction import events
from tests.accounts import block, sign_up
from tests.helpers import eventually
from tests.interaction.test_lists import entry_ids, make_list, put_entry
from tests.outbox import emitted, receivers
from tests.realtime.live import Live
from tests.titles import new_title, new_titles


async def _friends(client, a, b) -> None:
    for one, other in ((a, b), (b, a)):
        followed = await client.put(f"/api/v1/users/{other.id}/follow", headers=one.headers)
        assert followed.status in {200, 204}, await followed.text()


async def _shared(client, owner, **body) -> dict:
    return await make_list(
        client, owner, **{"name": "Movie night", "visibility": "private", "shared": True} | body
    )


async def _invite(client, inviter, list_id, invitee_id):
    return await client.put(
        f"/api/v1/lists/{list_id}/invites/{invitee_id}", headers=inviter.headers
    )


async def _code(response) -> str:
    return (await response.json())["error"]["code"]


async def _join(client, owner, list_id, *members) -> None:
    """Each of ``members`` is the owner's friend, invited and accepting."""
    for member in members:
        await _friends(client, owner, member)
        assert (await _invite(client, owner, list_id, member.id)).status == 200
        accepted = await client.post(
            f"/api/v1/lists/{list_id}/invites/accept", headers=member.headers
        )
        assert accepted.status == 200, await accepted.text()


async def _shown(client, account, list_id) -> dict:
    response = await client.get(f"/api/v1/lists/{list_id}", headers=account.headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_only_friends_are_invited_never_across_a_block_and_once(client) -> None:
    owner, friend, fan, stranger, blocked, member = [await sign_up(client) for _ in range(6)]
    watchlist = await _shared(client, owner)
    await _friends(client, owner, friend)
    await _friends(client, owner, blocked)
    await client.put(f"/api/v1/users/{owner.id}/follow", headers=fan.headers)  # one way
    await _join(client, owner, watchlist["id"], member)
    await client.put(f"/api/v1/users/{blocked.id}/block", headers=member.headers)
    assert watchlist["shared"] is True

    invited = await _invite(client, owner, watchlist["id"], friend.id)
    assert (await invited.json())["invited"] == [friend.id]
    again = await _invite(client, owner, watchlist["id"], friend.id)
    assert (await again.json())["invited"] == [friend.id]
    for who, status, code in (
        (fan, 403, "not_a_friend"),
        (stranger, 403, "not_a_friend"),
        # Blocked by a member: the owner's friend still never shares the list with them.
        (blocked, 404, "not_found"),
        (member, 409, "already_a_member"),
        (owner, 409, "already_a_member"),
    ):
        refused = await _invite(client, owner, watchlist["id"], who.id)
        assert refused.status == status, (who, await refused.text())
        assert await _code(refused) == code
    assert (await _invite(client, owner, watchlist["id"], 999_999_999)).status == 404

    plain = await make_list(client, owner, name="Mine alone")
    not_shared = await _invite(client, owner, plain["id"], friend.id)
    assert (not_shared.status, await _code(not_shared)) == (409, "list_not_shared")
    appointed = await client.put(
        f"/api/v1/lists/{watchlist['id']}/editors/{friend.id}", headers=owner.headers
    )
    assert (appointed.status, await _code(appointed)) == (409, "shared_list_invite_only")
    # Someone outside a private watchlist cannot even tell it is there.
    outside = await _invite(client, stranger, watchlist["id"], fan.id)
    assert (outside.status, await _code(outside)) == (404, "list_not_found")
    public = await _shared(client, owner, visibility="public")
    reader = await _invite(client, stranger, public["id"], fan.id)
    assert (reader.status, await _code(reader)) == (403, "not_a_list_editor")
    anonymous = await client.put(f"/api/v1/lists/{watchlist['id']}/invites/{friend.id}")
    assert anonymous.status == 401


async def test_inviting_emits_shared_list_invited_and_members_changed_once(client, db) -> None:
    owner, friend = await sign_up(client), await sign_up(client)
    await _friends(client, owner, friend)
    watchlist = await _shared(client, owner)

    for _ in range(2):
        assert (await _invite(client, owner, watchlist["id"], friend.id)).status == 200

    assert await emitted(db, events.SHARED_LIST_INVITED, list_id=watchlist["id"]) == [
        {"list_id": watchlist["id"], "user_id": owner.id, "invitee_id": friend.id}
    ]
    assert receivers(events.SHARED_LIST_INVITED) == {"tell_shared_list_invite"}
    changed = await emitted(db, events.LIST_CHANGED, list_id=watchlist["id"])
    assert [payload["change"] for payload in changed] == ["created", "members_changed"]


async def test_a_member_invites_their_own_friends(client) -> None:
    owner, member, their_friend = [await sign_up(client) for _ in range(3)]
    watchlist = await _shared(client, owner)
    await _join(client, owner, watchlist["id"], member)
    await _friends(client, member, their_friend)

    assert (await _invite(client, member, watchlist["id"], their_friend.id)).status == 200
    # The owner is not their friend: the owner may not invite them, but the invitation stands.
    refused = await _invite(client, owner, watchlist["id"], their_friend.id)
    assert (refused.status, await _code(refused)) == (403, "not_a_friend")
    assert (await _shown(client, owner, watchlist["id"]))["invited"] == [their_friend.id]


async def test_invitees_accept_or_decline_members_leave_or_are_removed(client) -> None:
    owner, accepting, declining, withdrawn, other = [await sign_up(client) for _ in range(5)]
    watchlist = await _shared(client, owner, name="Our backlog")
    base = f"/api/v1/lists/{watchlist['id']}"
    for friend in (accepting, declining, withdrawn):
        await _friends(client, owner, friend)
        assert (await _invite(client, owner, watchlist["id"], friend.id)).status == 200

    pending = await (await client.get("/api/v1/me/list-invites", headers=accepting.headers)).json()
    [invite] = pending["items"]
    assert invite["list"]["id"] == watchlist["id"]
    assert invite["list"]["name"] == "Our backlog"
    assert (invite["invited_by"], invite["inviter"]["display_name"]) == (
        owner.id,
        owner.display_name,
    )
    # Invited is not a member yet: a private watchlist stays hidden until one accepts.
    assert (await client.get(base, headers=accepting.headers)).status == 404

    joined = await client.post(f"{base}/invites/accept", headers=accepting.headers)
    assert joined.status == 200, await joined.text()
    shown = await joined.json()
    assert (shown["members"], shown["can_edit"]) == ([owner.id, accepting.id], True)
    assert shown["invited"] == [declining.id, withdrawn.id]
    names = {person["id"]: person["display_name"] for person in shown["people"]}
    assert names == {who.id: who.display_name for who in (owner, accepting, declining, withdrawn)}
    declined = await client.post(f"{base}/invites/decline", headers=declining.headers)
    assert declined.status == 204
    withdrew = await client.delete(f"{base}/invites/{withdrawn.id}", headers=owner.headers)
    assert withdrew.status == 204
    for who, verb in ((declining, "accept"), (withdrawn, "accept"), (other, "decline")):
        late = await client.post(f"{base}/invites/{verb}", headers=who.headers)
        assert (late.status, await _code(late)) == (404, "not_invited")
    gone = await client.delete(f"{base}/invites/{withdrawn.id}", headers=owner.headers)
    assert (gone.status, await _code(gone)) == (404, "not_invited")
    for who in (accepting, declining, withdrawn):
        left = await (await client.get("/api/v1/me/list-invites", headers=who.headers)).json()
        assert left["items"] == []
    mine = await (
        await client.get("/api/v1/me/lists?shared=true", headers=accepting.headers)
    ).json()
    assert [item["id"] for item in mine["items"]] == [watchlist["id"]]
    assert (await _shown(client, owner, watchlist["id"]))["invited"] == []

    owner_leaves = await client.delete(f"{base}/members/{owner.id}", headers=owner.headers)
    assert (owner_leaves.status, await _code(owner_leaves)) == (403, "owner_cannot_leave")
    stranger = await client.delete(f"{base}/members/{other.id}", headers=owner.headers)
    assert (stranger.status, await _code(stranger)) == (404, "not_a_member")
    left = await client.delete(f"{base}/members/{accepting.id}", headers=accepting.headers)
    assert left.status == 204
    assert (await client.get(base, headers=accepting.headers)).status == 404

    await _join(client, owner, watchlist["id"], other, accepting)
    not_owner = await client.delete(f"{base}/members/{accepting.id}", headers=other.headers)
    assert (not_owner.status, await _code(not_owner)) == (403, "not_the_list_owner")
    removed = await client.delete(f"{base}/members/{accepting.id}", headers=owner.headers)
    assert removed.status == 204
    assert (await _shown(client, owner, watchlist["id"]))["members"] == [owner.id, other.id]

    plain = await make_list(client, owner, name="Plain")
    for path in (f"/members/{other.id}", f"/invites/{other.id}"):
        refused = await client.delete(f"/api/v1/lists/{plain['id']}{path}", headers=owner.headers)
        assert (refused.status, await _code(refused)) == (409, "list_not_shared")


async def test_a_list_turned_shared_takes_invitations_and_turned_plain_drops_them(client) -> None:
    owner, friend = await sign_up(client), await sign_up(client)
    await _friends(client, owner, friend)
    made = await make_list(client, owner, name="Soon ours")
    turned = await client.patch(
        f"/api/v1/lists/{made['id']}", json={"shared": True}, headers=owner.headers
    )
    assert (await turned.json())["shared"] is True
    assert (await _invite(client, owner, made["id"], friend.id)).status == 200
    plain = await client.patch(
        f"/api/v1/lists/{made['id']}", json={"shared": False}, headers=owner.headers
    )
    assert (await plain.json())["shared"] is False
    pending = await (await client.get("/api/v1/me/list-invites", headers=friend.headers)).json()
    assert pending["items"] == []


async def test_two_members_adding_at_once_lose_nothing_and_each_entry_says_who_added_it(
    client, db
) -> None:
    owner, member = await sign_up(client), await sign_up(client)
    watchlist = await _shared(client, owner)
    await _join(client, owner, watchlist["id"], member)
    mine = await new_titles(db, 10, kind="film")
    theirs = await new_titles(db, 10, kind="series")

    async def adds(account, titles):
        for media_id in titles:
            response = await put_entry(client, account, watchlist["id"], media_id, position=1)
            assert response.status == 200, await response.text()

    await asyncio.gather(adds(owner, mine), adds(member, theirs))

    ids = await entry_ids(client, watchlist["id"], owner)
    assert sorted(ids) == sorted(mine + theirs)
    response = await client.get(
        f"/api/v1/lists/{watchlist['id']}/entries?limit=100", headers=member.headers
    )
    added_by = {item["media"]["id"]: item["added_by"] for item in (await response.json())["items"]}
    assert added_by == {**dict.fromkeys(mine, owner.id), **dict.fromkeys(theirs, member.id)}
    removed = await client.delete(
        f"/api/v1/lists/{watchlist['id']}/entries/{mine[0]}", headers=member.headers
    )
    assert removed.status == 204
    assert mine[0] not in await entry_ids(client, watchlist["id"], owner)


async def test_unseen_by_all_is_what_no_member_has_seen(client, db) -> None:
    owner, member, reader = [await sign_up(client) for _ in range(3)]
    watchlist = await _shared(client, owner, visibility="public")
    await _join(client, owner, watchlist["id"], member)
    film, series, game, fresh = (
        await new_title(db, "film"),
        await new_title(db, "series"),
        await new_title(db, "game"),
        await new_title(db, "film"),
    )
    for media_id in (film, series, game, fresh):
        assert (await put_entry(client, owner, watchlist["id"], media_id)).status == 200
    base = f"/api/v1/lists/{watchlist['id']}"

    # Seen three ways: marked from the list, the library, the diary.
    marked = await client.put(f"{base}/entries/{film}/seen", headers=member.headers)
    assert marked.status == 204
    library = await client.get(
        f"/api/v1/users/{member.id}/library?status=watched", headers=member.headers
    )
    assert [item["media"]["id"] for item in (await library.json())["items"]] == [film]
    assert (await client.put(f"{base}/entries/{game}/seen", headers=owner.headers)).status == 204
    watched = {"status": "watched"}
    await client.put(f"/api/v1/media/{film}/status", json=watched, headers=owner.headers)
    logged = await client.post(f"/api/v1/media/{series}/logs", json={}, headers=member.headers)
    assert logged.status == 201, await logged.text()

    entries = await (await client.get(f"{base}/entries", headers=owner.headers)).json()
    seen_by = {item["media"]["id"]: item["seen_by"] for item in entries["items"]}
    assert seen_by == {
        film: sorted([owner.id, member.id]),
        series: [member.id],
        game: [owner.id],
        fresh: [],
    }
    together = await (
        await client.get(f"{base}/entries?unseen_by_all=true", headers=member.headers)
    ).json()
    assert [item["media"]["id"] for item in together["items"]] == [fresh]

    # A reader of the public watchlist sees its titles, not what its members saw.
    public = await (await client.get(f"{base}/entries", headers=reader.headers)).json()
    assert {item["seen_by"] for item in public["items"]} == {None}
    refused = await client.get(f"{base}/entries?unseen_by_all=true", headers=reader.headers)
    assert (refused.status, await _code(refused)) == (403, "not_a_list_editor")
    not_member = await client.put(f"{base}/entries/{fresh}/seen", headers=reader.headers)
    assert (not_member.status, await _code(not_member)) == (403, "not_a_list_editor")
    absent = await client.put(f"{base}/entries/{await new_title(db)}/seen", headers=owner.headers)
    assert absent.status == 404
    plain = await make_list(client, owner, name="Plain")
    not_shared = await client.get(
        f"/api/v1/lists/{plain['id']}/entries?unseen_by_all=true", headers=owner.headers
    )
    assert (not_shared.status, await _code(not_shared)) == (409, "list_not_shared")


async def test_a_private_shared_watchlist_is_hidden_from_non_members(client, db) -> None:
    owner, member, friend, stranger = [await sign_up(client) for _ in range(4)]
    watchlist = await _shared(client, owner)
    await _join(client, owner, watchlist["id"], member)
    await _friends(client, owner, friend)
    assert (await _invite(client, owner, watchlist["id"], friend.id)).status == 200
    media_id = await new_title(db)
    assert (await put_entry(client, member, watchlist["id"], media_id)).status == 200
    base = f"/api/v1/lists/{watchlist['id']}"

    for who in (friend, stranger, None):
        headers = who.headers if who else {}
        for path in ("", "/entries", "/entries?unseen_by_all=true"):
            hidden = await client.get(f"{base}{path}", headers=headers)
            assert (hidden.status, await _code(hidden)) == (404, "list_not_found"), (who, path)
    refused = await put_entry(client, stranger, watchlist["id"], media_id)
    assert refused.status == 404
    shown = await _shown(client, member, watchlist["id"])
    assert (shown["members"], shown["invited"]) == ([owner.id, member.id], [friend.id])


@pytest.mark.slow
async def test_the_invitee_gets_the_invitation_in_the_inbox_and_live_with_one_id(
    client, worker
) -> None:
    owner, friend = await sign_up(client), await sign_up(client)
    await _friends(client, owner, friend)
    watchlist = await _shared(client, owner, name="Friday films")
    live = await Live.open(client, headers=friend.headers)
    assert (await live.subscribe(f"user:{friend.id}"))["type"] == "subscribed"

    assert (await _invite(client, owner, watchlist["id"], friend.id)).status == 200

    async def stored():
        inbox = await (await client.get("/api/v1/me/notifications", headers=friend.headers)).json()
        return [n for n in inbox["items"] if n["kind"] == "interaction.shared_list_invite"]

    [notification] = await eventually(stored)
    assert notification["data"] == {
        "list_id": watchlist["id"],
        "name": "Friday films",
        "from_user_id": owner.id,
        "display_name": owner.display_name,
    }
    while True:
        frame = await live.expect("publication", channel=f"user:{friend.id}")
        if frame["data"]["type"] == "interaction.shared_list_invite":
            break
    assert frame["data"]["notification_id"] == notification["id"]
    await live.close()


@pytest.mark.slow
async def test_membership_changes_are_published_with_a_recheck(client, worker) -> None:
    owner, friend = await sign_up(client), await sign_up(client)
    watchlist = await _shared(client, owner)
    channel = f"list:{watchlist['id']}"
    live = await Live.open(client, headers=owner.headers)
    assert (await live.subscribe(channel))["type"] == "subscribed"

    await _join(client, owner, watchlist["id"], friend)

    changes = []
    while len(changes) < 2:
        [frame] = await live.publications(1, channel)
        if frame["data"]["change"] == "members_changed":
            changes.append(frame)
    assert [frame["data"]["user_id"] for frame in changes] == [owner.id, friend.id]
    assert all(frame["recheck"] for frame in changes)
    await live.close()


@pytest.mark.slow
@pytest.mark.parametrize("who_blocks", ["owner", "member"])
async def test_a_block_between_owner_and_member_ends_the_membership(
    client, worker, who_blocks
) -> None:
    owner, member, invited = [await sign_up(client) for _ in range(3)]
    watchlist = await _shared(client, owner)
    await _join(client, owner, watchlist["id"], member)
    other = await _shared(client, owner, name="Pending one")
    await _friends(client, owner, invited)
    assert (await _invite(client, owner, other["id"], invited.id)).status == 200
    live = await Live.open(client, headers=member.headers)
    assert (await live.subscribe(f"list:{watchlist['id']}"))["type"] == "subscribed"

    if who_blocks == "owner":
        await block(client, owner, member)
        await block(client, owner, invited)
    else:
        await block(client, member, owner)
        await block(client, invited, owner)

    async def parted():
        shown = await _shown(client, owner, watchlist["id"])
        pending = await _shown(client, owner, other["id"])
        return shown["members"] == [owner.id] and pending["invited"] == []

    assert await eventually(parted)
    gone = await live.expect("unsubscribed", channel=f"list:{watchlist['id']}")
    assert gone["reason"] == "forbidden"
    hidden = await client.get(f"/api/v1/lists/{watchlist['id']}", headers=member.headers)
    assert hidden.status == 404
    await live.close()


@pytest.mark.slow
async def test_a_block_between_two_members_ends_the_blocked_ones_membership(client, worker) -> None:
    owner, blocker, blocked, bystander = [await sign_up(client) for _ in range(4)]
    watchlist = await _shared(client, owner)
    await _join(client, owner, watchlist["id"], blocker, blocked, bystander)

    await block(client, blocker, blocked)

    async def parted():
        return (await _shown(client, owner, watchlist["id"]))["members"]

    async def without_blocked():
        members = await parted()
        return members if blocked.id not in members else None

    assert await eventually(without_blocked) == [owner.id, blocker.id, bystander.id]
