"""Read-model SQL for a user's library, likes and ratings (pages, not use cases).

Each list is one query per page over this context's own tables, in keyset order; the
titles' summaries come from the catalogue in one more query per page (``library.py``).
The queries are written out at import, one per sort, from the start or after a cursor;
nothing from a request is formatted into them (filters are bound parameters).
"""

from __future__ import annotations

import asyncpg

Conn = asyncpg.Connection

# The sort key of each library order: the column the keyset runs on, then media_id.
LIBRARY_SORT_KEYS = {
    "recent": "e.updated_at",
    "added": "e.created_at",
    "rating": "coalesce(r.half_stars, 0)",
}

_LIBRARY = """
SELECT e.media_id, e.kind, e.status, e.created_at, e.updated_at, r.half_stars,
       (l.user_id IS NOT NULL) AS liked, {key} AS sort_key
FROM library_entries e
LEFT JOIN ratings r ON r.user_id = e.user_id AND r.media_id = e.media_id
LEFT JOIN likes l ON l.user_id = e.user_id AND l.media_id = e.media_id
WHERE e.user_id = $1
  AND ($2::text IS NULL OR e.kind = $2)
  AND ($3::text IS NULL OR e.status = $3)
  {after}
ORDER BY {key} DESC, e.media_id DESC
LIMIT $4
"""

_LIBRARY_QUERIES = {
    (sort, after): _LIBRARY.format(
        key=key, after=f"AND ({key}, e.media_id) < ($5, $6)" if after else ""
    )
    for sort, key in LIBRARY_SORT_KEYS.items()
    for after in (False, True)
}


async def library(
    conn: Conn,
    user_id: int,
    *,
    kind: str | None,
    status: str | None,
    sort: str,
    after: tuple[object, int] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """One page of the user's library in ``sort`` order (``LIBRARY_SORT_KEYS``)."""
    sql = _LIBRARY_QUERIES[(sort, after is not None)]
    return await conn.fetch(sql, user_id, kind, status, limit, *(after or ()))


_LIKES = """
SELECT l.media_id, l.kind, l.created_at, r.half_stars
FROM likes l
LEFT JOIN ratings r ON r.user_id = l.user_id AND r.media_id = l.media_id
WHERE l.user_id = $1 AND ($2::text IS NULL OR l.kind = $2) {after}
ORDER BY l.created_at DESC, l.media_id DESC
LIMIT $3
"""


async def likes(
    conn: Conn, user_id: int, kind: str | None, after: tuple[object, int] | None, limit: int
) -> list[asyncpg.Record]:
    """One page of the titles the user liked, most recent first."""
    sql = _LIKES.format(after="AND (l.created_at, l.media_id) < ($4, $5)" if after else "")
    return await conn.fetch(sql, user_id, kind, limit, *(after or ()))


_RATINGS = """
SELECT r.media_id, r.kind, r.half_stars, r.updated_at
FROM ratings r
WHERE r.user_id = $1 AND ($2::text IS NULL OR r.kind = $2) {after}
ORDER BY r.updated_at DESC, r.media_id DESC
LIMIT $3
"""


async def ratings(
    conn: Conn, user_id: int, kind: str | None, after: tuple[object, int] | None, limit: int
) -> list[asyncpg.Record]:
    """One page of the user's ratings, most recently given first."""
    sql = _RATINGS.format(after="AND (r.updated_at, r.media_id) < ($4, $5)" if after else "")
    return await conn.fetch(sql, user_id, kind, limit, *(after or ()))


async def library_counts(conn: Conn, user_id: int) -> list[asyncpg.Record]:
    """How many titles of each kind the user has in each library status."""
    return await conn.fetch(
        "SELECT kind, status, count(*) AS n FROM library_entries WHERE user_id = $1 "
        "GROUP BY kind, status",
        user_id,
    )


async def like_and_rating_counts(conn: Conn, user_id: int) -> asyncpg.Record:
    return await conn.fetchrow(
        "SELECT (SELECT count(*) FROM likes WHERE user_id = $1) AS likes, "
        "(SELECT count(*) FROM ratings WHERE user_id = $1) AS ratings",
        user_id,
    )
