"""The dashboard's figures, gathered from their owners, and the one-node-per-tick publisher."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from metacult import identity, interaction, marketing, ranking, realtime
from metacult.config import Settings
from metacult.infra.queues import BrokerFigures
from metacult.infra.redis import rkey
from metacult.typedefs import BROKER_FIGURES, DB, REDIS, SETTINGS

log = logging.getLogger("metacult.admin")

DASHBOARD = "admin:dashboard"
STOP_TIMEOUT = 5.0


async def gather_stats(
    db: asyncpg.Pool, redis: Redis, settings: Settings, broker: BrokerFigures
) -> dict[str, Any]:
    """Every figure of the dashboard, now (the ``admin.stats`` message, without its type)."""
    async with db.acquire() as conn:
        votes = await ranking.votes_per_minute(conn)
        signups = await identity.signups_today(conn)
    queues = await broker.queues(redis, settings)
    return {
        "at": datetime.now(UTC),
        "realtime": await realtime.live_figures(redis, settings),
        "votes_per_minute": votes,
        "signals_per_second": await interaction.signals_per_second(redis, settings),
        "signups_today": signups,
        "ads": await marketing.live_stats(db, redis, settings),
        "queues": [
            {"name": q.name, "ready": q.ready, "delayed": q.delayed, "dead": q.dead} for q in queues
        ],
        "dead_letters": sum(q.dead for q in queues),
        "workers": [
            {"worker": beat.worker, "seconds_ago": beat.seconds_ago}
            for beat in await broker.heartbeats(redis, settings)
        ],
    }


async def _my_turn(redis: Redis, settings: Settings, interval: float) -> bool:
    """Does this node publish this tick? The first node to claim the tick does."""
    tick = int(time.time() / interval)
    key = rkey(settings, "admin", "stats-tick", str(tick))
    return bool(await redis.set(key, b"1", nx=True, ex=max(2, int(3 * interval))))


async def publish_while_watched(app: web.Application) -> None:
    """Every ``realtime_dashboard_interval``, while someone watches the dashboard, one node
    publishes ``admin.stats`` (the others find the tick claimed)."""
    settings = app[SETTINGS]
    interval = settings.realtime_dashboard_interval
    me = asyncio.current_task()
    # A library that swallowed our cancellation leaves it pending: stop at the next turn.
    while me is None or not me.cancelling():
        await asyncio.sleep(interval - time.time() % interval)
        try:
            if not await realtime.watched(app[REDIS], settings, DASHBOARD):
                continue
            if not await _my_turn(app[REDIS], settings, interval):
                continue
            stats = await gather_stats(app[DB], app[REDIS], settings, app[BROKER_FIGURES])
            await realtime.publish(
                app[REDIS], settings, DASHBOARD, {"type": "admin.stats", **stats}
            )
        except (RedisError, OSError, asyncpg.PostgresError, TimeoutError) as exc:
            # A timeout can stand in for a cancellation that raced it: stop then too.
            if me is not None and me.cancelling():
                raise asyncio.CancelledError from exc
            log.debug("admin stats not published", extra={"error": repr(exc)})


async def publisher(app: web.Application) -> AsyncIterator[None]:
    """The cleanup context that runs :func:`publish_while_watched`."""
    app[BROKER_FIGURES] = BrokerFigures()
    task = asyncio.create_task(publish_while_watched(app), name="admin-stats")
    yield
    task.cancel()
    # Bounded: shutdown never waits on a figure being read.
    done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT)
    if done:
        with contextlib.suppress(asyncio.CancelledError):
            task.result()
    else:
        log.warning("admin stats publisher did not stop in time")
