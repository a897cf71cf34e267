"""A list whose audience shrinks while connections are subscribed to ``list:{id}``: a
publication made with ``recheck`` has every hub re-run the audience check first, and the
connections it now refuses are detached (``unsubscribed``, reason ``forbidden``) before
they get that frame or any later one, on the websocket as on SSE."""

from __future__ import annotations

import aiohttp
import orjson
import pytest

from metacult.realtime import publish
from tests.accounts import block, sign_up
from tests.helpers import eventually
from tests.interaction.test_lists import make_list
from tests.realtime.live import Live, media_channel
from tests.realtime.test_fallbacks import EventStream
from tests.titles import new_title


async def _changes(live: Live, channel: str, count: int) -> list[dict]:
    """The next ``count`` publications of ``channel``, past the list's own ``created``: a
    worker still running from an earlier test may announce the list once it is watched."""
    found: list[dict] = []
    while len(found) < count:
        [frame] = await live.publications(1, channel)
        if frame["data"]["change"] != "created":
            found.append(frame)
    return found


async def _no_publication(live: Live, channel: str) -> None:
    """Nothing more of ``channel`` is waiting on ``live`` (a ping round trip later)."""
    await live.send({"type": "ping", "id": "after"})
    while True:
        frame = await live.receive()
        assert not (frame["type"] == "publication" and frame["channel"] == channel), frame
        if frame["type"] == "pong" and frame.get("id") == "after":
            return


async def test_a_list_turned_private_detaches_its_former_readers_websockets(
    client, redis, settings
) -> None:
    owner, reader = await sign_up(client), await sign_up(client)
    made = await make_list(client, owner, name="Open for now")
    channel = f"list:{made['id']}"
    watching = {}
    for who, account in (("owner", owner), ("reader", reader)):
        watching[who] = await Live.open(client, headers=account.headers)
        assert (await watching[who].subscribe(channel))["type"] == "subscribed"
    hidden = await client.patch(
        f"/api/v1/lists/{made['id']}", json={"visibility": "private"}, headers=owner.headers
    )
    assert hidden.status == 200

    await publish(redis, settings, channel, {"change": "updated"}, recheck=True)
    await publish(redis, settings, channel, {"change": "entry_added"})

    gone = await watching["reader"].expect("unsubscribed", channel=channel)
    assert gone["reason"] == "forbidden"
    await _no_publication(watching["reader"], channel)
    # The owner gets both; a worker still running from an earlier test may add its own
    # announcement of the real change (another "updated", rechecked too).
    frames = await _changes(watching["owner"], channel, 1)
    while frames[-1]["data"]["change"] != "entry_added":
        frames += await _changes(watching["owner"], channel, 1)
    assert {frame["data"]["change"] for frame in frames[:-1]} == {"updated"}
    assert all(frame["recheck"] is True for frame in frames[:-1])
    # The reader's connection itself stays open for its other channels.
    assert (await watching["reader"].subscribe(media_channel()))["type"] == "subscribed"
    for live in watching.values():
        await live.close()


async def test_a_recheck_keeps_who_may_still_read(client, redis, settings) -> None:
    owner, reader = await sign_up(client), await sign_up(client)
    made = await make_list(client, owner, name="Still open")
    channel = f"list:{made['id']}"
    live = await Live.open(client, headers=reader.headers)
    assert (await live.subscribe(channel))["type"] == "subscribed"
    await publish(redis, settings, channel, {"change": "updated"}, recheck=True)
    [frame] = await _changes(live, channel, 1)
    assert frame["data"]["change"] == "updated"
    await live.close()


async def test_a_list_turned_private_ends_its_former_readers_sse_subscription(
    client, redis, settings
) -> None:
    owner, reader = await sign_up(client), await sign_up(client)
    made = await make_list(client, owner, name="Open on SSE")
    channel, other = f"list:{made['id']}", media_channel()
    response = await client.get(
        "/api/v1/stream", params={"channels": f"{channel},{other}"}, headers=reader.headers
    )
    assert response.status == 200
    stream = EventStream(response)
    await stream.next("subscribed")
    await stream.next("subscribed")
    hidden = await client.patch(
        f"/api/v1/lists/{made['id']}", json={"visibility": "private"}, headers=owner.headers
    )
    assert hidden.status == 200

    await publish(redis, settings, channel, {"change": "updated"}, recheck=True)
    await publish(redis, settings, channel, {"change": "entry_added"})
    await publish(redis, settings, other, {"likes": 1})

    # The stream goes on for its other channel, and carries nothing more of the list (the
    # other channel's publication may come before or after the list's end).
    seen = []
    while len(seen) < 2:
        event = await stream.next()
        if event.get("event") in ("unsubscribed", "publication"):
            frame = orjson.loads(event["data"])
            if frame.get("data", {}).get("change") != "created":  # see _changes
                seen.append(frame)
    gone = next(frame for frame in seen if frame["type"] == "unsubscribed")
    assert gone == {"type": "unsubscribed", "id": None, "channel": channel, "reason": "forbidden"}
    [following] = [frame for frame in seen if frame["type"] == "publication"]
    assert following["channel"] == other
    response.close()


