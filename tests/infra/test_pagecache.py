"""The page cache's rule: a read that raced a write may keep its old page, but only under
the old versions, so every read that starts after the write's bump renders the new state.
A node memoises the versions only while it hears the bumps: it then shows a change once
the bump's message reached it, and reads the versions from Redis whenever it may not."""

from __future__ import annotations

import asyncio

import orjson
import pytest
import redis as sync_redis

from metacult.infra import pagecache
from metacult.infra.pagecache import PageCache
from metacult.infra.redis import create_redis, is_cluster
from metacult.realtime.hub import Hub
from metacult.realtime.metrics import HubMetrics
from tests import random_refs
from tests.helpers import eventually
from tests.titles import new_title


class Source:
    """A value that a page shows, with its renders counted."""

    def __init__(self) -> None:
        self.value = "old"
        self.renders = 0

    async def render(self, pause: asyncio.Event | None = None) -> pagecache.Rendered:
        self.renders += 1
        value = self.value
        if pause is not None:
            await pause.wait()  # read, but not yet filed: the write lands meanwhile
        return pagecache.rendered(None, orjson.dumps(value))  # type: ignore[arg-type]


async def test_a_read_older_than_the_bump_is_never_served_after_it(db, redis, settings) -> None:
    cache, source = PageCache(100, 60), Source()
    topic = f"media:{random_refs.suffix()}"

    async def read(pause: asyncio.Event | None = None) -> bytes:
        page = await pagecache.page(
            cache, db, redis, settings, [topic], ("page",), lambda: source.render(pause)
        )
        return page.body

    assert await read() == b'"old"'
    await pagecache.bump(redis, settings, [topic])
    paused = asyncio.Event()
    racing = asyncio.create_task(read(paused))
    await asyncio.sleep(0.05)  # the racing read has its versions and the old value

    source.value = "new"
    await pagecache.bump(redis, settings, [topic])  # after the change is visible
    paused.set()

    assert await racing == b'"old"'  # it read before the change: that is its answer...
    assert await read() == b'"new"'  # ...but it did not keep the old page for later reads
    assert await read() == b'"new"'
    assert source.renders == 3


async def test_an_unchanged_page_is_rendered_once(db, redis, settings) -> None:
    cache, source = PageCache(100, 60), Source()
    topics = [f"browse:{random_refs.suffix()}", "catalog"]

    for _ in range(5):
        await pagecache.page(cache, db, redis, settings, topics, ("browse",), source.render)

    assert source.renders == 1


async def test_readers_asking_at_once_share_one_read_of_the_versions(db, redis, settings) -> None:
    cache, source = PageCache(100, 60), Source()
    topic = f"media:{random_refs.suffix()}"
    await pagecache.page(cache, db, redis, settings, [topic], ("a",), source.render)

    async def read(key: str, topics: list[str]) -> bytes:
        page = await pagecache.page(cache, db, redis, settings, topics, (key,), source.render)
        return page.body

    answers = await asyncio.gather(
        *(read("a", [topic]) for _ in range(20)), read("b", [topic, "catalog"])
    )

    assert answers == [b'"old"'] * 21
    assert source.renders == 2  # "a" was kept; "b" rendered once


@pytest.mark.unit
def test_the_cache_keeps_at_most_its_size_and_forgets_the_least_recently_read() -> None:
    cache = PageCache(2, 60)
    page = pagecache.rendered(None, b"{}")  # type: ignore[arg-type]
    cache.put(("a",), page)
    cache.put(("b",), page)
    assert cache.get(("a",)) is page
    cache.put(("c",), page)

    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is page and cache.get(("c",)) is page


# The memo of the versions: trusted only while the bumps are heard.


async def _read(cache: PageCache, db, redis, settings, topic: str, source: Source) -> bytes:
    page = await pagecache.page(cache, db, redis, settings, [topic], ("memo",), source.render)
    return page.body


async def test_versions_are_read_from_redis_until_the_bumps_are_known_to_be_heard(
    db, redis, settings
) -> None:
    cache, source = PageCache(100, 60, trust_for=60), Source()
    topic = f"media:{random_refs.suffix()}"
    assert await _read(cache, db, redis, settings, topic, source) == b'"old"'

    source.value = "new"
    await pagecache.bump(redis, settings, [topic])  # no hub hears it for this cache

    assert await _read(cache, db, redis, settings, topic, source) == b'"new"'


async def test_a_memo_whose_subscription_went_quiet_or_was_lost_reads_redis_again(
    db, redis, settings
) -> None:
    # Given versions memoised while a (here, silent) subscription is live...
    cache, source = PageCache(100, 60, trust_for=0.3), Source()
    topic = f"media:{random_refs.suffix()}"
    cache.subscribed()
    assert await _read(cache, db, redis, settings, topic, source) == b'"old"'
    source.value = "new"
    await pagecache.bump(redis, settings, [topic])  # its message never reaches this cache

    # ...nothing heard for longer than it is trusted: the versions come from Redis.
    await asyncio.sleep(0.4)
    assert await _read(cache, db, redis, settings, topic, source) == b'"new"'

    # And a subscription lost outright forgets the memo at once.
    cache.subscribed()
    assert await _read(cache, db, redis, settings, topic, source) == b'"new"'
    source.value = "newer"
    await pagecache.bump(redis, settings, [topic])
    cache.unsubscribed()
    assert await _read(cache, db, redis, settings, topic, source) == b'"newer"'


