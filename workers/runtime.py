"""What async actors share inside one worker process: the database pool, Redis, and what
contexts keep between actor calls (ranking's state).

Opened on first use on the worker's event loop thread (Dramatiq's AsyncIO
middleware), closed when the worker shuts down.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import asyncpg
import dramatiq
from redis.asyncio import Redis

from metacult.config import Settings
from metacult.infra.db import create_pool
from metacult.infra.redis import create_redis
from metacult.ranking.service import RankingState
from metacult.realtime import WorkerTimings


@dataclass(frozen=True)
class Resources:
    settings: Settings
    db: asyncpg.Pool
    redis: Redis
    ranking: RankingState = field(default_factory=RankingState)


_resources: Resources | None = None
_lock: asyncio.Lock | None = None


async def resources() -> Resources:
    """The worker's shared pool and Redis client, opened once."""
    global _resources, _lock
    if _resources is not None:
        return _resources
    if _lock is None:
        _lock = asyncio.Lock()
    async with _lock:
        if _resources is None:
            settings = Settings.from_env()
            pool = await create_pool(
                settings, min_size=1, command_timeout=settings.db_job_command_timeout
            )
            _resources = Resources(
                settings=settings,
                db=pool,
                redis=create_redis(settings),
                ranking=RankingState(timings=_worker_timings()),
            )
    return _resources


def _worker_timings() -> WorkerTimings | None:
    """The timings this worker process adds up for ``/metrics`` (its broker's middleware)."""
    from workers.broker import LivePathTimings

    for middleware in dramatiq.get_broker().middleware:
        if isinstance(middleware, LivePathTimings):
            return middleware.timings
    return None


def close_resources() -> None:
    """Close what :func:`resources` opened, on the worker's event loop."""
    global _resources, _lock
    from dramatiq.asyncio import get_event_loop_thread

    current, _resources, _lock = _resources, None, None
    thread = get_event_loop_thread()
    if current is None or thread is None:
        return

    async def close() -> None:
        await current.ranking.close()
        await current.db.close()
        await current.redis.aclose()

    thread.run_coroutine(close())
