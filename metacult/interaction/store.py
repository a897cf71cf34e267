"""SQL for the interaction tables; functions take a connection, callers own the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import asyncpg

from metacult.interaction import rules

if TYPE_CHECKING:
    from metacult.interaction.demo import Action

Conn = asyncpg.Connection

# --- likes ---------------------------------------------------------------------------


async def insert_like(conn: Conn, user_id: int, media_id: int, kind: str) -> bool:
    """Add the like; False when it was already there."""
    row = await conn.fetchval(
        "INSERT INTO likes (user_id, media_id, kind) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        user_id,
        media_id,
        kind,
    )
    return row is not None


async def delete_like(conn: Conn, user_id: int, media_id: int) -> bool:
    row = await conn.fetchval(
        "DELETE FROM likes WHERE user_id = $1 AND media_id = $2 RETURNING 1", user_id, media_id
    )
    return row is not None


# --- ratings and library statuses: read the old value under a row lock ------------------


async def lock_rating(conn: Conn, user_id: int, media_id: int) -> int | None:
    return await conn.fetchval(
        "SELECT half_stars FROM ratings WHERE user_id = $1 AND media_id = $2 FOR UPDATE",
        user_id,
        media_id,
    )


async def insert_rating(conn: Conn, user_id: int, media_id: int, kind: str, half: int) -> bool:
    """Insert a first rating; False when a concurrent request inserted one first."""
    row = await conn.fetchval(
        "INSERT INTO ratings (user_id, media_id, kind, half_stars) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        user_id,
        media_id,
        kind,
        half,
    )
    return row is not None


async def update_rating(conn: Conn, user_id: int, media_id: int, half: int) -> None:
    await conn.execute(
        "UPDATE ratings SET half_stars = $3, updated_at = now() "
        "WHERE user_id = $1 AND media_id = $2",
        user_id,
        media_id,
        half,
    )


async def delete_rating(conn: Conn, user_id: int, media_id: int) -> int | None:
    """Remove the rating; the half stars it had, or None when there was none."""
    return await conn.fetchval(
        "DELETE FROM ratings WHERE user_id = $1 AND media_id = $2 RETURNING half_stars",
        user_id,
        media_id,
    )


async def lock_status(conn: Conn, user_id: int, media_id: int) -> str | None:
    return await conn.fetchval(
        "SELECT status FROM library_entries WHERE user_id = $1 AND media_id = $2 FOR UPDATE",
        user_id,
        media_id,
    )


async def insert_status(conn: Conn, user_id: int, media_id: int, kind: str, status: str) -> bool:
    row = await conn.fetchval(
        "INSERT INTO library_entries (user_id, media_id, kind, status) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        user_id,
        media_id,
        kind,
        status,
    )
    return row is not None


async def update_status(conn: Conn, user_id: int, media_id: int, status: str) -> None:
    await conn.execute(
        "UPDATE library_entries SET status = $3, updated_at = now() "
        "WHERE user_id = $1 AND media_id = $2",
        user_id,
        media_id,
        status,
    )


async def delete_status(conn: Conn, user_id: int, media_id: int) -> str | None:
    return await conn.fetchval(
        "DELETE FROM library_entries WHERE user_id = $1 AND media_id = $2 RETURNING status",
        user_id,
        media_id,
    )


# --- what one user did with titles ---------------------------------------------------


async def viewer_state(conn: Conn, user_id: int, media_id: int) -> asyncpg.Record:
    (row,) = await viewer_states(conn, [(user_id, media_id)])
    return row


async def viewer_states(conn: Conn, pairs: Sequence[tuple[int, int]]) -> list[asyncpg.Record]:
    """``viewer_state`` of each (user, title) pair, in one statement (the same plans)."""
    return await conn.fetch(
        """
        SELECT q.user_id, q.media_id,
               EXISTS (SELECT 1 FROM likes l
                       WHERE l.user_id = q.user_id AND l.media_id = q.media_id) AS liked,
               (SELECT half_stars FROM ratings r
                WHERE r.user_id = q.user_id AND r.media_id = q.media_id) AS half_stars,
               (SELECT status FROM library_entries e
                WHERE e.user_id = q.user_id AND e.media_id = q.media_id) AS status
        FROM unnest($1::bigint[], $2::bigint[]) AS q(user_id, media_id)
        """,
        [user_id for user_id, _ in pairs],
        [media_id for _, media_id in pairs],
    )


# The statuses that mean "I want it" (a game's wishlist, a film's or series' watchlist).
WANTING = ("wishlist", "watchlist")


async def wanting_users(conn: Conn, media_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT user_id FROM library_entries WHERE media_id = $1 AND status = ANY($2::text[])"
        " ORDER BY user_id",
        media_id,
        list(WANTING),
    )
    return [row["user_id"] for row in rows]


async def wanted_media(conn: Conn) -> list[int]:
    rows = await conn.fetch(
        "SELECT DISTINCT media_id FROM library_entries WHERE status = ANY($1::text[])"
        " ORDER BY media_id",
        list(WANTING),
    )
    return [row["media_id"] for row in rows]


async def known_media(conn: Conn, user_id: int, kind: str) -> list[int]:
    rows = await conn.fetch(
        """
        SELECT media_id FROM likes WHERE user_id = $1 AND kind = $2
        UNION SELECT media_id FROM ratings WHERE user_id = $1 AND kind = $2
        UNION SELECT media_id FROM library_entries WHERE user_id = $1 AND kind = $2
        """,
        user_id,
        kind,
    )
    return [row["media_id"] for row in rows]


# --- reviews -------------------------------------------------------------------------

REVIEW_COLUMNS = """
    id, media_id, kind, user_id, body, spoiler, likes_count, hidden_at, hidden_reason,
    created_at, updated_at, edited_at
