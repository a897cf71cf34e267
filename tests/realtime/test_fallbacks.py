"""SSE and long-polling: the same channels, permissions and offsets as the websocket."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from metacult.realtime import publish
from tests.realtime.live import Live, leaderboard_channel, media_channel


class EventStream:
    """Reads server-sent events from a streaming response."""

    def __init__(self, response) -> None:
        self.response = response

    async def next(self, kind: str | None = None) -> dict[str, Any]:
        while True:
            event: dict[str, Any] = {}
            while True:
                line = (await asyncio.wait_for(self.response.content.readline(), 15)).decode()
                if line in ("\n", "\r\n", ""):
                    if event:
                        break
                    if line == "":
                        raise AssertionError("the stream ended")
                    continue
                if line.startswith(":"):
                    continue
                name, _, value = line.rstrip("\r\n").partition(": ")
                event[name] = value
            if kind is None or event.get("event") == kind:
                event["frame"] = orjson.loads(event["data"])
                return event


async def test_sse_and_polling_see_the_same_offsets_as_the_websocket(
    client, redis, settings
) -> None:
    channel = media_channel()
    live = await Live.open(client)
    await live.subscribe(channel)
    stream = EventStream(await client.get("/api/v1/stream", params={"channels": channel}))
    subscribed = await stream.next("subscribed")
    first_poll = await (await client.get("/api/v1/events", params={"channels": channel})).json()
    assert first_poll["publications"] == [] and first_poll["cursor"] == subscribed["id"]

    for likes in (1, 2, 3):
        await publish(redis, settings, channel, {"likes": likes})

    by_websocket = [(f["offset"], f["epoch"], f["data"]) for f in await live.publications(3)]
    events = [await stream.next("publication") for _ in range(3)]
    by_sse = [(e["frame"]["offset"], e["frame"]["epoch"], e["frame"]["data"]) for e in events]
    poll = await (
        await client.get(
            "/api/v1/events", params={"channels": channel, "since": first_poll["cursor"]}
        )
    ).json()
    by_polling = [(p["offset"], p["epoch"], p["data"]) for p in poll["publications"]]
    assert by_websocket == by_sse == by_polling
    assert poll["cursor"] == events[-1]["id"]
    stream.response.close()


async def test_sse_resumes_from_last_event_id(client, redis, settings) -> None:
    channel = leaderboard_channel()
    stream = EventStream(await client.get("/api/v1/stream", params={"channels": channel}))
    await stream.next("subscribed")
    await publish(redis, settings, channel, {"rank": 1})
    seen = await stream.next("publication")
    stream.response.close()
    for rank in (2, 3):
        await publish(redis, settings, channel, {"rank": rank})

    resumed = EventStream(
        await client.get(
            "/api/v1/stream", params={"channels": channel}, headers={"Last-Event-ID": seen["id"]}
        )
    )
    subscribed = await resumed.next("subscribed")
    assert subscribed["frame"]["recovered"] is True
    assert subscribed["id"] == seen["id"]
    missed = [await resumed.next("publication") for _ in range(2)]
    assert [event["frame"]["data"]["rank"] for event in missed] == [2, 3]
    resumed.response.close()


async def test_a_long_poll_answers_as_soon_as_something_is_published(
    client, redis, settings
) -> None:
    channel = media_channel()
    start = await (await client.get("/api/v1/events", params={"channels": channel})).json()
    waiting = asyncio.create_task(
        client.get("/api/v1/events", params={"channels": channel, "since": start["cursor"]})
    )
    await asyncio.sleep(0.2)
    assert not waiting.done()
    published = await publish(redis, settings, channel, {"views": 9})
    body = await (await waiting).json()
    assert [(p["offset"], p["data"]) for p in body["publications"]] == [
        (published.offset, {"views": 9})
    ]


async def test_a_long_poll_with_nothing_new_answers_empty_after_its_timeout(
    aiohttp_client, make_app
) -> None:
    client = await aiohttp_client(make_app(realtime_long_poll_timeout=0.3))
    channel = media_channel()
    start = await (await client.get("/api/v1/events", params={"channels": channel})).json()
    body = await (
        await client.get("/api/v1/events", params={"channels": channel, "since": start["cursor"]})
    ).json()
    assert body == {"publications": [], "resync": [], "cursor": start["cursor"]}


async def test_polling_a_lost_position_asks_for_a_resync(client) -> None:
    channel = media_channel()
    body = await (
        await client.get(
            "/api/v1/events", params={"channels": channel, "since": f"{channel}@0badc0de.7"}
        )
    ).json()
    assert body["publications"] == []
    assert [entry["channel"] for entry in body["resync"]] == [channel]


async def test_fallbacks_apply_the_same_permissions(client) -> None:
    for path in ("/api/v1/events", "/api/v1/stream"):
        refused = await client.get(path, params={"channels": f"{media_channel()},user:1"})
        assert refused.status == 401
        unknown = await client.get(path, params={"channels": "chat:1"})
        assert unknown.status == 422
        assert (await unknown.json())["error"]["code"] == "unknown_channel"
    bad_cursor = await client.get(
        "/api/v1/events", params={"channels": media_channel(), "since": "nonsense"}
    )
    assert bad_cursor.status == 422
