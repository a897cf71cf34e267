"""Redis goes away under live connections: later messages arrive, the gap is filled or announced."""

from __future__ import annotations

import contextlib

import pytest

from metacult.infra.redis import create_redis
from metacult.realtime import publish
from metacult.typedefs import HUB
from tests.helpers import eventually, redis_address, redis_url_via
from tests.realtime.live import Live, leaderboard_channel, media_channel
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow


async def _ready(client) -> bool:
    return (await client.get("/readyz")).status == 200


async def _not_ready(client) -> bool:
    response = await client.get("/readyz")
    return response.status == 503 and not (await response.json())["checks"]["pubsub"]


async def test_a_network_blip_is_recovered_from_the_history(
    aiohttp_client, make_app, redis, settings
) -> None:
    proxy = await TcpProxy(*redis_address(settings.redis_url)).start()
    app = make_app(
        redis_url=redis_url_via(settings.redis_url, proxy.port), realtime_canary_interval=0.2
    )
    client = await aiohttp_client(app)
    channel = leaderboard_channel()
    live = await Live.open(client)
    await live.subscribe(channel)
    await publish(redis, settings, channel, {"n": 1})
    await live.expect("publication")

    await proxy.cut()
    await eventually(lambda: _not_ready(client))
    for n in (2, 3, 4):  # published while this process cannot hear them
        await publish(redis, settings, channel, {"n": n})
    await proxy.restore()
    await eventually(lambda: _ready(client))
    await publish(redis, settings, channel, {"n": 5})

    frames = await live.publications(4)
    assert [frame["data"]["n"] for frame in frames] == [2, 3, 4, 5]
    assert [frame["offset"] for frame in frames] == [2, 3, 4, 5]
    assert app[HUB].metrics.pubsub_reconnects._value.get() >= 1
    await proxy.cut()


async def test_a_redis_restart_under_live_connections_sends_resync_then_live_messages(
    aiohttp_client, make_app, settings, own_redis
) -> None:
    node_settings = dict(redis_url=own_redis.url, realtime_canary_interval=0.2)
    first = await aiohttp_client(make_app(**node_settings))
    second = await aiohttp_client(make_app(**node_settings))
    await eventually(lambda: _ready(first))
    own = settings.replace(redis_url=own_redis.url)
    publisher = create_redis(own)
    channel = media_channel()
    clients = [await Live.open(first), await Live.open(second)]
    for live in clients:
        await live.subscribe(channel)
    before = await publish(publisher, own, channel, {"n": 1})
    for live in clients:
        await live.expect("publication")

    own_redis.stop()  # an empty Redis comes back: the history is lost
    # Both nodes see the outage before Redis is back (the second, unaware, would miss it).
    for node in (first, second):
        await eventually(lambda node=node: _not_ready(node))
    own_redis.start()
    for node in (first, second):
        await eventually(lambda node=node: _ready(node), within=30)

    async def published() -> object:
        with contextlib.suppress(Exception):
            return await publish(publisher, own, channel, {"n": 2})
        return None

    after = await eventually(published)
    assert after.epoch != before.epoch
    for live in clients:
        resync = await live.expect("resync")
        assert resync["channel"] == channel
        frame = await live.expect("publication")
        assert (frame["data"], frame["epoch"]) == ({"n": 2}, after.epoch)
        assert frame["offset"] > resync["offset"]
    await publisher.aclose()