"""


async def insert_review(
    conn: Conn, user_id: int, media_id: int, kind: str, body: str, spoiler: bool
) -> asyncpg.Record:
    return await conn.fetchrow(
        f"INSERT INTO reviews (user_id, media_id, kind, body, spoiler) "
        f"VALUES ($1, $2, $3, $4, $5) RETURNING {REVIEW_COLUMNS}",
        user_id,
        media_id,
        kind,
        body,
        spoiler,
    )


async def get_review(conn: Conn, review_id: int, *, lock: bool = False) -> asyncpg.Record | None:
    suffix = " FOR UPDATE" if lock else ""
    return await conn.fetchrow(
        f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE id = $1{suffix}", review_id
    )


async def update_review(conn: Conn, review_id: int, body: str, spoiler: bool) -> asyncpg.Record:
    return await conn.fetchrow(
        f"UPDATE reviews SET body = $2, spoiler = $3, updated_at = now(), edited_at = now() "
        f"WHERE id = $1 RETURNING {REVIEW_COLUMNS}",
        review_id,
        body,
        spoiler,
    )


async def delete_review(conn: Conn, review_id: int) -> None:
    await conn.execute("DELETE FROM reviews WHERE id = $1", review_id)


async def hide_review(conn: Conn, review_id: int, reason: str, admin_id: int) -> asyncpg.Record:
    return await conn.fetchrow(
        f"UPDATE reviews SET hidden_at = now(), hidden_reason = $2, hidden_by = $3, "
        f"updated_at = now() WHERE id = $1 RETURNING {REVIEW_COLUMNS}",
        review_id,
        reason,
        admin_id,
    )


async def media_reviews(
    conn: Conn, media_id: int, sort: str, after: tuple[int, ...] | None, limit: int
) -> list[asyncpg.Record]:
    """Visible reviews of a title, newest or most liked first, after a cursor position."""
    if sort == "most_liked":
        if after is None:
            return await conn.fetch(
                f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE media_id = $1 AND hidden_at IS NULL "
                "ORDER BY likes_count DESC, id DESC LIMIT $2",
                media_id,
                limit,
            )
        return await conn.fetch(
            f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE media_id = $1 AND hidden_at IS NULL "
            "AND (likes_count, id) < ($2, $3) ORDER BY likes_count DESC, id DESC LIMIT $4",
            media_id,
            after[0],
            after[1],
            limit,
        )
    return await conn.fetch(
        f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE media_id = $1 AND hidden_at IS NULL "
        "AND id < $2 ORDER BY id DESC LIMIT $3",
        media_id,
        after[0] if after else 2**63 - 1,
        limit,
    )


async def user_reviews(
    conn: Conn, user_id: int, before_id: int | None, limit: int, *, with_hidden: bool
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE user_id = $1 AND id < $2 "
        "AND ($3 OR hidden_at IS NULL) ORDER BY id DESC LIMIT $4",
        user_id,
        before_id or 2**63 - 1,
        with_hidden,
        limit,
    )


async def liked_reviews(conn: Conn, user_id: int, review_ids: Sequence[int]) -> set[int]:
    rows = await conn.fetch(
        "SELECT review_id FROM review_likes WHERE user_id = $1 AND review_id = ANY($2::bigint[])",
        user_id,
        list(review_ids),
    )
    return {row["review_id"] for row in rows}


async def insert_review_like(conn: Conn, user_id: int, review_id: int) -> bool:
    row = await conn.fetchval(
        "INSERT INTO review_likes (user_id, review_id) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        user_id,
        review_id,
    )
    if row is None:
        return False
    await conn.execute("UPDATE reviews SET likes_count = likes_count + 1 WHERE id = $1", review_id)
    return True


async def delete_review_like(conn: Conn, user_id: int, review_id: int) -> bool:
    row = await conn.fetchval(
        "DELETE FROM review_likes WHERE user_id = $1 AND review_id = $2 RETURNING 1",
        user_id,
        review_id,
    )
    if row is None:
        return False
    await conn.execute("UPDATE reviews SET likes_count = likes_count - 1 WHERE id = $1", review_id)
    return True


async def review_likes_count(conn: Conn, review_id: int) -> int:
    return await conn.fetchval("SELECT likes_count FROM reviews WHERE id = $1", review_id)


# --- activity ------------------------------------------------------------------------


async def add_activity(
    conn: Conn,
    user_id: int,
    type: str,
    media_id: int,
    kind: str,
    *,
    review_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO activities (user_id, type, media_id, kind, review_id, data) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        user_id,
        type,
        media_id,
        kind,
        review_id,
        data or {},
    )


async def remove_activities(conn: Conn, user_id: int, media_id: int, type: str) -> None:
    """Forget an undone action (an unliked title no longer shows as liked)."""
    await conn.execute(
        "DELETE FROM activities WHERE user_id = $1 AND media_id = $2 AND type = $3",
        user_id,
        media_id,
        type,
    )


async def activities(
    conn: Conn, user_id: int, before_id: int | None, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, user_id, type, media_id, kind, review_id, data, occurred_at FROM activities "
        "WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        user_id,
        before_id or 2**63 - 1,
        limit,
    )


async def remove_review_activity(conn: Conn, review_id: int) -> None:
    await conn.execute(
        "DELETE FROM activities WHERE review_id = $1 AND type = 'reviewed'", review_id
    )


async def activities_of(
    conn: Conn, user_ids: list[int], before_id: int | None, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, user_id, type, media_id, kind, review_id, data, occurred_at FROM activities "
        "WHERE user_id = ANY($1::bigint[]) AND id < $2 ORDER BY id DESC LIMIT $3",
        user_ids,
        before_id or 2**63 - 1,
        limit,
    )


# --- counters ------------------------------------------------------------------------

_REFRESH_STATS = """
INSERT INTO media_stats AS s (media_id, likes, ratings_count, ratings_sum, histogram,
                              reviews_count, updated_at)
