"""Two real ``python -m metacult serve`` processes share live channels through Redis."""

from __future__ import annotations

import aiohttp
import pytest

from metacult.realtime import publish
from tests.helpers import serve_process
from tests.realtime.live import Live, leaderboard_channel

pytestmark = pytest.mark.slow


@pytest.fixture
async def two_servers():
    async with (
        serve_process(LOG_LEVEL="WARNING") as first,
        serve_process(LOG_LEVEL="WARNING") as second,
        aiohttp.ClientSession() as http,
    ):
        yield http, [first.url, second.url]


async def test_two_server_processes_deliver_and_resume_the_same_channel(
    two_servers, redis, settings
) -> None:
    http, (first, second) = two_servers
    channel = leaderboard_channel()
    on_first = Live(await http.ws_connect(f"{first}/ws"))
    on_second = Live(await http.ws_connect(f"{second}/ws"))
    await on_first.subscribe(channel)
    await on_second.subscribe(channel)

    published = await publish(redis, settings, channel, {"rank": 1})
    for live in (on_first, on_second):
        assert (await live.expect("publication"))["offset"] == published.offset

    await on_first.close()
    for rank in (2, 3):
        await publish(redis, settings, channel, {"rank": rank})
    resumed = Live(await http.ws_connect(f"{second}/ws"))
    since = {"offset": published.offset, "epoch": published.epoch}
    assert (await resumed.subscribe(channel, since=since))["recovered"] is True
    assert [f["data"]["rank"] for f in await resumed.publications(2)] == [2, 3]
    assert [f["data"]["rank"] for f in await on_second.publications(2)] == [2, 3]
