"""The scheduler process: enqueues periodic actors; one leader at a time across nodes.

It rides out Redis outages: a tick that cannot reach Redis (the lease, the due marks or
the broker) is logged once, retried with backoff, and the schedule resumes when Redis
answers again, even when it comes back empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass

import dramatiq
from redis.asyncio import Redis
from redis.exceptions import RedisError

from metacult.config import Settings
from metacult.infra.redis import create_redis, rkey

log = logging.getLogger("metacult.scheduler")

LEASE_S = 30
TICK_S = 1.0
MAX_BACKOFF_S = 10.0

# Take the lease when it is free, or extend it when we hold it: one atomic step, so that
# a lease that expires between a GET and an EXPIRE is never extended for another holder.
_HOLD_LEASE = """
local holder = redis.call('GET', KEYS[1])
if not holder then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
    return 1
end
if holder == ARGV[1] then
    redis.call('EXPIRE', KEYS[1], ARGV[2])
    return 1
end
return 0
"""

# Give the lease back at shutdown, only if it is still ours: the next leader starts at once.
_RELEASE_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


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
    me = uuid.uuid4().hex
    backoff = TICK_S
    failing = False
    try:
        while True:
            try:
                await _tick(redis, settings, lease_key, me)
            except (RedisError, OSError) as exc:
                # Redis (or the broker on it) is away: wait and try again, never exit.
                if not failing:
                    log.warning("scheduler cannot reach Redis", extra={"error": repr(exc)})
                failing = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            if failing:
                log.info("scheduler reaches Redis again; schedule resumed")
            failing, backoff = False, TICK_S
            await asyncio.sleep(TICK_S)
    finally:
        with contextlib.suppress(RedisError, OSError):
            async with asyncio.timeout(1):
                await redis.eval(_RELEASE_LEASE, 1, lease_key, me)
        await redis.aclose()


async def _tick(redis: Redis, settings: Settings, lease_key: str, me: str) -> None:
    if not await redis.eval(_HOLD_LEASE, 1, lease_key, me, LEASE_S):
        return
    for job in JOBS:
        due_key = rkey(settings, "scheduler", "due", job.actor.actor_name)
        # SET NX with the period as expiry: due once per period across restarts.
        if not await redis.set(due_key, "1", nx=True, px=int(job.every_s * 1000)):
            continue
        try:
            await asyncio.to_thread(job.actor.send)
        except Exception:
            # Not sent: due again at the next tick, not a whole period later.
            with contextlib.suppress(RedisError, OSError):
                await redis.delete(due_key)
            raise
        log.debug("job enqueued", extra={"actor": job.actor.actor_name})