SELECT $1,
       (SELECT count(*) FROM likes WHERE media_id = $1),
       coalesce(sum(h.n), 0),
       coalesce(sum(h.n * h.half_stars), 0),
       array_agg(coalesce(h.n, 0) ORDER BY g.half_stars),
       (SELECT count(*) FROM reviews WHERE media_id = $1 AND hidden_at IS NULL),
       now()
FROM generate_series(1, 10) AS g (half_stars)
LEFT JOIN (
    SELECT half_stars, count(*) AS n FROM ratings WHERE media_id = $1 GROUP BY half_stars
) AS h ON h.half_stars = g.half_stars
ON CONFLICT (media_id) DO UPDATE SET
    likes = EXCLUDED.likes,
    ratings_count = EXCLUDED.ratings_count,
    ratings_sum = EXCLUDED.ratings_sum,
    histogram = EXCLUDED.histogram,
    reviews_count = EXCLUDED.reviews_count,
    updated_at = EXCLUDED.updated_at,
    revision = s.revision + CASE
        WHEN (s.likes, s.ratings_count, s.ratings_sum, s.histogram, s.reviews_count)
             IS DISTINCT FROM (EXCLUDED.likes, EXCLUDED.ratings_count, EXCLUDED.ratings_sum,
                               EXCLUDED.histogram, EXCLUDED.reviews_count)
        THEN 1 ELSE 0 END
