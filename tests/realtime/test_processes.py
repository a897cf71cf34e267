"""Two real ``python -m metacult serve`` processes share live channels through Redis."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

import aiohttp
import pytest

from metacult.realtime import publish
from tests.helpers import eventually
from tests.realtime.live import Live, free_port, leaderboard_channel

pytestmark = pytest.mark.slow


@pytest.fixture
async def two_servers():
    ports = [free_port(), free_port()]
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "metacult",
            "serve",
            env={**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "LOG_LEVEL": "WARNING"},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for port in ports
    ]
    http = aiohttp.ClientSession()
    try:
        for port in ports:

            async def ready(port: int = port) -> bool:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                        return response.status == 200
                return False

            await eventually(ready, within=30)
        yield http, [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        await http.close()
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            await process.wait()


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
