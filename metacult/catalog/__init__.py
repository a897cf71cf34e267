"""Catalog: games, films and series. What other contexts may import from it.

Reads take a connection or the pool (anything with ``fetch``); they never write, except
:func:`save_title`, which saves a title as an import does (the demo seed, tests, benches).
Events (outbox), declared in ``catalog.events``: ``MEDIA_IMPORTED``, ``MEDIA_UPDATED``
(payload ``media_id``, ``kind``) and ``IMPORT_REQUESTED`` (``docs/events.md``).
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from metacult.catalog import service, store
from metacult.catalog.events import IMPORT_REQUESTED, MEDIA_IMPORTED, MEDIA_UPDATED
from metacult.catalog.model import Media, MediaDraft, MediaNotFound, MediaSummary
from metacult.catalog.taxonomy import GENRES, KINDS, LIBRARY_STATUSES, PLATFORMS

__all__ = [
    "GENRES",
    "IMPORT_REQUESTED",
    "KINDS",
    "LIBRARY_STATUSES",
    "MEDIA_IMPORTED",
    "MEDIA_UPDATED",
    "PLATFORMS",
    "Media",
    "MediaDraft",
    "MediaNotFound",
    "MediaSummary",
    "get_media",
    "get_media_by_slug",
    "media_exists",
    "media_ids",
    "media_summaries",
    "save_title",
    "setup",
]


async def get_media(conn: store.Conn, media_id: int) -> Media:
    """The whole title; raises :class:`MediaNotFound` (a 404) when there is none."""
    return await service.get_media(conn, media_id)


async def get_media_by_slug(conn: store.Conn, slug: str) -> Media:
    """The title at a slug URL; raises :class:`MediaNotFound` when there is none."""
    return await service.get_media_by_slug(conn, slug)


async def media_exists(conn: store.Conn, media_id: int) -> str | None:
    """The title's kind (``game``, ``film``, ``series``), or None when there is no such title."""
    return await store.kind_of(conn, media_id)


async def media_summaries(conn: store.Conn, ids: Iterable[int]) -> dict[int, MediaSummary]:
    """Summaries of the titles that exist among ``ids``, by id (unknown ids are left out)."""
    return await service.media_summaries(conn, list(ids))


async def media_ids(
    conn: store.Conn,
    *,
    kind: str | None = None,
    genre: str | None = None,
    platform: str | None = None,
) -> list[int]:
    """Ids of every title in a scope (``kind``, ``genre`` slug, ``platform`` slug), ascending."""
    return await store.ids_in_scope(conn, kind=kind, genre=genre, platform=platform)


async def save_title(conn: asyncpg.Connection, draft: MediaDraft) -> int:
    """Insert or update one title as an import does, in the caller's transaction; its id."""
    return (await service.save_draft(conn, draft)).media_id


def setup(app) -> None:  # type: ignore[no-untyped-def]
    """Register the catalogue's endpoints on the application."""
    from metacult.catalog.routes import api

    api.register(app)