RETURNING media_id, likes, ratings_count, ratings_sum, histogram, reviews_count, revision
"""

# A like or rating counted in its own transaction: the deltas, the half stars the rating
# had ($5) and has now ($6), either NULL. The row is locked until that commits, so the
# changes of one title are counted one after the other, each on the last one's result.
_COUNT_CHANGE = """
UPDATE media_stats SET
    likes = likes + $2,
    ratings_count = ratings_count + $3,
    ratings_sum = ratings_sum + $4,
    histogram = (
        SELECT array_agg(n + CASE WHEN i = $5 THEN -1 WHEN i = $6 THEN 1 ELSE 0 END ORDER BY i)
        FROM unnest(histogram) WITH ORDINALITY AS h (n, i)
    ),
    revision = revision + 1,
    updated_at = now()
WHERE media_id = $1
RETURNING media_id, likes, ratings_count, ratings_sum, histogram, reviews_count, revision
"""


async def refresh_stats(conn: Conn, media_id: int) -> asyncpg.Record:
    """Recount a title's counters from its rows.

    The title's counter row is locked first, so that the recount (a new statement,
    hence a new snapshot) sees every change committed before it: concurrent recounts
    of one title land in order and the last one is right.
    """
    await conn.execute(
        "INSERT INTO media_stats (media_id) VALUES ($1) ON CONFLICT DO NOTHING", media_id
    )
    await conn.execute("SELECT 1 FROM media_stats WHERE media_id = $1 FOR UPDATE", media_id)
    return await conn.fetchrow(_REFRESH_STATS, media_id)


async def count_change(
    conn: Conn,
    media_id: int,
    *,
    likes: int = 0,
    rating_was: int | None = None,
    rating_is: int | None = None,
) -> asyncpg.Record:
    """Count one like (``likes`` +1 or -1) or rating change (half stars before and after,
    either None) of a title, in the transaction that made it; the counters after it.

    A title never counted before is counted whole instead (:func:`refresh_stats`), this
    change included."""
    row = await conn.fetchrow(
        _COUNT_CHANGE,
        media_id,
        likes,
        (rating_is is not None) - (rating_was is not None),
        (rating_is or 0) - (rating_was or 0),
        rating_was,
        rating_is,
    )
    return row if row is not None else await refresh_stats(conn, media_id)


async def stats(conn: Conn, media_ids: Iterable[int]) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT media_id, likes, ratings_count, ratings_sum, histogram, reviews_count, revision "
        "FROM media_stats WHERE media_id = ANY($1::bigint[])",
        list(media_ids),
    )


# --- a deleted account -----------------------------------------------------------------


async def forget_user(conn: Conn, user_id: int) -> set[int]:
    """Remove a user's likes, ratings, statuses, review likes, activity and signals, and
    anonymise their reviews; return the titles whose counters must be recounted."""
    touched: set[int] = set()
    for table in ("likes", "ratings", "library_entries"):
        rows = await conn.fetch(
            f"DELETE FROM {table} WHERE user_id = $1 RETURNING media_id",
            user_id,
        )
        touched.update(row["media_id"] for row in rows)
    await conn.execute(
        "UPDATE reviews r SET likes_count = r.likes_count - 1 FROM review_likes l "
        "WHERE l.review_id = r.id AND l.user_id = $1",
        user_id,
    )
    await conn.execute("DELETE FROM review_likes WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM review_reports WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM activities WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM diary_entries WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM lists WHERE owner_id = $1", user_id)
    for table in ("list_editors", "list_invites", "list_likes", "list_follows"):
        await conn.execute(f"DELETE FROM {table} WHERE user_id = $1", user_id)
    await conn.execute("UPDATE reviews SET user_id = NULL WHERE user_id = $1", user_id)
    await delete_signals_of(conn, user_id)
    return touched


async def delete_signals_of(conn: Conn, user_id: int) -> None:
    await conn.execute("DELETE FROM signals WHERE user_id = $1", user_id)


async def user_data(conn: Conn, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Everything this context holds about one user, as plain rows (for a data export)."""
    queries = {
        "likes": "SELECT media_id, kind, created_at FROM likes WHERE user_id = $1",
        "ratings": "SELECT media_id, kind, half_stars::float / 2 AS rating, created_at, "
        "updated_at FROM ratings WHERE user_id = $1",
        "library": "SELECT media_id, kind, status, created_at, updated_at "
        "FROM library_entries WHERE user_id = $1",
        "reviews": "SELECT id, media_id, kind, body, spoiler, likes_count, hidden_at, "
        "hidden_reason, created_at, edited_at FROM reviews WHERE user_id = $1",
        "review_likes": "SELECT review_id, created_at FROM review_likes WHERE user_id = $1",
        "review_reports": "SELECT review_id, reason, note, created_at FROM review_reports "
        "WHERE user_id = $1",
        "diary": "SELECT id, media_id, kind, day, watched_at, half_stars::float / 2 AS rating, "
        "review_id, replay, platform, outcome, liked FROM diary_entries WHERE user_id = $1 "
        "ORDER BY day, id",
        "lists": "SELECT l.id, l.name, l.description, l.ranked, l.visibility, l.shared, "
        "l.created_at, "
        "coalesce((SELECT jsonb_agg(jsonb_build_object('media_id', e.media_id, 'position', "
        "e.position, 'note', e.note) ORDER BY e.position) FROM list_entries e "
        "WHERE e.list_id = l.id), '[]') AS entries FROM lists l WHERE l.owner_id = $1 "
        "ORDER BY l.id",
        "signals": "SELECT event_id, type, media_id, data, occurred_at FROM signals "
        "WHERE user_id = $1 ORDER BY occurred_at",
    }
    return {
        name: [dict(row) for row in await conn.fetch(sql, user_id)] for name, sql in queries.items()
    }