async def test_a_gap_in_the_bumps_heard_empties_the_memo(db, redis, settings) -> None:
    cache, source = PageCache(100, 60, trust_for=60), Source()
    topic, other = f"media:{random_refs.suffix()}", f"media:{random_refs.suffix()}"
    cache.subscribed()
    cache.bumped(b"7 " + other.encode())
    assert await _read(cache, db, redis, settings, topic, source) == b'"old"'
    source.value = "new"
    await pagecache.bump(redis, settings, [topic])

    cache.bumped(b"9 " + other.encode())  # bump 8 (this topic's) was missed

    assert await _read(cache, db, redis, settings, topic, source) == b'"new"'


class Node:
    """One web process's read path: its page cache, told of the bumps by its own hub."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.cache = PageCache(100, 60, trust_for=2 * settings.realtime_canary_interval)
        self.redis = create_redis(settings)
        self.hub = Hub(settings, self.redis, HubMetrics(), self.cache)

    async def start(self) -> None:
        if is_cluster(self.redis):
            await self.redis.initialize()  # its slot map, as the app's first command reads it
        await self.hub.start()
        await eventually(self.hub.alive)

    async def read(self, db, topic: str, source: Source) -> bytes:
        return await _read(self.cache, db, self.redis, self.settings, topic, source)

    async def stop(self) -> None:
        await self.hub.stop()
        await self.redis.aclose()


async def test_a_change_bumped_through_one_node_is_on_the_other_nodes_reads_once_heard(
    db, settings
) -> None:
    nodes = [Node(settings), Node(settings)]
    for node in nodes:
        await node.start()
    topic = f"media:{random_refs.suffix()}"
    sources = [Source(), Source()]  # what each node reads from the database
    try:
        for node, source in zip(nodes, sources, strict=True):
            assert await node.read(db, topic, source) == b'"old"'

        for source in sources:
            source.value = "new"  # committed
        await pagecache.bump(nodes[0].redis, settings, [topic])  # then bumped, on one node

        async def on_the_other() -> bool:
            return await nodes[1].read(db, topic, sources[1]) == b'"new"'

        await eventually(on_the_other)
        for _ in range(20):
            for node, source in zip(nodes, sources, strict=True):
                assert await node.read(db, topic, source) == b'"new"'
        assert sources[1].renders == 2
    finally:
        for node in nodes:
            await node.stop()


# A node on a Redis of the test's own, whose commands it counts.


def _hmgets(url: str) -> int:
    stats = sync_redis.Redis.from_url(url).info("commandstats")
    return stats.get("cmdstat_hmget", {}).get("calls", 0)


async def _title(node, media_id: int) -> str:
    response = await node.get(f"/api/v1/media/{media_id}")
    assert response.status == 200, await response.text()
    return (await response.json())["title"]


async def _rename(db, media_id: int, title: str) -> None:
    # Committed without a bump: as though its bump was lost with Redis.
    async with db.acquire() as conn:
        await conn.execute("UPDATE media SET title = $2 WHERE id = $1", media_id, title)


async def _memoised(node, url: str, media_id: int) -> bool:
    await _title(node, media_id)
    before = _hmgets(url)
    await _title(node, media_id)
    return _hmgets(url) == before


async def _ready(node) -> bool:
    return (await node.get("/readyz")).status == 200


def _node_settings(own_redis) -> dict:
    return dict(redis_url=own_redis.url, redis_cluster=False, realtime_canary_interval=0.2)


@pytest.mark.slow
async def test_a_redis_restart_empties_the_memo(aiohttp_client, make_app, db, own_redis) -> None:
    node = await aiohttp_client(make_app(**_node_settings(own_redis)))
    await eventually(lambda: _ready(node))
    name = f"Before {random_refs.suffix()}"
    media_id = await new_title(db, title=name)
    await eventually(lambda: _memoised(node, own_redis.url, media_id))
    await _rename(db, media_id, "After")
    assert await _title(node, media_id) == name  # kept, under its memoised versions

    own_redis.stop()  # an empty Redis comes back: the versions are gone
    await eventually(lambda: _not_ready(node))
    own_redis.start()
    await eventually(lambda: _ready(node), within=30)

    assert await _title(node, media_id) == "After"


@pytest.mark.slow
async def test_a_dropped_subscription_reads_the_versions_from_redis_until_heard_again(
    aiohttp_client, make_app, db, settings, own_redis
) -> None:
    node = await aiohttp_client(make_app(**_node_settings(own_redis)))
    own = settings.replace(**_node_settings(own_redis))
    writer = create_redis(own)
    await eventually(lambda: _ready(node))
    name = f"Before {random_refs.suffix()}"
    media_id = await new_title(db, title=name)
    await eventually(lambda: _memoised(node, own_redis.url, media_id))

    # Redis drops the node's subscriber (as when its output buffer overflows)...
    sync_redis.Redis.from_url(own_redis.url).client_kill_filter(_type="pubsub")
    await _rename(db, media_id, "After")
    await pagecache.bump(writer, own, [pagecache.media_topic(media_id)])  # unheard

    # ...its next reads show the change, and the memo is back once it hears again.
    assert await _title(node, media_id) == "After"
    await eventually(lambda: _memoised(node, own_redis.url, media_id))
    assert await _title(node, media_id) == "After"
    await writer.aclose()


async def _not_ready(node) -> bool:
    return (await node.get("/readyz")).status == 503
