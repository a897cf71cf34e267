"""Every ``web.AppKey`` of the application, in one place."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import asyncpg
from aiohttp import web
from redis.asyncio import Redis

from metacult.config import Settings
from metacult.infra.auth import Authenticator, Principal
from metacult.infra.db import ReadPool

if TYPE_CHECKING:
    from metacult.identity.principals import Principals
    from metacult.identity.providers import Providers
    from metacult.identity.sessions import SessionStorage
    from metacult.infra.batching import Batched
    from metacult.infra.pagecache import PageCache
    from metacult.infra.queues import BrokerFigures
    from metacult.infra.remembered import Remembered
    from metacult.infra.web import Endpoint
    from metacult.interaction import ViewerState
    from metacult.ranking.service import RankingState
    from metacult.realtime.actions import Action
    from metacult.realtime.hub import Hub

UserDataExporter = Callable[[asyncpg.Connection, int], Awaitable[Any]]

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", asyncpg.Pool)
# Where read-only pages read: the replica, or the primary (DATABASE_REPLICA_URL unset or down).
DB_READ = web.AppKey("db_read", ReadPool)
REDIS = web.AppKey("redis", Redis)
AUTHENTICATOR = web.AppKey("authenticator", Authenticator)
# Endpoints with their declared request and reply types (the OpenAPI document's source).
ENDPOINTS = web.AppKey("endpoints", list["Endpoint"])
# The OpenAPI document, rendered once on first request (see metacult/apidocs.py).
OPENAPI_DOCUMENT = web.AppKey("openapi_document", bytes)
# Named readiness probes: each answers True when its dependency works.
READINESS = web.AppKey("readiness", dict)
# Answers given before any middleware (path → bytes of a JSON body): the liveness probe,
# which a load balancer asks every second and which needs no session, log line or CORS.
INSTANT_ANSWERS = web.AppKey("instant_answers", dict[str, bytes])
# Set when shutdown begins, so that readiness turns 503 before connections close.
SHUTTING_DOWN = web.AppKey("shutting_down", asyncio.Event)

# The realtime hub of this web process, and the websocket actions other contexts registered.
HUB: web.AppKey[Hub] = web.AppKey("realtime_hub")
REALTIME_ACTIONS: web.AppKey[dict[str, Action]] = web.AppKey("realtime_actions")

# Pages: the viewers' marks of titles, (user, title) → state, one query per loop turn.
VIEWER_MARKS: web.AppKey[Batched[tuple[int, int], ViewerState]] = web.AppKey("viewer_marks")
# Pages: the ids of titles' slugs (a slug names its title for good), remembered.
SLUG_IDS: web.AppKey[Remembered[int]] = web.AppKey("slug_ids")

# Identity: the browser session store; and per context, the user's data for the export
# (name → ``async fn(conn, user_id) -> JSON data``), filled by each context's ``setup``.
SESSIONS: web.AppKey[SessionStorage] = web.AppKey("identity_sessions")
# Identity: whom tokens speak for and accounts' roles, remembered (identity/principals.py).
PRINCIPALS: web.AppKey[Principals] = web.AppKey("identity_principals")
# Identity: the sign-in providers' HTTP client and cached metadata (Google, Discord).
OAUTH_PROVIDERS: web.AppKey[Providers] = web.AppKey("identity_oauth_providers")
USER_DATA_EXPORTERS: web.AppKey[dict[str, UserDataExporter]] = web.AppKey("user_data_exporters")
# Interaction: the history as files (``/api/v1/me/export?format=letterboxd|csv``), a ZIP's bytes.
HISTORY_EXPORTER: web.AppKey[Callable[[web.Application, int, str], Awaitable[bytes]]] = web.AppKey(
    "history_exporter"
)

# Ranking: what this web process keeps between requests (catalogue reads, background tasks).
RANKING_STATE: web.AppKey[RankingState] = web.AppKey("ranking_state")

# Read path: the rendered public pages this web process keeps (metacult/infra/pagecache.py).
PAGE_CACHE: web.AppKey[PageCache] = web.AppKey("page_cache")
# Admin: the Dramatiq broker's figures for the dashboard (it remembers the queues it found).
BROKER_FIGURES: web.AppKey[BrokerFigures] = web.AppKey("admin_broker_figures")

# The caller of the current request, resolved once (None: anonymous).
PRINCIPAL = web.RequestKey("principal", Principal | None)
