"""A message whose worker is SIGKILLed mid-run is run again by another worker, soon."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis.asyncio
from dramatiq import Message
from dramatiq.brokers.redis import RedisBroker

from tests import random_refs
from tests.drills.actors import runs_key
from tests.drills.servers import Process, RedisServer, dramatiq_workers
from tests.helpers import eventually
from workers.broker import HEARTBEAT_TIMEOUT_MS

pytestmark = pytest.mark.slow

WORKER = dramatiq_workers("tests.drills.actors")


async def test_a_killed_workers_message_runs_again_on_another_worker(
    own_redis: RedisServer, drill_env: dict[str, str], tmp_path: Path
) -> None:
    token = random_refs.suffix()
    runs = runs_key(drill_env["REDIS_PREFIX"], token)
    client = redis.asyncio.Redis.from_url(own_redis.url)
    first = await Process(WORKER, drill_env, tmp_path / "first.log").start()
    second = Process(WORKER, drill_env, tmp_path / "second.log")
    try:
        sender = RedisBroker(url=own_redis.url, namespace=f"{drill_env['REDIS_PREFIX']}-dramatiq")
        sender.declare_queue("default")
        sender.enqueue(
            Message(
                queue_name="default",
                actor_name="hold_then_record",
                args=(token,),
                kwargs={},
                options={},
            )
        )
        sender.close()

        async def started() -> bool:
            return await client.llen(runs) == 1

        assert await eventually(started, within=30)
        # The second worker starts once the first holds the message, and then the
        # first is killed under it: only the second can run it again.
        await second.start()
        assert await eventually(lambda: _heartbeats(client, drill_env["REDIS_PREFIX"], 2))
        first.kill()
        await first.wait_killed()
        killed_at = time.time()

        async def rerun() -> bool:
            return await client.llen(runs) >= 2

        assert await eventually(rerun, within=HEARTBEAT_TIMEOUT_MS / 1000 + 50)
        rerun_at = float(await client.lindex(runs, 1))
        print(f"\nkilled worker's message ran again after {rerun_at - killed_at:.1f} s")
        assert second.running, second.output()
    finally:
        await client.aclose()
        first.kill()
        second.kill()


async def _heartbeats(client: redis.asyncio.Redis, prefix: str, count: int) -> bool:
    """Whether ``count`` worker processes beat on the broker."""
    return await client.zcard(f"{prefix}-dramatiq:__heartbeats__") >= count
