"""Catalogue use cases: seeding the demo titles, saving what providers describe, reading."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import asyncpg

from metacult.catalog import covers, demo, store, views
from metacult.catalog.browse import Filters, Position, decode_cursor, default_sort, encode_cursor
from metacult.catalog.events import MEDIA_IMPORTED, MEDIA_UPDATED, MediaPayload
from metacult.catalog.model import (
    Genre,
    Media,
    MediaDraft,
    MediaNotFound,
    MediaSummary,
    Platform,
    slug_candidates,
)
from metacult.catalog.taxonomy import GENRES, PLATFORMS, genre_name, platform_name
from metacult.infra.errors import invalid_field
from metacult.infra.events import emit

log = logging.getLogger("metacult.catalog")

Outcome = Literal["imported", "updated", "unchanged"]

SEED_LOCK = 0x4D43_5345_4544  # "MCSEED"


@dataclass(frozen=True)
class Saved:
    media_id: int
    kind: str
    outcome: Outcome


async def save_draft(conn: asyncpg.Connection, draft: MediaDraft) -> Saved:
    """Insert or update one title in the caller's transaction; a re-import changes nothing.

    A title is found by its provider id first, then by kind, name and year among titles
    not yet linked to that provider (the demo titles), so imports create no twins.
    """
    await _remember_vocabulary(conn, draft)
    existing = await store.lock_by_external_id(conn, draft)
    if existing is None:
        existing = await store.lock_unlinked_namesake(conn, draft)
    if existing is not None:
        linked = (
            (draft.tmdb_id is None or existing["tmdb_id"] == draft.tmdb_id)
            and (draft.igdb_id is None or existing["igdb_id"] == draft.igdb_id)
            and (draft.imdb_id is None or existing["imdb_id"] == draft.imdb_id)
        )
        if not draft.changes_from(existing) and linked:
            return Saved(existing["id"], draft.kind, "unchanged")
        await store.update_media(conn, existing["id"], draft)
        await emit(conn, MEDIA_UPDATED, MediaPayload(media_id=existing["id"], kind=draft.kind))
        return Saved(existing["id"], draft.kind, "updated")
    for slug in slug_candidates(draft):
        # A savepoint: a provider id inserted meanwhile by a concurrent import must not
        # abort the caller's transaction; it is then found and updated instead.
        try:
            async with conn.transaction():
                media_id = await store.insert_media(conn, draft, slug)
        except asyncpg.UniqueViolationError:
            return await save_draft(conn, draft)
        if media_id is not None:
            await emit(conn, MEDIA_IMPORTED, MediaPayload(media_id=media_id, kind=draft.kind))
            return Saved(media_id, draft.kind, "imported")
    raise RuntimeError(f"no free slug for {draft.title!r}")


async def _remember_vocabulary(conn: asyncpg.Connection, draft: MediaDraft) -> None:
    """Make sure the draft's genres and platforms exist in the reference tables."""
    unknown_genres = {
        slug: genre_name(draft.kind, slug)
        for slug in draft.genres
        if slug not in GENRES.get(draft.kind, {})
    }
    unknown_platforms = {
        slug: platform_name(slug) for slug in draft.platforms if slug not in PLATFORMS
    }
    await store.add_genres(conn, draft.kind, unknown_genres)
    await store.add_platforms(conn, unknown_platforms)


@dataclass(frozen=True)
class SeedResult:
    titles: int
    inserted: int


async def seed_vocabulary(conn: asyncpg.Connection) -> None:
    """The known genres and platforms (idempotent)."""
    for kind, genres in GENRES.items():
        await store.add_genres(conn, kind, genres, rename=True)
    await store.add_platforms(conn, PLATFORMS)


