"""The Dramatiq broker's figures, read from Redis: queue depths, dead letters, workers.

The broker (``workers/broker.py``) keeps, under its namespace ``{prefix}-dramatiq``, a list
of message ids per queue (``{ns}:{queue}``, delayed ones in ``{ns}:{queue}.DQ``), the
dead-lettered messages in a sorted set ``{ns}:{queue}.XQ``, and the last heartbeat of
every broker client (each worker process polls about every second) in the sorted set
``{ns}:__heartbeats__`` (milliseconds). This module only reads them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from metacult.config import Settings

# The queue every actor uses today; others are found by a scan, redone this often.
KNOWN_QUEUES = ("default",)
RESCAN_S = 30.0
# A broker client whose last heartbeat is older is counted as gone (the broker's own
# HEARTBEAT_TIMEOUT_MS, after which its messages go to other workers).
HEARTBEAT_TIMEOUT_S = 10.0


def namespace(settings: Settings) -> str:
    return f"{settings.redis_prefix}-dramatiq"


@dataclass(frozen=True, slots=True)
class QueueDepth:
    name: str
    ready: int
    delayed: int
    dead: int


@dataclass(frozen=True, slots=True)
class Heartbeat:
    worker: str
    seconds_ago: float


class BrokerFigures:
    """Reads the figures; remembers the queue names it found between scans."""

    def __init__(self) -> None:
        self._queues: set[str] = set(KNOWN_QUEUES)
        self._scanned_at = 0.0

    async def queues(self, redis: Redis, settings: Settings) -> list[QueueDepth]:
        """Every queue's ready, delayed and dead-lettered messages."""
        ns = namespace(settings)
        if time.monotonic() - self._scanned_at > RESCAN_S:
            self._scanned_at = time.monotonic()
            async for key in redis.scan_iter(match=f"{ns}:*.msgs", count=1000):
                name = key.decode().removeprefix(f"{ns}:").removesuffix(".msgs")
                for suffix in (".DQ", ".XQ"):
                    name = name.removesuffix(suffix)
                if name and not name.startswith("__"):
                    self._queues.add(name)
        names = sorted(self._queues)
        async with redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.llen(f"{ns}:{name}")
                pipe.llen(f"{ns}:{name}.DQ")
                pipe.zcard(f"{ns}:{name}.XQ")
            counts = await pipe.execute()
        return [
            QueueDepth(name, *counts[index * 3 : index * 3 + 3]) for index, name in enumerate(names)
        ]

    async def heartbeats(self, redis: Redis, settings: Settings) -> list[Heartbeat]:
        """The broker clients (worker processes) heard from lately, most recent first."""
        now_ms = time.time() * 1000
        since = now_ms - HEARTBEAT_TIMEOUT_S * 1000
        beats = await redis.zrevrangebyscore(
            f"{namespace(settings)}:__heartbeats__", "+inf", since, withscores=True
        )
        return [
            Heartbeat(worker.decode(), round(max(0.0, now_ms - at) / 1000, 1))
            for worker, at in beats
        ]
