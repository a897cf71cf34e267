"""SQL for the catalogue's tables (media, genres, platforms, catalog_imports), nothing else."""

from __future__ import annotations

from typing import Any

import asyncpg

from metacult.catalog.model import MediaDraft

Conn = asyncpg.Connection | asyncpg.Pool

MEDIA_COLUMNS = """
    id, kind, title, slug, original_title, year, release_date, synopsis, genres, platforms,
    runtime_minutes, seasons, cover_url, backdrop_url, tmdb_id, igdb_id, imdb_id, popularity,
    created_at, updated_at
"""
SUMMARY_COLUMNS = "id, kind, title, slug, year, cover_url, genres, platforms"


async def media_by_id(conn: Conn, media_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {MEDIA_COLUMNS} FROM media WHERE id = $1", media_id)


async def media_id_by_slug(conn: Conn, slug: str) -> int | None:
    return await conn.fetchval("SELECT id FROM media WHERE slug = $1", slug)


async def summaries(conn: Conn, ids: list[int]) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {SUMMARY_COLUMNS} FROM media WHERE id = ANY($1::bigint[])", ids
    )


async def kind_of(conn: Conn, media_id: int) -> str | None:
    return await conn.fetchval("SELECT kind FROM media WHERE id = $1", media_id)


async def ids_in_scope(
    conn: Conn, *, kind: str | None, genre: str | None, platform: str | None
) -> list[int]:
    return [
        row["id"]
        for row in await conn.fetch(
            """
            SELECT id FROM media
            WHERE ($1::text IS NULL OR kind = $1)
              AND ($2::text IS NULL OR genres @> ARRAY[$2::text])
              AND ($3::text IS NULL OR platforms @> ARRAY[$3::text])
            ORDER BY id
            """,
            kind,
            genre,
            platform,
        )
    ]


async def missing_natural_keys(conn: Conn, drafts: list[MediaDraft]) -> list[int]:
    """Positions in ``drafts`` of the titles the catalogue does not hold (kind, title, year)."""
    rows = await conn.fetch(
        """
        SELECT d.position - 1 AS position
        FROM unnest($1::text[], $2::text[], $3::int[])
             WITH ORDINALITY AS d(kind, title, year, position)
        WHERE NOT EXISTS (
            SELECT 1 FROM media m
            WHERE m.kind = d.kind AND m.title_key = catalog_fold(d.title)
              AND m.year IS NOT DISTINCT FROM d.year
        )
        ORDER BY d.position
        """,
        [draft.kind for draft in drafts],
        [draft.title for draft in drafts],
        [draft.year for draft in drafts],
    )
    return [row["position"] for row in rows]


async def lock_by_external_id(conn: Conn, draft: MediaDraft) -> asyncpg.Record | None:
    """The title with the draft's provider id, locked for the rest of the transaction."""
    if draft.igdb_id is not None:
        return await conn.fetchrow(
            f"SELECT {MEDIA_COLUMNS} FROM media WHERE igdb_id = $1 FOR UPDATE", draft.igdb_id
        )
    if draft.tmdb_id is not None:
        return await conn.fetchrow(
            f"SELECT {MEDIA_COLUMNS} FROM media WHERE kind = $1 AND tmdb_id = $2 FOR UPDATE",
            draft.kind,
            draft.tmdb_id,
        )
    return None


async def id_by_external_id(
    conn: Conn, kind: str, *, tmdb_id: int | None = None, imdb_id: str | None = None
) -> int | None:
    """The title of ``kind`` with this TMDB id, else with this IMDb id (the most popular)."""
    if tmdb_id is not None:
        found = await conn.fetchval(
            "SELECT id FROM media WHERE kind = $1 AND tmdb_id = $2", kind, tmdb_id
        )
        if found is not None:
            return found
    if imdb_id is not None:
        return await conn.fetchval(
            "SELECT id FROM media WHERE kind = $1 AND imdb_id = $2"
            " ORDER BY popularity DESC, id LIMIT 1",
            kind,
            imdb_id,
        )
    return None


async def lock_unlinked_namesake(conn: Conn, draft: MediaDraft) -> asyncpg.Record | None:
    """A title of the same kind, name and year not yet linked to the draft's provider.

    An import then completes the demo title instead of creating its twin.
    """
    return await conn.fetchrow(
        f"""
        SELECT {MEDIA_COLUMNS} FROM media
        WHERE kind = $1 AND title_key = catalog_fold($2) AND year IS NOT DISTINCT FROM $3
          AND (($4 AND igdb_id IS NULL) OR (NOT $4 AND tmdb_id IS NULL))
        ORDER BY id
        LIMIT 1
        FOR UPDATE
        """,
        draft.kind,
        draft.title,
        draft.year,
        draft.igdb_id is not None,
    )


def _provider_fields(draft: MediaDraft) -> tuple[Any, ...]:
    """What a provider owns about a title, in the column order of the two queries below."""
    return (
        draft.title,
        draft.original_title or None,
        draft.year,
        draft.release_date,
        draft.synopsis,
        list(draft.genres),
        list(draft.platforms),
        draft.runtime_minutes,
        draft.seasons,
        draft.cover_url or None,
        draft.backdrop_url or None,
        draft.popularity,
        draft.tmdb_id,
        draft.igdb_id,
        draft.imdb_id,
    )


