"""PostgreSQL restarted under a running web node and worker: while it is down requests
answer 503 at once (no hang, no 500), after it is back they succeed, no process restarts,
and the outbox relay carries the events written after the restart to the worker."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from metacult.infra.db import create_pool
from metacult.infra.migrations import ensure_database, migrate
from tests.accounts import sign_up
from tests.drills.servers import Process, dramatiq_workers, python
from tests.helpers import eventually, free_port
from tests.titles import new_titles

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# A client gives up on an answer after this long: a request that hangs fails the drill.
NO_HANG_S = 5.0


async def likes_of(http: aiohttp.ClientSession, media_id: int) -> int | None:
    async with http.get(f"/api/v1/media/{media_id}") as response:
        if response.status != 200:
            return None
        return (await response.json())["stats"]["likes"]


async def test_postgresql_restarted_answers_503_while_down_and_everything_resumes_after(
    own_postgres, drill_env: dict[str, str], settings, tmp_path: Path
) -> None:
    dsn = own_postgres.dsn("metacult")
    await ensure_database(dsn)
    await migrate(dsn)
    pool = await create_pool(settings.replace(database_url=dsn))
    try:
        before, during, after = await new_titles(pool, 3)
    finally:
        await pool.close()
    port = free_port()
    env = {**drill_env, "DATABASE_URL": dsn, "PORT": str(port), "HOST": "127.0.0.1"}
    web_node = await Process(python("-m", "metacult", "serve"), env, tmp_path / "web.log").start()
    worker = await Process(dramatiq_workers("workers"), env, tmp_path / "worker.log").start()
    pids = (web_node.process.pid, worker.process.pid)
    timeout = aiohttp.ClientTimeout(total=NO_HANG_S)
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", timeout=timeout) as http:

            async def ready() -> bool:
                try:
                    async with http.get("/readyz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            assert await eventually(ready, within=60), web_node.output()
            account = await sign_up(http)
            async with http.put(f"/api/v1/media/{before}/like", headers=account.headers) as r:
                assert r.status == 200
            assert await eventually(lambda: _equals(likes_of(http, before), 1), within=30)

            # PostgreSQL goes away: reads, writes and readiness answer 503 at once.
            await asyncio.to_thread(own_postgres.stop)
            slowest = 0.0
            for _ in range(5):
                started = time.monotonic()
                async with http.get(f"/api/v1/media/{before}") as response:
                    assert response.status == 503, await response.text()
                    assert (await response.json())["error"]["code"] == "unavailable"
                slowest = max(slowest, time.monotonic() - started)
            async with http.put(f"/api/v1/media/{during}/like", headers=account.headers) as r:
                assert r.status == 503, await r.text()
            async with http.get("/readyz") as response:
                assert response.status == 503
            print(f"slowest 503 while PostgreSQL was down: {slowest * 1000:.0f} ms")

            # It comes back: the same processes serve again, and events flow again.
            await asyncio.to_thread(own_postgres.start)
            assert await eventually(ready, within=30), web_node.output()
            async with http.put(f"/api/v1/media/{after}/like", headers=account.headers) as r:
                assert r.status == 200, await r.text()
            assert await eventually(lambda: _equals(likes_of(http, after), 1), within=30), (
                worker.output()
            )
            assert await likes_of(http, during) == 0
            assert await likes_of(http, before) == 1
        assert web_node.running and worker.running
        assert (web_node.process.pid, worker.process.pid) == pids
        # asyncpg's pool warns while it cannot refill; nothing failed beyond that.
        assert '"status":500' not in web_node.output(), web_node.output()
        assert '"level":"error"' not in web_node.output(), web_node.output()
    finally:
        await web_node.stop()
        await worker.stop()


async def _equals(awaitable, expected) -> bool:
    return await awaitable == expected
