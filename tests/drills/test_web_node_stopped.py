"""A web node stopped (SIGTERM or SIGKILL) while its clients follow a channel that keeps
moving: they reconnect to the other node, resume from their last offsets, and miss
nothing (every publication once, in order)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson
import pytest

from metacult.infra.migrations import ensure_database, migrate
from metacult.infra.redis import create_redis
from metacult.realtime import publish
from tests.helpers import serve_process
from tests.realtime.live import leaderboard_channel

pytestmark = pytest.mark.slow

PUBLICATIONS = 150
CLIENTS = 5
STOP_AFTER = 50
PACE_S = 0.02


async def follow(
    http: aiohttp.ClientSession, urls: list[str], channel: str, seen: list[int], nodes: list[str]
) -> None:
    """Follow ``channel`` on the first node; when a node goes, resume on the next one."""
    since: dict[str, Any] | None = None
    for url in urls:
        nodes.append(url)
        async with http.ws_connect(f"{url}/ws") as ws:
            frame: dict[str, Any] = {"type": "subscribe", "id": 1, "channel": channel}
            if since is not None:
                frame["since"] = since
            await ws.send_json(frame)
            async for message in ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    break
                frame = orjson.loads(message.data)
                if frame["type"] == "subscribed":
                    assert since is None or frame["recovered"] is True, frame
                elif frame["type"] == "publication" and frame["channel"] == channel:
                    seen.append(frame["data"]["n"])
                    since = {"offset": frame["offset"], "epoch": frame["epoch"]}
                    if frame["data"]["n"] == PUBLICATIONS - 1:
                        return
                elif frame["type"] == "resync":
                    raise AssertionError(f"told to resync: {frame}")
    raise AssertionError(f"every node went before the last publication; saw {len(seen)}")


@pytest.mark.parametrize("stop", ["terminate", "kill"])
async def test_clients_of_a_stopped_node_resume_on_another_and_miss_nothing(
    stop: str, own_postgres, drill_env: dict[str, str], settings
) -> None:
    """SIGTERM: the node says it is going away (1001) before it stops; SIGKILL: the
    connections just drop. Either way the clients resume on the other node."""
    dsn = own_postgres.dsn("metacult")
    await ensure_database(dsn)
    await migrate(dsn)
    env = {**drill_env, "DATABASE_URL": dsn, "LOG_LEVEL": "WARNING"}
    drill_settings = settings.replace(
        redis_url=drill_env["REDIS_URL"], redis_prefix=drill_env["REDIS_PREFIX"]
    )
    redis = create_redis(drill_settings)
    channel = leaderboard_channel()
    async with (
        serve_process(**env) as going,
        serve_process(**env) as staying,
        aiohttp.ClientSession() as http,
    ):
        seen: list[list[int]] = [[] for _ in range(CLIENTS)]
        nodes: list[list[str]] = [[] for _ in range(CLIENTS)]
        clients = [
            asyncio.create_task(follow(http, [going.url, staying.url], channel, seen[i], nodes[i]))
            for i in range(CLIENTS)
        ]
        await asyncio.sleep(1)  # every client subscribed

        for n in range(PUBLICATIONS):
            await publish(redis, drill_settings, channel, {"n": n})
            if n == STOP_AFTER:
                getattr(going.process, stop)()
            await asyncio.sleep(PACE_S)
        async with asyncio.timeout(30):
            await asyncio.gather(*clients)
        assert await going.process.wait() == (0 if stop == "terminate" else -9)
    await redis.aclose()

    for i in range(CLIENTS):
        assert nodes[i] == [going.url, staying.url], "a client did not move to the other node"
        assert seen[i] == list(range(PUBLICATIONS)), f"client {i} missed or repeated some"