# --- signals -------------------------------------------------------------------------


async def insert_signals(
    conn: Conn,
    rows: Sequence[
        tuple[uuid.UUID, str, int | None, int | None, dict[str, Any], datetime, datetime]
    ],
) -> int:
    """Write a batch in one multi-row insert; events already stored are skipped. Returns
    how many were new."""
    if not rows:
        return 0
    columns = list(zip(*rows, strict=True))
    result = await conn.fetchval(
        """
        WITH inserted AS (
            INSERT INTO signals (event_id, type, user_id, media_id, data, occurred_at, received_at)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[],
                                 $5::jsonb[], $6::timestamptz[], $7::timestamptz[])
            ON CONFLICT (event_id) DO NOTHING
            RETURNING 1
        )
        SELECT count(*) FROM inserted
        """,
        *[list(column) for column in columns],
    )
    return int(result)


# --- demo histories --------------------------------------------------------------------


async def insert_history(conn: Conn, user_id: int, actions: Sequence[Action]) -> None:
    """Insert a demo user's whole history and its activity rows (``demo.py``: no events)."""
    likes = [(a.media_id, a.kind, a.at) for a in actions if a.liked]
    ratings = [(a.media_id, a.kind, a.half_stars, a.at) for a in actions if a.half_stars]
    statuses = [(a.media_id, a.kind, a.status, a.at) for a in actions if a.status]
    await conn.executemany(
        "INSERT INTO likes (user_id, media_id, kind, created_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
        [(user_id, *row) for row in likes],
    )
    await conn.executemany(
        "INSERT INTO ratings (user_id, media_id, kind, half_stars, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING",
        [(user_id, *row) for row in ratings],
    )
    await conn.executemany(
        "INSERT INTO library_entries (user_id, media_id, kind, status, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING",
        [(user_id, *row) for row in statuses],
    )
    activity = (
        [(user_id, "liked", m, k, None, {}, at) for m, k, at in likes]
        + [
            (user_id, "rated", m, k, None, {"rating": rules.stars(h)}, at)
            for m, k, h, at in ratings
        ]
        + [(user_id, "status_changed", m, k, None, {"status": s}, at) for m, k, s, at in statuses]
    )
    for action in actions:
        if action.review:
            review_id = await conn.fetchval(
                "INSERT INTO reviews (user_id, media_id, kind, body, created_at, updated_at) "
                "VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                user_id,
                action.media_id,
                action.kind,
                action.review,
                action.at,
            )
            activity.append(
                (user_id, "reviewed", action.media_id, action.kind, review_id, {}, action.at)
            )
    await conn.executemany(
        "INSERT INTO activities (user_id, type, media_id, kind, review_id, data, occurred_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        sorted(activity, key=lambda row: row[-1]),
    )


