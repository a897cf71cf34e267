"""The ``list:{id}`` channel: its audience is who may read the list, awaited alike on the
websocket, SSE and long-poll; an editor's change reaches the other readers live."""

from __future__ import annotations

import pytest

from tests.accounts import sign_up
from tests.interaction.test_lists import make_list, put_entry
from tests.realtime.live import Live
from tests.titles import new_title

WHO = ("anonymous", "follower", "stranger", "blocked", "owner", "editor")
PUBLIC = {"anonymous": True, "follower": True, "stranger": True, "blocked": False}
PRIVATE = {"anonymous": False, "follower": False, "stranger": False, "blocked": False}


async def _cast(client):
    owner, follower, stranger, blocked, editor = [await sign_up(client) for _ in range(5)]
    await client.put(f"/api/v1/users/{owner.id}/follow", headers=follower.headers)
    await client.put(f"/api/v1/users/{blocked.id}/block", headers=owner.headers)
    accounts = {
        "owner": owner,
        "follower": follower,
        "stranger": stranger,
        "blocked": blocked,
        "editor": editor,
    }
    return accounts


async def _admitted(client, headers, channel) -> dict[str, bool]:
    live = await Live.open(client, headers=headers)
    ws = (await live.subscribe(channel))["type"] == "subscribed"
    await live.ws.close()
    polled = await client.get("/api/v1/events", params={"channels": channel}, headers=headers)
    async with client.get(
        "/api/v1/stream", params={"channels": channel}, headers=headers
    ) as stream:
        sse = stream.status
    return {"websocket": ws, "long-poll": polled.status == 200, "sse": sse == 200}


@pytest.mark.parametrize("visibility", ["public", "private"])
async def test_a_lists_channel_admits_who_may_read_the_list_on_every_transport(
    client, visibility
) -> None:
    accounts = await _cast(client)
    owner = accounts["owner"]
    made = await make_list(client, owner, name="Watched together", visibility=visibility)
    invited = await client.put(
        f"/api/v1/lists/{made['id']}/editors/{accounts['editor'].id}", headers=owner.headers
    )
    assert invited.status == 200, await invited.text()
    channel = f"list:{made['id']}"
    expected = (PUBLIC if visibility == "public" else PRIVATE) | {"owner": True, "editor": True}
    for who in WHO:
        headers = accounts[who].headers if who in accounts else {}
        admitted = await _admitted(client, headers, channel)
        assert admitted == dict.fromkeys(admitted, expected[who]), (who, visibility, admitted)


async def test_no_list_no_channel(client) -> None:
    account = await sign_up(client)
    live = await Live.open(client, headers=account.headers)
    reply = await live.subscribe("list:999999999")
    assert reply["type"] != "subscribed"
    await live.close()
    polled = await client.get(
        "/api/v1/events", params={"channels": "list:abc"}, headers=account.headers
    )
    assert polled.status == 422
    assert (await polled.json())["error"]["code"] == "unknown_channel"


@pytest.mark.slow
async def test_an_editors_changes_reach_the_owner_and_a_reader_live(client, db, worker) -> None:
    owner, editor, reader = await sign_up(client), await sign_up(client), await sign_up(client)
    made = await make_list(client, owner, name="Shared")
    await client.put(f"/api/v1/lists/{made['id']}/editors/{editor.id}", headers=owner.headers)
    channel = f"list:{made['id']}"
    watching = {}
    for who, account in (("owner", owner), ("reader", reader)):
        watching[who] = await Live.open(client, headers=account.headers)
        assert (await watching[who].subscribe(channel))["type"] == "subscribed"
    media_id = await new_title(db)

    assert (await put_entry(client, editor, made["id"], media_id, note="Soon")).status == 200
    renamed = await client.patch(
        f"/api/v1/lists/{made['id']}", json={"name": "Ours"}, headers=owner.headers
    )
    assert renamed.status == 200
    removed = await client.delete(
        f"/api/v1/lists/{made['id']}/entries/{media_id}", headers=editor.headers
    )
    assert removed.status in {200, 204}

    for live in watching.values():
        # The list's creation and the invitation may be published after the subscription,
        # and the worker's threads publish independent changes in any order.
        frames = {}
        while len(frames) < 3:
            [frame] = await live.publications(1, channel)
            if frame["data"]["change"] not in {"created", "editors_changed"}:
                frames[frame["data"]["change"]] = frame["data"]
        assert {change: data["media_id"] for change, data in frames.items()} == {
            "entry_added": media_id,
            "updated": None,
            "entry_removed": media_id,
        }
        assert frames["entry_added"]["user_id"] == editor.id
        await live.close()


async def test_a_list_turned_private_refuses_its_former_readers_next_subscription(client) -> None:
    owner, reader = await sign_up(client), await sign_up(client)
    made = await make_list(client, owner, name="Open for now")
    channel = f"list:{made['id']}"
    params = {"channels": channel}
    assert (await client.get("/api/v1/events", params=params, headers=reader.headers)).status == 200
    hidden = await client.patch(
        f"/api/v1/lists/{made['id']}", json={"visibility": "private"}, headers=owner.headers
    )
    assert hidden.status == 200
    # Every long-poll request is a new subscription: checked again, refused.
    again = await client.get("/api/v1/events", params=params, headers=reader.headers)
    assert again.status == 403
    live = await Live.open(client, headers=reader.headers)
    assert (await live.subscribe(channel))["type"] != "subscribed"
    await live.close()
