"""Interaction: likes, ratings, library statuses, reviews, activity and signals.

What other contexts may use:

* ``await media_stats(conn, ids) -> dict[int, MediaStats]``: community counters of titles
  (likes, ratings_count, average, histogram of the ten half-star values, reviews_count);
  every id asked for is in the answer (zeros for a title nobody touched);
* ``await viewer_state(conn, user_id, media_id) -> ViewerState``: (liked, rating, status);
* ``await known_media(conn, user_id, kind) -> set[int]``: titles of that kind the user
  liked, rated or put in their library;
* ``await wanting_users(conn, media_id) -> list[int]``: who has the title in their wishlist
  (games) or watchlist (films, series); ``await wanted_media(conn) -> list[int]``: every
  title someone has there (commerce watches their prices);
* ``await recent_activity(conn, user_ids, before_id=None, limit=50) -> list[Activity]``: the
  latest actions of several users, newest first (a follow feed), each with its ``id``
  (the cursor), ``user_id``, ``type``, ``media_id``, ``kind``, ``review_id``, ``rating``,
  ``status`` and ``occurred_at``;
* ``await signals_per_second(redis, settings) -> float``: accepted signals per second over
  the last few seconds (the admin dashboard);
* ``await seed_demo_users(db, settings, count)``: demo users with histories (``seed``);
* ``await export_user_data(conn, user_id) -> dict``: everything held about a user;
* ``setup(app)``: registers the HTTP endpoints (with the history import and export,
  ``history_import``).

Events (outbox), declared in ``interaction.events`` and re-exported here: ``LIKED``,
``UNLIKED``, ``RATED``, ``UNRATED``, ``STATUS_CHANGED``, ``REVIEWED``, ``REVIEW_EDITED``,
``REVIEW_DELETED``, ``REVIEW_HIDDEN``, ``REVIEW_REPORTED``, ``REVIEW_LIKED``,
``REVIEW_UNLIKED`` (and ``COUNTED``, those that change a title's counters); every one
carries ``user_id``, ``media_id`` and the media's ``kind`` (``docs/events.md`` lists the
rest). Notification kinds (the inbox):
``HIDDEN_REVIEW_NOTICE``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg
from aiohttp import web
from redis.asyncio import Redis

from metacult.config import Settings
from metacult.interaction import (
    live,  # noqa: F401  (declares the list:{id} channel)
    service,
)
from metacult.interaction.events import (
    COUNTED,
    LIKED,
    RATED,
    REVIEW_DELETED,
    REVIEW_EDITED,
    REVIEW_HIDDEN,
    REVIEW_LIKED,
    REVIEW_REPORTED,
    REVIEW_UNLIKED,
    REVIEWED,
    STATUS_CHANGED,
    UNLIKED,
    UNRATED,
)
from metacult.interaction.notices import HIDDEN_REVIEW_NOTICE
from metacult.interaction.service import Activity, MediaStats, ViewerState

__all__ = [
    "COUNTED",
    "HIDDEN_REVIEW_NOTICE",
    "LIKED",
    "RATED",
    "REVIEWED",
    "REVIEW_DELETED",
    "REVIEW_EDITED",
    "REVIEW_HIDDEN",
    "REVIEW_LIKED",
    "REVIEW_REPORTED",
    "REVIEW_UNLIKED",
    "STATUS_CHANGED",
    "UNLIKED",
    "UNRATED",
    "Activity",
    "MediaStats",
    "ViewerState",
    "export_user_data",
    "known_media",
    "media_stats",
    "recent_activity",
    "seed_demo_users",
    "setup",
    "signals_per_second",
    "viewer_state",
    "viewer_states",
    "wanted_media",
    "wanting_users",
]


async def media_stats(conn: asyncpg.Connection, ids: Iterable[int]) -> dict[int, MediaStats]:
    """Counters of each title in ``ids`` (zeros for titles with no interaction yet)."""
    return await service.media_stats(conn, list(ids))


async def viewer_state(conn: asyncpg.Connection, user_id: int, media_id: int) -> ViewerState:
    """Whether the user liked the title, their rating (stars or None) and library status."""
    return await service.viewer_state(conn, user_id, media_id)


async def viewer_states(
    conn: asyncpg.Connection, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], ViewerState]:
    """``viewer_state`` of many (user, title) pairs at once, keyed by the pair."""
    return await service.viewer_states(conn, pairs)


async def known_media(conn: asyncpg.Connection, user_id: int, kind: str) -> set[int]:
    """Titles of ``kind`` the user liked, rated or has in their library."""
    return await service.known_media(conn, user_id, kind)


async def wanting_users(conn: asyncpg.Connection, media_id: int) -> list[int]:
    """Users who have the title in their wishlist or watchlist, ascending."""
    from metacult.interaction import store

    return await store.wanting_users(conn, media_id)


async def wanted_media(conn: asyncpg.Connection) -> list[int]:
    """Titles in someone's wishlist or watchlist, ascending."""
    from metacult.interaction import store

    return await store.wanted_media(conn)


async def recent_activity(
    conn: asyncpg.Connection,
    user_ids: Iterable[int],
    *,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Activity]:
    """The latest actions of ``user_ids`` (likes, ratings, library, reviews), newest first;
    pass the last item's ``id`` as ``before_id`` for the next page."""
    return await service.recent_activity(conn, list(user_ids), before_id, limit)


async def export_user_data(conn: asyncpg.Connection, user_id: int) -> dict[str, Any]:
    """The user's likes, ratings, library, reviews, review likes and signals."""
    return await service.export_user_data(conn, user_id)


async def signals_per_second(redis: Redis, settings: Settings) -> float:
    """Signals accepted per second lately (over the last few whole seconds)."""
    from metacult.interaction import signals

    return await signals.per_second(redis, settings, signals.now())


async def seed_demo_users(db: asyncpg.Pool, settings: Settings, count: int) -> str:
    """Create ``count`` demo users with realistic histories on the catalogue (idempotent)."""
    from metacult.interaction import demo

    return await demo.seed_demo_users(db, settings, count)


def setup(app: web.Application) -> None:
    """Register the interaction endpoints and the user data exporter on the app."""
    from metacult.interaction import episodes, history_import, import_routes, routes
    from metacult.typedefs import USER_DATA_EXPORTERS

    app.setdefault(USER_DATA_EXPORTERS, {})["interaction"] = export_user_data
    app[USER_DATA_EXPORTERS]["history"] = history_import.export_user_data
    routes.setup(app)
    episodes.setup(app)
    import_routes.setup(app)