# --- reports and moderation ------------------------------------------------------------


async def insert_report(conn: Conn, review_id: int, user_id: int, reason: str, note: str) -> bool:
    """Record a reader's report of a review; False when they had reported it already."""
    inserted = await conn.fetchval(
        "INSERT INTO review_reports (review_id, user_id, reason, note) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (review_id, user_id) DO NOTHING RETURNING review_id",
        review_id,
        user_id,
        reason,
        note,
    )
    return inserted is not None


_REPORTS = (
    "SELECT review_id, count(*) AS reports, max(created_at) AS last_reported_at, "
    "array_agg(DISTINCT reason ORDER BY reason) AS reasons FROM review_reports "
    "WHERE review_id = ANY($1::bigint[]) GROUP BY review_id"
)


async def reports_of(conn: Conn, review_ids: list[int]) -> list[asyncpg.Record]:
    """How many readers reported each review, why, and when last."""
    return await conn.fetch(_REPORTS, review_ids)


async def recent_reviews(conn: Conn, before_id: int | None, limit: int) -> list[asyncpg.Record]:
    """Every review, hidden ones too, newest first (the moderators' queue)."""
    return await conn.fetch(
        f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE ($1::bigint IS NULL OR id < $1) "
        "ORDER BY id DESC LIMIT $2",
        before_id,
        limit,
    )


async def reported_reviews(
    conn: Conn, after: tuple[datetime, int] | None, limit: int
) -> list[asyncpg.Record]:
    """Visible reviews that readers reported, the most lately reported first, with the
    time of their last report (the cursor's sort key)."""
    return await conn.fetch(
        "WITH reported AS ("
        "  SELECT review_id, max(created_at) AS last_reported_at FROM review_reports"
        "  GROUP BY review_id"
        ") "
        f"SELECT {', '.join('r.' + c.strip() for c in REVIEW_COLUMNS.split(','))}, "
        "p.last_reported_at FROM reported p JOIN reviews r ON r.id = p.review_id "
        "WHERE r.hidden_at IS NULL AND ($1::timestamptz IS NULL "
        "  OR (p.last_reported_at, r.id) < ($1::timestamptz, $2::bigint)) "
        "ORDER BY p.last_reported_at DESC, r.id DESC LIMIT $3",
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
