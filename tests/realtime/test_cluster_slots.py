"""Live channels on a Redis Cluster (``REDIS_CLUSTER=1``): a channel's slot migrated to
another master while a websocket watcher is subscribed; the publications after the move
still reach the watcher, and the channel's history and offsets moved with the slot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis as sync_redis
from redis.crc import key_slot

from metacult.infra import pagecache
from metacult.realtime.publishing import history_key, publish, pubsub_channel
from metacult.typedefs import REDIS, SETTINGS
from tests import random_refs
from tests.helpers import eventually
from tests.realtime.live import Live, media_channel
from tests.redis_cluster import LocalCluster
from tests.titles import new_title


@pytest.fixture
def cluster() -> Iterator[LocalCluster]:
    """A three-master cluster of the test's own (stopped at the end, keys and all)."""
    cluster = LocalCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


async def _on_cluster(aiohttp_client, make_app, cluster: LocalCluster, settings):
    """A web app on the test's cluster (Dramatiq's broker on the run's plain Redis), its
    Redis client and settings."""
    client = await aiohttp_client(
        make_app(
            redis_url=cluster.url,
            redis_cluster=True,
            broker_url=settings.broker_url or settings.redis_url,
        )
    )
    return client, client.app[REDIS], client.app[SETTINGS]


async def test_a_watcher_still_gets_publications_after_its_channels_slot_moves(
    cluster: LocalCluster, aiohttp_client, make_app, settings
) -> None:
    client, redis, app_settings = await _on_cluster(aiohttp_client, make_app, cluster, settings)
    channel = media_channel()
    live = await Live.open(client)
    assert (await live.subscribe(channel))["type"] == "subscribed"

    await publish(redis, app_settings, channel, {"likes": 1})
    first = await live.expect("publication", channel=channel)
    assert first["offset"] == 1

    slot = key_slot(history_key(app_settings, channel).encode())
    key = pubsub_channel(app_settings, channel)
    assert key_slot(key.encode()) == slot
    assert _subscriptions(cluster.owner(slot), key) == (1, 0)
    before, after = cluster.move_slot(slot)
    assert before != after and cluster.owner(slot) == after

    for likes in (2, 3):
        await publish(redis, app_settings, channel, {"likes": likes})
    frames = [await live.expect("publication", channel=channel) for _ in range(2)]
    assert [(f["offset"], f["data"]["likes"]) for f in frames] == [(2, 2), (3, 3)]
    assert {f["epoch"] for f in frames} == {first["epoch"]}
    # Subscribed again on the new owner, as a shard channel; the old one has none left.
    assert _subscriptions(after, key) == (1, 0)
    assert _subscriptions(before, key) == (0, 0)
    await live.close()


def _subscriptions(port: int, key: str) -> tuple[int, int]:
    """On the node at ``port``: (shard subscribers, classic subscribers) of ``key``."""
    node = sync_redis.Redis(host="127.0.0.1", port=port)
    try:
        ((_, sharded),) = [node.execute_command("PUBSUB", "SHARDNUMSUB", key)]
        ((_, classic),) = [node.execute_command("PUBSUB", "NUMSUB", key)]
    finally:
        node.close()
    return int(sharded), int(classic)


async def test_what_was_published_while_the_owning_masters_connection_was_down_is_delivered(
    cluster: LocalCluster, aiohttp_client, make_app, settings
) -> None:
    client, redis, app_settings = await _on_cluster(aiohttp_client, make_app, cluster, settings)
    channel = media_channel()
    live = await Live.open(client)
    assert (await live.subscribe(channel))["type"] == "subscribed"
    await publish(redis, app_settings, channel, {"likes": 1})
    first = await live.expect("publication", channel=channel)

    owner = cluster.owner(key_slot(history_key(app_settings, channel).encode()))
    node = sync_redis.Redis(host="127.0.0.1", port=owner)
    try:
        # The web process's pub/sub connection to that master drops; meanwhile two more.
        assert node.client_kill_filter(_type="pubsub") >= 1
    finally:
        node.close()
    for likes in (2, 3):
        await publish(redis, app_settings, channel, {"likes": likes})
    frames = [await live.expect("publication", channel=channel) for _ in range(2)]
    assert [(f["offset"], f["data"]["likes"]) for f in frames] == [(2, 2), (3, 3)]
    assert {f["epoch"] for f in frames} == {first["epoch"]}

    key = pubsub_channel(app_settings, channel)

    async def resubscribed() -> bool:
        return _subscriptions(owner, key) == (1, 0)

    await eventually(resubscribed)
    await publish(redis, app_settings, channel, {"likes": 4})
    assert (await live.expect("publication", channel=channel))["offset"] == 4
    await live.close()


async def test_kept_pages_hear_the_bumps_again_after_the_versions_slot_moves(
    cluster: LocalCluster, aiohttp_client, make_app, settings, db
) -> None:
    client, redis, app_settings = await _on_cluster(aiohttp_client, make_app, cluster, settings)
    key = pagecache.bumps_channel(app_settings)
    slot = key_slot(key.encode())
    name = f"Before {random_refs.suffix()}"
    media_id = await new_title(db, title=name)
    await eventually(lambda: _memoised(client, cluster.owner(slot), media_id))
    assert _subscriptions(cluster.owner(slot), key) == (1, 0)

    before, after = cluster.move_slot(slot)
    async with db.acquire() as conn:
        await conn.execute("UPDATE media SET title = 'After' WHERE id = $1", media_id)
    await pagecache.bump(redis, app_settings, [pagecache.media_topic(media_id)])

    # Heard from the slot's new owner: the change is read, and the memo comes back.
    await eventually(lambda: _titled(client, media_id, "After"))
    await eventually(lambda: _subscribed_on(after, key))
    assert _subscriptions(before, key) == (0, 0)
    await eventually(lambda: _memoised(client, after, media_id))
    async with db.acquire() as conn:
        await conn.execute("UPDATE media SET title = 'Again' WHERE id = $1", media_id)
    await pagecache.bump(redis, app_settings, [pagecache.media_topic(media_id)])
    await eventually(lambda: _titled(client, media_id, "Again"))


async def _title(client, media_id: int) -> str:
    response = await client.get(f"/api/v1/media/{media_id}")
    assert response.status == 200, await response.text()
    return (await response.json())["title"]


async def _titled(client, media_id: int, title: str) -> bool:
    return await _title(client, media_id) == title


def _hmgets(port: int) -> int:
    node = sync_redis.Redis(host="127.0.0.1", port=port)
    try:
        return node.info("commandstats").get("cmdstat_hmget", {}).get("calls", 0)
    finally:
        node.close()


async def _memoised(client, port: int, media_id: int) -> bool:
    """Two reads of a kept page, the second without asking the versions' master."""
    await _title(client, media_id)
    before = _hmgets(port)
    await _title(client, media_id)
    return _hmgets(port) == before


async def _subscribed_on(port: int, key: str) -> bool:
    return _subscriptions(port, key) == (1, 0)
