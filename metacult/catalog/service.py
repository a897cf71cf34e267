"""Catalogue use cases: seeding the demo titles, saving what providers describe, reading."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import asyncpg

from metacult.catalog import demo, store
from metacult.catalog.model import Media, MediaDraft, MediaNotFound, MediaSummary, slug_candidates
from metacult.catalog.taxonomy import GENRES, PLATFORMS, genre_name, platform_name
from metacult.infra.events import emit

log = logging.getLogger("metacult.catalog")

Outcome = Literal["imported", "updated", "unchanged"]

MEDIA_IMPORTED = "catalog.media_imported"
MEDIA_UPDATED = "catalog.media_updated"


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
        linked = (draft.tmdb_id is None or existing["tmdb_id"] == draft.tmdb_id) and (
            draft.igdb_id is None or existing["igdb_id"] == draft.igdb_id
        )
        if not draft.changes_from(existing) and linked:
            return Saved(existing["id"], draft.kind, "unchanged")
        await store.update_media(conn, existing["id"], draft)
        await emit(conn, MEDIA_UPDATED, {"media_id": existing["id"], "kind": draft.kind})
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
            await emit(conn, MEDIA_IMPORTED, {"media_id": media_id, "kind": draft.kind})
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
        await store.add_genres(conn, kind, genres)
    await store.add_platforms(conn, PLATFORMS)


async def seed_demo(db: asyncpg.Pool) -> SeedResult:
    """Load the shipped demo titles that are not there yet; fast when they all are."""
    drafts = demo.load()
    async with db.acquire() as conn, conn.transaction():
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


async def get_media_by_slug(conn: store.Conn, slug: str) -> Media:
    row = await store.media_by_slug(conn, slug)
    if row is None:
        raise MediaNotFound()
    return Media.from_row(row)


async def media_summaries(conn: store.Conn, ids: list[int]) -> dict[int, MediaSummary]:
    rows = await store.summaries(conn, list(dict.fromkeys(ids)))
    return {
        row["id"]: MediaSummary(
            id=row["id"],
            kind=row["kind"],
            title=row["title"],
            slug=row["slug"],
            year=row["year"],
            cover_url=row["cover_url"],
            genres=tuple(row["genres"]),
            platforms=tuple(row["platforms"]),
        )
        for row in rows
    }
