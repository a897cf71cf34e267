"""``publish()``: offsets, epochs and history in Redis, from one atomic script."""

from __future__ import annotations

import orjson
import pytest

from metacult.realtime import UnknownChannel, publish
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