async def seed_demo(db: asyncpg.Pool) -> SeedResult:
    """Load the shipped demo titles that are not there yet; fast when they all are."""
    drafts = demo.load()
    async with db.acquire() as conn, conn.transaction():
        # Several nodes may start at once: one seeds, the others then find nothing to do.
        await store.lock_for_seeding(conn, SEED_LOCK)
        await seed_vocabulary(conn)
        missing = await store.missing_natural_keys(conn, drafts)
        for position in missing:
            await save_draft(conn, drafts[position])
    log.info("demo catalogue seeded", extra={"titles": len(drafts), "inserted": len(missing)})
    return SeedResult(titles=len(drafts), inserted=len(missing))


# Reads other contexts and the routes use.


async def get_media(conn: store.Conn, media_id: int) -> Media:
    row = await store.media_by_id(conn, media_id)
    if row is None:
        raise MediaNotFound()
    return Media.from_row(row)


async def media_id_by_slug(conn: store.Conn, slug: str) -> int:
    media_id = await store.media_id_by_slug(conn, slug)
    if media_id is None:
        raise MediaNotFound()
    return media_id


async def generated_cover(conn: store.Conn, media_id: int) -> str:
    """The title's generated cover (an SVG), whether or not it has an image of its own."""
    rows = await store.summaries(conn, [media_id])
    if not rows:
        raise MediaNotFound()
    row = rows[0]
    return covers.cover_svg(row["id"], row["kind"], row["title"], row["year"])


async def media_summaries(conn: store.Conn, ids: list[int]) -> dict[int, MediaSummary]:
    rows = await store.summaries(conn, list(dict.fromkeys(ids)))
    return {row["id"]: MediaSummary.from_row(row) for row in rows}


async def kind_of(conn: store.Conn, media_id: int) -> str | None:
    return await store.kind_of(conn, media_id)


async def ids_in_scope(
    conn: store.Conn, *, kind: str | None, genre: str | None, platform: str | None
) -> list[int]:
    return await store.ids_in_scope(conn, kind=kind, genre=genre, platform=platform)


async def set_community_score(
    conn: asyncpg.Connection, media_id: int, score: float, votes: int
) -> None:
    """Store the score "top rated" sorts the title by, and the ratings it rests on."""
    await store.save_score(conn, media_id, score, votes)


# Browsing and searching.


@dataclass(frozen=True, slots=True)
class Listed:
    """One title of a browse page."""

    media: MediaSummary
    original_title: str | None
    runtime_minutes: int | None
    seasons: int | None


@dataclass(frozen=True, slots=True)
class MediaPage:
    items: list[Listed]
    next_cursor: str | None


async def browse(
    conn: asyncpg.Connection, filters: Filters, sort: str | None, cursor: str | None, limit: int
) -> MediaPage:
    """One page of titles matching ``filters``, in ``sort`` order, after ``cursor``."""
    sort = sort or default_sort(filters)
    if sort == "relevance" and not filters.q:
        raise invalid_field("sort", "relevance needs a search (q)")
    after = decode_cursor(cursor, sort) if cursor else None
    if filters.genre and not await store.genre_known(conn, filters.genre):
        raise invalid_field("genre", f"no genre {filters.genre!r}")
    if filters.platform and not await store.platform_known(conn, filters.platform):
        raise invalid_field("platform", f"no platform {filters.platform!r}")
    rows = await views.browse(conn, filters, sort, after, limit + 1)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(Position(sort, views.key_of(rows[-1], sort)))
    return MediaPage(
        items=[
            Listed(
                media=MediaSummary.from_row(row),
                original_title=row["original_title"],
                runtime_minutes=row["runtime_minutes"],
                seasons=row["seasons"],
            )
            for row in rows
        ],
        next_cursor=next_cursor,
    )


async def vocabulary(db: asyncpg.Pool, kind: str | None) -> tuple[list[Genre], list[Platform]]:
    """The genres (of a kind, or all) and the platforms, for filter menus."""
    async with db.acquire() as conn:
        genres, platforms = await store.genres(conn, kind), await store.platforms(conn)
    return (
        [Genre(kind=row["kind"], slug=row["slug"], name=row["name"]) for row in genres],
        [Platform(slug=row["slug"], name=row["name"]) for row in platforms],
    )
