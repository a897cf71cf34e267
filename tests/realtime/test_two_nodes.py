"""Two web processes behind a load balancer: publications reach both, clients resume anywhere."""

from __future__ import annotations

import asyncio

from metacult.realtime import publish
from metacult.realtime.publishing import pubsub_channel
from metacult.typedefs import HUB
from tests.helpers import eventually
from tests.realtime.live import Live, leaderboard_channel, media_channel, never_reading_client


async def test_a_publication_reaches_subscribers_on_both_processes(
    aiohttp_client, make_app, redis, settings
) -> None:
    first = await aiohttp_client(make_app())
    second = await aiohttp_client(make_app())
    channel = media_channel()
    on_first, on_second = await Live.open(first), await Live.open(second)
    await on_first.subscribe(channel)
    await on_second.subscribe(channel)

    published = await publish(redis, settings, channel, {"reviews": 1})

    for live in (on_first, on_second):
        frame = await live.expect("publication")
        assert (frame["offset"], frame["epoch"]) == (published.offset, published.epoch)


async def test_resume_on_the_other_process_delivers_exactly_the_missed_messages(
    aiohttp_client, make_app, redis, settings
) -> None:
    first = await aiohttp_client(make_app())
    second = await aiohttp_client(make_app())
    channel = leaderboard_channel()
    live = await Live.open(first)
    await live.subscribe(channel)
    for rank in (1, 2):
        await publish(redis, settings, channel, {"rank": rank})
    seen = await live.publications(2)
    await live.close()

    for rank in (3, 4, 5):
        await publish(redis, settings, channel, {"rank": rank})

    again = await Live.open(second)
    last = seen[-1]
    reply = await again.subscribe(channel, since={"offset": last["offset"], "epoch": last["epoch"]})
    assert reply["recovered"] is True and reply["offset"] == 5
    await publish(redis, settings, channel, {"rank": 6})
    frames = await again.publications(4)
    assert [frame["data"]["rank"] for frame in frames] == [3, 4, 5, 6]
    assert [frame["offset"] for frame in frames] == [3, 4, 5, 6]


async def test_resume_beyond_the_history_says_it_did_not_recover(
    aiohttp_client, make_app, redis, settings
) -> None:
    client = await aiohttp_client(make_app())
    channel = media_channel()
    first = await publish(redis, settings, channel, {"n": 0})
    for n in range(1, 120):  # media channels keep the last 100
        await publish(redis, settings, channel, {"n": n})
    live = await Live.open(client)
    reply = await live.subscribe(channel, since={"offset": first.offset, "epoch": first.epoch})
    assert reply["recovered"] is False and reply["offset"] == 120
    stale = await live.subscribe(media_channel(), since={"offset": 3, "epoch": "deadbeef"})
    assert stale["recovered"] is False


async def test_a_resume_racing_live_publications_has_no_gap_and_no_duplicate(
    aiohttp_client, make_app, redis, settings
) -> None:
    client = await aiohttp_client(make_app())
    channel = leaderboard_channel()
    watcher = await Live.open(client)  # keeps the channel carried by this process
    await watcher.subscribe(channel)
    start = await publish(redis, settings, channel, {"n": 0})

    async def publish_many() -> None:
        for n in range(1, 60):
            await publish(redis, settings, channel, {"n": n})

    publishing = asyncio.create_task(publish_many())
    await asyncio.sleep(0.01)
    live = await Live.open(client)
    reply = await live.subscribe(channel, since={"offset": start.offset, "epoch": start.epoch})
    await publishing
    assert reply["recovered"] is True
    frames = await live.publications(59)
    assert [frame["offset"] for frame in frames] == list(range(2, 61))


async def test_a_client_that_stops_reading_is_dropped_while_a_fast_one_keeps_up(
    aiohttp_client, make_app, redis, settings
) -> None:
    app = make_app(realtime_send_queue_bytes=256 * 1024)
    client = await aiohttp_client(app)
    channel = media_channel()
    fast = await Live.open(client)
    await fast.subscribe(channel)
    slow = await never_reading_client(client.port, channel)
    await eventually(lambda: _subscribers(app, channel, 2))

    blob = "x" * 20_000
    count = 600  # 12 MB: more than the kernel buffers and the queue bound together

    async def publish_all() -> None:
        for n in range(count):
            await publish(redis, settings, channel, {"n": n, "blob": blob})

    publishing = asyncio.create_task(publish_all())
    frames = await fast.publications(count)
    await publishing
    assert [frame["data"]["n"] for frame in frames] == list(range(count))
    hub = app[HUB]
    assert hub.metrics.slow_clients_dropped._value.get() == 1
    assert hub.local_subscribers(channel) == 1
    slow.close()


async def _subscribers(app, channel: str, count: int) -> bool:
    return app[HUB].local_subscribers(channel) == count


async def test_a_process_carries_a_channel_only_while_it_has_subscribers(
    aiohttp_client, make_app, redis, settings
) -> None:
    client = await aiohttp_client(make_app(realtime_channel_linger=0.1))
    channel = media_channel()
    key = pubsub_channel(settings, channel)

    async def listeners() -> int:
        if settings.redis_cluster:  # a shard channel, on the master owning its slot
            node = redis.get_node_from_key(key)
            ((_, count),) = await redis.pubsub_shardnumsub(key, target_nodes=node)
        else:
            ((_, count),) = await redis.pubsub_numsub(key)
        return count

    assert await listeners() == 0
    first, second = await Live.open(client), await Live.open(client)
    await first.subscribe(channel)
    await second.subscribe(channel)
    assert await listeners() == 1  # one pub/sub connection per process, however many clients
    await first.close()
    await second.close()

    async def released() -> bool:
        return await listeners() == 0

    await eventually(released)
