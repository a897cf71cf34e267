"""Catalog: games, films and series. What other contexts may import from it.

Reads take a connection or the pool (anything with ``fetch``); they never write, except
:func:`save_title`, which saves a title as an import does (tests, benches), :func:`seed_demo`,
and :func:`set_community_score`, the "top rated" order that interaction keeps current.
Events (outbox), declared in ``catalog.events``: ``MEDIA_IMPORTED``, ``MEDIA_UPDATED``
(payload ``media_id``, ``kind``), ``IMPORT_REQUESTED`` and ``SEASON_ADDED`` (a refresh
brought a new season); seasons and episodes are read with :func:`seasons_of`,
:func:`get_episode`, :func:`episodes_airing` and :func:`releases_between` (``docs/events.md``).
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from metacult.catalog import service, store, tmdb
from metacult.catalog.browse import MAX_QUERY_LENGTH, SORTS, Filters, Sort
from metacult.catalog.episodes import (
    Episode,
    episodes_airing,
    get_episode,
    releases_between,
    seasons_of,
)
from metacult.catalog.events import IMPORT_REQUESTED, MEDIA_IMPORTED, MEDIA_UPDATED
from metacult.catalog.model import Media, MediaDraft, MediaNotFound, MediaSummary
from metacult.catalog.providers import ProviderError
from metacult.catalog.service import Listed, MediaPage
from metacult.catalog.store import Conn
from metacult.catalog.taxonomy import (
    GENRES,
    KINDS,
    LIBRARY_STATUSES,
    PLATFORMS,
    Kind,
    LibraryStatus,
)
from metacult.config import Settings

__all__ = [
    "GENRES",
    "IMPORT_REQUESTED",
    "KINDS",
    "LIBRARY_STATUSES",
    "MAX_QUERY_LENGTH",
    "MEDIA_IMPORTED",
    "MEDIA_UPDATED",
    "PLATFORMS",
    "SORTS",
    "Episode",
    "Filters",
    "Kind",
    "LibraryStatus",
    "Listed",
    "Media",
    "MediaDraft",
    "MediaNotFound",
    "MediaPage",
    "MediaSummary",
    "ProviderError",
    "Sort",
    "browse",
    "episodes_airing",
    "find_by_external_id",
    "get_episode",
    "get_media",
    "imdb_id",
    "import_by_imdb_id",
    "import_from_provider",
    "media_exists",
    "media_id_by_slug",
    "media_ids",
    "media_summaries",
    "releases_between",
    "save_title",
    "seasons_of",
    "seed_demo",
    "set_community_score",
    "setup",
]


async def get_media(conn: Conn, media_id: int) -> Media:
    """The whole title; raises :class:`MediaNotFound` (a 404) when there is none."""
    return await service.get_media(conn, media_id)


async def media_id_by_slug(conn: Conn, slug: str) -> int:
    """The id of the title at a slug URL; raises :class:`MediaNotFound` when there is none."""
    return await service.media_id_by_slug(conn, slug)


async def import_from_provider(
    db: asyncpg.Pool, settings: Settings, provider: str, kind: str, external_id: int
) -> int:
    """Import (or refresh) one title by its id at ``provider`` (``tmdb``, ``igdb``), as an
    admin import does; its media id. Raises :class:`ProviderError` when the provider fails
    or has no such title."""
    from metacult.catalog import imports

    return (await imports.import_title(db, settings, provider, kind, external_id)).media_id


async def import_by_imdb_id(
    db: asyncpg.Pool, settings: Settings, kind: str, imdb_id: str
) -> int | None:
    """Import (or refresh) the film or series TMDB knows by this IMDb id (``tt…``); its media
    id, or None when TMDB knows none. Raises :class:`ProviderError` when TMDB fails."""
    from metacult.catalog import imports

    saved = await imports.import_by_imdb_id(db, settings, kind, imdb_id)
    return saved.media_id if saved is not None else None


def imdb_id(value: object) -> str | None:
    """``value`` as an IMDb id (``tt0111161``), or None when it is not one."""
    return tmdb.imdb_id(value)


async def find_by_external_id(
    conn: Conn, kind: str, *, tmdb_id: int | None = None, imdb_id: str | None = None
) -> int | None:
    """The title of ``kind`` with this TMDB id, else with this IMDb id; None when none."""
    return await store.id_by_external_id(conn, kind, tmdb_id=tmdb_id, imdb_id=imdb_id)


async def media_exists(conn: Conn, media_id: int) -> str | None:
    """The title's kind (``game``, ``film``, ``series``), or None when there is no such title."""
    return await service.kind_of(conn, media_id)


async def media_summaries(conn: Conn, ids: Iterable[int]) -> dict[int, MediaSummary]:
    """Summaries of the titles that exist among ``ids``, by id (unknown ids are left out)."""
    return await service.media_summaries(conn, list(ids))


async def media_ids(
    conn: Conn,
    *,
    kind: str | None = None,
    genre: str | None = None,
    platform: str | None = None,
) -> list[int]:
    """Ids of every title in a scope (``kind``, ``genre`` slug, ``platform`` slug), ascending."""
    return await service.ids_in_scope(conn, kind=kind, genre=genre, platform=platform)


async def browse(
    conn: asyncpg.Connection, filters: Filters, sort: str | None, cursor: str | None, limit: int
) -> MediaPage:
    """One page of titles matching ``filters`` in ``sort`` order (``browse.SORTS``), after
    ``cursor``; raises a 422 for a bad sort, cursor, genre or platform. Call it in the
    transaction that reads the page's other data, so that they agree."""
    return await service.browse(conn, filters, sort, cursor, limit)


async def set_community_score(
    conn: asyncpg.Connection, media_id: int, *, score: float, votes: int
) -> None:
    """Store the score "top rated" sorts the title by, and how many ratings it rests on
    (interaction keeps it current, in the transaction that recounts the title)."""
    await service.set_community_score(conn, media_id, score, votes)


async def seed_demo(db: asyncpg.Pool) -> None:
    """Load the shipped demo titles that are not there yet (idempotent)."""
    await service.seed_demo(db)


async def save_title(conn: asyncpg.Connection, draft: MediaDraft) -> int:
    """Insert or update one title as an import does, in the caller's transaction; its id."""
    return (await service.save_draft(conn, draft)).media_id


def setup(app) -> None:  # type: ignore[no-untyped-def]
    """Register the catalogue's endpoints on the application."""
    from metacult.catalog.routes import api

    api.register(app)
