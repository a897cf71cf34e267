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


# --- the diary ---------------------------------------------------------------------------

_DIARY_COLUMNS = (
    "id, user_id, media_id, kind, day, watched_at, half_stars, review_id, replay, platform, "
    "outcome, liked"
)


async def insert_diary_entry(conn: Conn, **values: object) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO diary_entries (user_id, media_id, kind, day, watched_at, half_stars, "
        "review_id, replay, platform, outcome, liked) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
        f"RETURNING {_DIARY_COLUMNS}",
        values["user_id"],
        values["media_id"],
        values["kind"],
        values["day"],
        values["watched_at"],
        values["half_stars"],
        values["review_id"],
        values["replay"],
        values["platform"],
        values["outcome"],
        values["liked"],
    )


async def update_diary_entry(conn: Conn, entry_id: int, **values: object) -> asyncpg.Record:
    return await conn.fetchrow(
        "UPDATE diary_entries SET day = $2, watched_at = $3, half_stars = $4, replay = $5, "
        "platform = $6, outcome = $7, liked = $8, updated_at = now() "
        f"WHERE id = $1 RETURNING {_DIARY_COLUMNS}",
        entry_id,
        values["day"],
        values["watched_at"],
        values["half_stars"],
        values["replay"],
        values["platform"],
        values["outcome"],
        values["liked"],
    )


async def delete_diary_entry(conn: Conn, entry_id: int) -> None:
    await conn.execute("DELETE FROM diary_entries WHERE id = $1", entry_id)


async def diary_entry(conn: Conn, entry_id: int, *, lock: bool = False) -> asyncpg.Record | None:
    suffix = " FOR UPDATE" if lock else ""
    return await conn.fetchrow(
        f"SELECT {_DIARY_COLUMNS} FROM diary_entries WHERE id = $1{suffix}", entry_id
    )


async def diary(
    conn: Conn,
    user_id: int,
    first: object,
    last: object,
    after: tuple[object, int] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """One page of a user's diary between two days, latest first."""
    return await conn.fetch(
        f"SELECT {_DIARY_COLUMNS} FROM diary_entries "
        "WHERE user_id = $1 AND day BETWEEN $2 AND $3 "
        "AND ($4::date IS NULL OR (day, id) < ($4::date, $5::bigint)) "
        "ORDER BY day DESC, id DESC LIMIT $6",
        user_id,
        first,
        last,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


async def friends_on_title(
    conn: Conn, media_id: int, user_ids: list[int], limit: int
) -> list[asyncpg.Record]:
    """What each of ``user_ids`` did with one title (rating, status, like, latest visible
    review), the most recently active first; users who did nothing are left out."""
    return await conn.fetch(
        """
        SELECT u.user_id, r.half_stars, e.status, (l.user_id IS NOT NULL) AS liked,
               v.id AS review_id, v.body AS review, v.spoiler,
               greatest(r.updated_at, e.updated_at, l.created_at, v.created_at) AS active_at
        FROM unnest($2::bigint[]) AS u (user_id)
        LEFT JOIN ratings r ON r.user_id = u.user_id AND r.media_id = $1
        LEFT JOIN library_entries e ON e.user_id = u.user_id AND e.media_id = $1
        LEFT JOIN likes l ON l.user_id = u.user_id AND l.media_id = $1
        LEFT JOIN LATERAL (
            SELECT id, body, spoiler, created_at FROM reviews
            WHERE user_id = u.user_id AND media_id = $1 AND hidden_at IS NULL
            ORDER BY id DESC LIMIT 1
        ) v ON true
        WHERE r.user_id IS NOT NULL OR e.user_id IS NOT NULL OR l.user_id IS NOT NULL
           OR v.id IS NOT NULL
        ORDER BY active_at DESC, u.user_id DESC
        LIMIT $3
        """,
        media_id,
        user_ids,
        limit,
    )