async def insert_media(conn: Conn, draft: MediaDraft, slug: str) -> int | None:
    """Insert a title under ``slug``; None when the slug is taken."""
    return await conn.fetchval(
        """
        INSERT INTO media (kind, slug, title, original_title, year, release_date, synopsis,
                           genres, platforms, runtime_minutes, seasons, cover_url,
                           backdrop_url, popularity, tmdb_id, igdb_id, imdb_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
        ON CONFLICT (slug) DO NOTHING
        RETURNING id
        """,
        draft.kind,
        slug,
        *_provider_fields(draft),
    )


async def update_media(conn: Conn, media_id: int, draft: MediaDraft) -> None:
    """Overwrite what a provider owns (never the slug), and link its id."""
    await conn.execute(
        """
        UPDATE media SET
            title = $2, original_title = $3, year = $4, release_date = $5, synopsis = $6,
            genres = $7, platforms = $8, runtime_minutes = $9, seasons = $10,
            cover_url = $11, backdrop_url = $12, popularity = $13,
            tmdb_id = coalesce($14, tmdb_id), igdb_id = coalesce($15, igdb_id),
            imdb_id = coalesce($16, imdb_id), updated_at = now()
        WHERE id = $1
        """,
        media_id,
        *_provider_fields(draft),
    )


async def link_external_id(conn: Conn, media_id: int, draft: MediaDraft) -> None:
    await conn.execute(
        "UPDATE media SET tmdb_id = coalesce($2, tmdb_id), igdb_id = coalesce($3, igdb_id),"
        " updated_at = now() WHERE id = $1",
        media_id,
        draft.tmdb_id,
        draft.igdb_id,
    )


async def add_genres(
    conn: Conn, kind: str, genres: dict[str, str], *, rename: bool = False
) -> None:
    """Record genre slugs (with a display name) for a kind; known ones are left as they are,
    or given these names with ``rename`` (our own vocabulary's, which wins)."""
    if genres:
        conflict = (
            "DO UPDATE SET name = EXCLUDED.name WHERE genres.name <> EXCLUDED.name"
            if rename
            else "DO NOTHING"
        )
        await conn.execute(
            "INSERT INTO genres (kind, slug, name) SELECT $1, * FROM unnest($2::text[], $3::text[])"
            f" ON CONFLICT (kind, slug) {conflict}",
            kind,
            list(genres),
            list(genres.values()),
        )


async def add_platforms(conn: Conn, platforms: dict[str, str]) -> None:
    if platforms:
        await conn.execute(
            "INSERT INTO platforms (slug, name) SELECT * FROM unnest($1::text[], $2::text[])"
            " ON CONFLICT DO NOTHING",
            list(platforms),
            list(platforms.values()),
        )


async def genres(conn: Conn, kind: str | None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT kind, slug, name FROM genres WHERE $1::text IS NULL OR kind = $1"
        " ORDER BY kind, name",
        kind,
    )


async def platforms(conn: Conn) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT slug, name FROM platforms ORDER BY name")


async def genre_known(conn: Conn, slug: str) -> bool:
    return bool(await conn.fetchval("SELECT true FROM genres WHERE slug = $1 LIMIT 1", slug))


async def platform_known(conn: Conn, slug: str) -> bool:
    return bool(await conn.fetchval("SELECT true FROM platforms WHERE slug = $1", slug))


# Imports started by admins.


async def create_import(
    conn: Conn, provider: str, kind: str, first_page: int, pages: int, requested_by: int | None
) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO catalog_imports (provider, kind, first_page, pages, requested_by)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING *",
        provider,
        kind,
        first_page,
        pages,
        requested_by,
    )


async def get_import(conn: Conn, import_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM catalog_imports WHERE id = $1", import_id)


async def recent_imports(conn: Conn, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM catalog_imports ORDER BY id DESC LIMIT $1", limit)


async def start_import(conn: Conn, import_id: int) -> asyncpg.Record | None:
    """Mark an import running; None when it already finished (a redelivered message)."""
    return await conn.fetchrow(
        "UPDATE catalog_imports SET status = 'running', updated_at = now()"
        " WHERE id = $1 AND status IN ('queued', 'running') RETURNING *",
        import_id,
    )


async def record_page(conn: Conn, import_id: int, page: int, counts: dict[str, int]) -> Any:
    """Add one page's counts, once per page (pages are done in order)."""
    return await conn.fetchrow(
        """
        UPDATE catalog_imports SET
            pages_done = pages_done + 1, imported = imported + $3, updated = updated + $4,
            unchanged = unchanged + $5, failed = failed + $6, updated_at = now()
        WHERE id = $1 AND first_page + pages_done = $2
        RETURNING *
        """,
        import_id,
        page,
        counts.get("imported", 0),
        counts.get("updated", 0),
        counts.get("unchanged", 0),
        counts.get("failed", 0),
    )


async def finish_import(
    conn: Conn, import_id: int, status: str, error: str | None
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "UPDATE catalog_imports SET status = $2, error = $3, updated_at = now()"
        " WHERE id = $1 RETURNING *",
        import_id,
        status,
        error,
    )


async def save_score(conn: asyncpg.Connection, media_id: int, score: float, votes: int) -> None:
    await conn.execute(
        "INSERT INTO media_scores (media_id, score, votes) VALUES ($1, $2, $3)"
        " ON CONFLICT (media_id) DO UPDATE SET score = EXCLUDED.score, votes = EXCLUDED.votes",
        media_id,
        score,
        votes,
    )


async def lock_for_seeding(conn: asyncpg.Connection, key: int) -> None:
    """Wait for the transaction-scoped advisory lock that lets one node seed at a time."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", key)
