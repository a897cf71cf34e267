"""Presence on media channels: "N watching now", across processes, thinned for crowds."""

from __future__ import annotations

import pytest

from metacult.realtime.hub import thin
from tests.realtime.live import Live, media_channel


async def test_watchers_on_both_processes_are_counted_together(aiohttp_client, make_app) -> None:
    first = await aiohttp_client(make_app(realtime_presence_interval=0.1))
    second = await aiohttp_client(make_app(realtime_presence_interval=0.1))
    channel = media_channel()
    alice, bob = await Live.open(first), await Live.open(second)
    await alice.subscribe(channel)
    await bob.subscribe(channel)

    assert (await alice.expect("presence", count=2))["channel"] == channel
    await bob.expect("presence", count=2)

    await bob.close()
    await alice.expect("presence", count=1)


async def test_only_media_channels_carry_presence(
    aiohttp_client, make_app, redis, settings
) -> None:
    client = await aiohttp_client(make_app(realtime_presence_interval=0.05))
    live = await Live.open(client)
    await live.subscribe("leaderboard:global")
    media = media_channel()
    await live.subscribe(media)
    frame = await live.expect("presence")
    assert frame["channel"] == media


@pytest.mark.unit
def test_large_crowds_are_shown_rounded_so_that_small_moves_send_nothing() -> None:
    assert [thin(n) for n in (0, 7, 20)] == [0, 7, 20]
    assert thin(1234) == thin(1236) == 1200
    assert (thin(57), thin(123)) == (57, 120)