@pytest.mark.slow
async def test_a_removed_editor_stops_receiving_a_private_list_live(client, worker) -> None:
    owner, editor = await sign_up(client), await sign_up(client)
    made = await make_list(client, owner, name="Ours, privately", visibility="private")
    lists = f"/api/v1/lists/{made['id']}"
    invited = await client.put(f"{lists}/editors/{editor.id}", headers=owner.headers)
    assert invited.status == 200
    channel = f"list:{made['id']}"
    watching = {}
    for who, account in (("owner", owner), ("editor", editor)):
        watching[who] = await Live.open(client, headers=account.headers)
        assert (await watching[who].subscribe(channel))["type"] == "subscribed"

    removed = await client.delete(f"{lists}/editors/{editor.id}", headers=owner.headers)
    assert removed.status == 200
    renamed = await client.patch(lists, json={"name": "Mine now"}, headers=owner.headers)
    assert renamed.status == 200

    gone = await watching["editor"].expect("unsubscribed", channel=channel)
    assert gone["reason"] == "forbidden"
    # The owner still gets the list's changes; the former editor none after its detachment.
    while (await _changes(watching["owner"], channel, 1))[0]["data"]["change"] != "updated":
        pass
    await _no_publication(watching["editor"], channel)
    for live in watching.values():
        await live.close()
    assert isinstance(watching["owner"].ws, aiohttp.ClientWebSocketResponse)


@pytest.mark.slow
@pytest.mark.parametrize("who_blocks", ["owner", "editor"])
async def test_a_block_between_a_plain_lists_owner_and_its_editor_ends_the_editing(
    client, db, worker, who_blocks
) -> None:
    owner, editor = await sign_up(client), await sign_up(client)
    made = await make_list(client, owner, name="Edited together")
    lists = f"/api/v1/lists/{made['id']}"
    assert (await client.put(f"{lists}/editors/{editor.id}", headers=owner.headers)).status == 200
    live = await Live.open(client, headers=editor.headers)
    assert (await live.subscribe(f"list:{made['id']}"))["type"] == "subscribed"

    if who_blocks == "owner":
        await block(client, owner, editor)
    else:
        await block(client, editor, owner)

    async def editors():
        shown = await (await client.get(lists, headers=owner.headers)).json()
        return shown["editors"] == []

    assert await eventually(editors)
    gone = await live.expect("unsubscribed", channel=f"list:{made['id']}")
    assert gone["reason"] == "forbidden"
    refused = await client.put(
        f"{lists}/entries/{await new_title(db)}", json={}, headers=editor.headers
    )
    assert refused.status == 404  # blocked either way: the list is hidden from them
    await live.close()


@pytest.mark.slow
async def test_a_reader_the_owner_blocks_stops_following_the_public_list_live(
    client, worker
) -> None:
    owner, reader, other = await sign_up(client), await sign_up(client), await sign_up(client)
    made = await make_list(client, owner, name="Public, but not to everyone")
    channel = f"list:{made['id']}"
    watching = {}
    for who, account in (("reader", reader), ("other", other)):
        watching[who] = await Live.open(client, headers=account.headers)
        assert (await watching[who].subscribe(channel))["type"] == "subscribed"

    await block(client, owner, reader)

    gone = await watching["reader"].expect("unsubscribed", channel=channel)
    assert gone["reason"] == "forbidden"
    # Another reader still follows it, and sees the announcement.
    [frame] = await _changes(watching["other"], channel, 1)
    assert frame["data"]["change"] == "audience_changed" and frame["recheck"] is True
    hidden = await client.get(f"/api/v1/lists/{made['id']}", headers=reader.headers)
    assert hidden.status == 404
    for live in watching.values():
        await live.close()
