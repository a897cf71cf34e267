"""The scheduler rides out Redis restarts, clean or not, and resumes its schedule."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis.asyncio

from tests.drills.servers import Process, RedisServer, python
from tests.helpers import eventually

pytestmark = pytest.mark.slow


async def test_the_scheduler_survives_redis_restarts_and_enqueues_again(
    own_redis: RedisServer, drill_env: dict[str, str], tmp_path: Path
) -> None:
    scheduler = await Process(
        python("-m", "metacult", "scheduler"), {**drill_env, "LOG_LEVEL": "INFO"}, tmp_path / "log"
    ).start()
    due = f"{drill_env['REDIS_PREFIX']}:scheduler:due:write_signals"
    leader = f"{drill_env['REDIS_PREFIX']}:scheduler:leader"
    try:
        for restart in (own_redis.restart_empty, own_redis.restart_cleanly):
            client = redis.asyncio.Redis.from_url(own_redis.url)

            async def enqueued(client=client) -> bool:
                return bool(await client.exists(due)) and await client.ttl(leader) > 0

            assert await eventually(enqueued, within=30)
            await client.aclose()
            await restart()
            assert scheduler.running, scheduler.output()

        client = redis.asyncio.Redis.from_url(own_redis.url)
        assert await eventually(lambda: client.exists(due), within=30)
        await client.aclose()
        assert scheduler.running
    finally:
        code = await scheduler.stop()
    assert code == 0, scheduler.output()
    # Periodic enqueues are DEBUG lines; an INFO log does not repeat them every 2 s.
    assert "job enqueued" not in scheduler.output()
    assert "scheduler cannot reach Redis" in scheduler.output()
