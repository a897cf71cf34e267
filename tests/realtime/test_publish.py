"""``publish()``: offsets, epochs and history in Redis, from one atomic script."""

from __future__ import annotations

import orjson
import pytest

from metacult.realtime import UnknownChannel, publish, sent_revision
from metacult.realtime.publishing import history_after, meta_key, position
from tests.random_refs import suffix


def media_channel() -> str:
    return f"media:{int(suffix(), 16) % 10**12 + 1}"


async def test_publications_get_consecutive_offsets_in_one_epoch(redis, settings) -> None:
    channel = media_channel()
    first = await publish(redis, settings, channel, {"likes": 1})
    second = await publish(redis, settings, channel, {"likes": 2})
    assert (first.offset, second.offset) == (1, 2)
    assert first.epoch == second.epoch
    assert (await position(redis, settings, channel)) == second


async def test_a_revision_not_newer_than_the_last_sent_is_not_published(redis, settings) -> None:
    channel = media_channel()
    later = await publish(redis, settings, channel, {"likes": 6}, revision=("stats", 6))
    earlier = await publish(redis, settings, channel, {"likes": 5}, revision=("stats", 5))
    again = await publish(redis, settings, channel, {"likes": 6}, revision=("stats", 6))
    other = await publish(redis, settings, channel, {"review": 1}, revision=("reviews", 1))
    next_one = await publish(redis, settings, channel, {"likes": 7}, revision=("stats", 7))

    assert [p.sent for p in (later, earlier, again, other, next_one)] == [1, 0, 0, 1, 1]
    assert (earlier.offset, again.offset, next_one.offset) == (1, 1, 3)
    history = await history_after(redis, settings, channel, 0, limit=10)
    assert [orjson.loads(e.frame)["data"] for e in history.entries] == [
        {"likes": 6},
        {"review": 1},
        {"likes": 7},
    ]
    assert await sent_revision(redis, settings, channel, "stats") == 7
    assert await sent_revision(redis, settings, channel, "ratings") is None


async def test_history_keeps_the_frames_clients_receive(redis, settings) -> None:
    channel = media_channel()
    for likes in range(3):
        await publish(redis, settings, channel, {"likes": likes})
    history = await history_after(redis, settings, channel, 1, limit=10)
    entries = history.entries
    assert [entry.offset for entry in entries] == [2, 3]
    assert history.offset == 3 and history.continues(history.epoch, 1)
    frame = orjson.loads(entries[-1].frame)
    assert frame == {
        "type": "publication",
        "channel": channel,
        "offset": 3,
        "epoch": frame["epoch"],
        "data": {"likes": 2},
    }


async def test_history_is_trimmed_to_the_namespace_size(redis, settings) -> None:
    channel = "admin:dashboard"
    for n in range(15):
        last = await publish(redis, settings, channel, {"n": n})
    entries = (await history_after(redis, settings, channel, 0, limit=100)).entries
    assert len(entries) == 10
    assert entries[-1].offset == last.offset


async def test_a_lost_history_starts_a_new_epoch(redis, settings) -> None:
    channel = media_channel()
    before = await publish(redis, settings, channel, {"likes": 1})
    await redis.delete(meta_key(settings, channel))
    after = await publish(redis, settings, channel, {"likes": 2})
    assert after.epoch != before.epoch
    assert after.offset == 1


async def test_publishing_outside_the_registry_is_refused(redis, settings) -> None:
    with pytest.raises(UnknownChannel):
        await publish(redis, settings, "nowhere:1", {})
