"""The scheduler process: enqueues periodic actors; one leader at a time across nodes."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import dramatiq

from metacult.config import Settings
from metacult.infra.redis import create_redis, rkey

log = logging.getLogger("metacult.scheduler")

LEASE_S = 30
TICK_S = 1.0


@dataclass(frozen=True)
class Periodic:
    """Send ``actor`` every ``every_s`` seconds (with no arguments)."""

    actor: dramatiq.Actor
    every_s: float


JOBS: list[Periodic] = []


def every(seconds: float):
    """Register an actor as a periodic job: ``@every(3600)`` above ``@dramatiq.actor``."""

    def register(actor: dramatiq.Actor) -> dramatiq.Actor:
        JOBS.append(Periodic(actor, seconds))
        return actor

    return register


async def run_scheduler(settings: Settings) -> None:
    """Hold the leader lease in Redis and, while leader, enqueue each job when it is due."""
    import workers  # noqa: F401  (registers every actor and its schedule)

    redis = create_redis(settings)
    lease_key = rkey(settings, "scheduler", "leader")
    me = f"{id(redis)}-{time.time()}"
    try:
        while True:
            leader = await redis.set(lease_key, me, nx=True, ex=LEASE_S)
            if not leader and (await redis.get(lease_key) or b"").decode() == me:
                await redis.expire(lease_key, LEASE_S)
                leader = True
            if leader:
                for job in JOBS:
                    due_key = rkey(settings, "scheduler", "due", job.actor.actor_name)
                    # SET NX with the period as expiry: due once per period across restarts.
                    if await redis.set(due_key, "1", nx=True, px=int(job.every_s * 1000)):
                        await asyncio.to_thread(job.actor.send)
                        log.info("job enqueued", extra={"actor": job.actor.actor_name})
            await asyncio.sleep(TICK_S)
    finally:
        await redis.aclose()
