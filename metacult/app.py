"""The aiohttp application factory: wires infrastructure, contexts, middlewares and static files."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from metacult import (
    admin,
    apidocs,
    catalog,
    commerce,
    discovery,
    gamification,
    health,
    identity,
    interaction,
    marketing,
    pages,
    ranking,
    realtime,
    webapp,
)
from metacult.config import Settings
from metacult.infra import outbox
from metacult.infra.auth import nobody
from metacult.infra.cors import cors
from metacult.infra.db import ReplicaMetrics, create_pool, create_read_pool
from metacult.infra.pagecache import PageCache
from metacult.infra.redis import create_redis
from metacult.infra.web import PARSER_LIMITS, errors_as_json, request_context
from metacult.typedefs import (
    AUTHENTICATOR,
    DB,
    DB_READ,
    ENDPOINTS,
    HUB,
    INSTANT_ANSWERS,
    PAGE_CACHE,
    READINESS,
    REDIS,
    SETTINGS,
    SHUTTING_DOWN,
    USER_DATA_EXPORTERS,
)

log = logging.getLogger("metacult.app")

POOL_CLOSE_TIMEOUT = 2.0
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def create_app(settings: Settings, *, relay: bool = True) -> web.Application:
    """Build the application; ``relay=False`` leaves the outbox relay to other nodes."""
    app = web.Application(
        middlewares=[request_context, cors, errors_as_json],
        client_max_size=settings.max_body_bytes,
        handler_args=PARSER_LIMITS,
    )
    app[SETTINGS] = settings
    app[AUTHENTICATOR] = nobody
    app[ENDPOINTS] = []
    app[READINESS] = {}
    app[INSTANT_ANSWERS] = {}
    app[USER_DATA_EXPORTERS] = {}
    app[SHUTTING_DOWN] = asyncio.Event()
    # Versions are memoised while the hub heard its canary lately (it comes every interval).
    app[PAGE_CACHE] = PageCache(
        settings.page_cache_entries,
        settings.page_cache_ttl,
        trust_for=2 * settings.realtime_canary_interval,
    )

    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_redis)
    if relay:
        app.cleanup_ctx.append(_outbox_relay)
    app.on_shutdown.append(_begin_shutdown)

    health.api.register(app)
    health.install_default_probes(app)
    health.answer_liveness_first(app)
    identity.setup(app)
    realtime.setup(app)
    app.cleanup_ctx.append(_replica_metrics)
    catalog.setup(app)
    ranking.setup(app)
    interaction.setup(app)
    gamification.setup(app)
    discovery.setup(app)
    marketing.setup(app)
    commerce.setup(app)
    pages.setup(app)
    admin.setup(app)
    apidocs.setup(app)
    webapp.setup(app)
    _static(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    app[DB] = await create_pool(app[SETTINGS])
    app[DB_READ] = await create_read_pool(app[SETTINGS], app[DB])
    lag_watch = asyncio.create_task(app[DB_READ].watch_lag(), name="replica-lag")
    yield
    lag_watch.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await lag_watch
    await app[DB_READ].close()
    try:
        # Waits for borrowed connections to come back, but not forever: shutdown is bounded.
        async with asyncio.timeout(POOL_CLOSE_TIMEOUT):
            await app[DB].close()
    except TimeoutError:
        log.warning("database connections still borrowed at shutdown; terminating them")
        app[DB].terminate()


async def _replica_metrics(app: web.Application) -> AsyncIterator[None]:
    """The read replica's lag and fallbacks on this node's /metrics (the hub's registry)."""
    app[HUB].metrics.registry.register(ReplicaMetrics(app[DB_READ]))
    yield


async def _redis(app: web.Application) -> AsyncIterator[None]:
    app[REDIS] = create_redis(app[SETTINGS])
    yield
    await app[REDIS].aclose()


async def _outbox_relay(app: web.Application) -> AsyncIterator[None]:
    from workers.events import consumers_of, dispatch, resend

    settings = app[SETTINGS]
    relay = outbox.run_relay(
        app[DB],
        settings.database_url,
        dispatch,
        consumers=consumers_of,
        resend=resend,
        resend_after=settings.outbox_resend_after,
        connect_timeout=settings.db_connect_timeout,
        observe=lambda seconds: _observe_relay(app, seconds),
    )
    task = asyncio.create_task(relay, name="outbox-relay")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _observe_relay(app: web.Application, seconds: float) -> None:
    """Commit → enqueue, on ``/metrics`` (the hub, which shows it, starts after the relay)."""
    hub = app.get(HUB)
    if hub is not None:
        hub.metrics.commit_to_enqueue.observe(seconds)


async def _begin_shutdown(app: web.Application) -> None:
    app[SHUTTING_DOWN].set()


def _static(app: web.Application) -> None:
    async def favicon(request: web.Request) -> web.FileResponse:
        # Browsers ask for /favicon.ico whatever the page links: a 404 in every log otherwise.
        return web.FileResponse(
            STATIC_DIR / "favicon.ico", headers={"Cache-Control": "public, max-age=86400"}
        )

    app.router.add_get("/favicon.ico", favicon)
    app.router.add_static("/static/", STATIC_DIR, name="static")
