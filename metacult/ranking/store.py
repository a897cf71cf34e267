"""SQL for ranking's tables (duels, votes, unknown titles, ratings, snapshots), nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

# Locks: PostgreSQL advisory locks held until the transaction ends; a waiter gives up (an
# error) after LOCK_WAIT rather than hold its connection for ever.

LOCK_WAIT = "10s"


async def _advisory_lock(conn: asyncpg.Connection, name: str) -> None:
    await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", name)


async def lock_preparation(conn: asyncpg.Connection, user_id: int, kind: str) -> None:
    """Wait until no one else prepares or withdraws the user's duels of ``kind``."""
    await _advisory_lock(conn, f"ranking.preparing:{user_id}:{kind}")


async def lock_rebuild(conn: asyncpg.Connection) -> None:
    """Wait until no one else rebuilds the leaderboards."""
    await _advisory_lock(conn, "ranking.rebuilding")


# Duels.


async def insert_duels(
    conn: asyncpg.Connection,
    user_id: int,
    kind: str,
    pairs: Sequence[tuple[int, int]],
    expires_at: datetime,
) -> list[asyncpg.Record]:
    """Create the duels; a pair the user already has (a concurrent preparer) is left out."""
    if not pairs:
        return []
    return await conn.fetch(
        """
        INSERT INTO ranking_duels (user_id, kind, a_id, b_id, expires_at)
        SELECT $1, $2, pair.a, pair.b, $5
        FROM unnest($3::bigint[], $4::bigint[]) WITH ORDINALITY AS pair (a, b, n)
        ORDER BY pair.n
        ON CONFLICT DO NOTHING
        RETURNING id, user_id, kind, a_id, b_id, expires_at
        """,
        user_id,
        kind,
        [a for a, _ in pairs],
        [b for _, b in pairs],
        expires_at,
    )


async def duel_for_vote(conn: asyncpg.Connection, duel_id: int) -> asyncpg.Record | None:
    """The duel, locked until the vote's transaction ends."""
    return await conn.fetchrow(
        "SELECT id, user_id, kind, a_id, b_id, expires_at, outcome, voted_at, now() AS now"
        " FROM ranking_duels WHERE id = $1 FOR UPDATE",
        duel_id,
    )


async def record_vote(
    conn: asyncpg.Connection,
    duel: asyncpg.Record,
    outcome: str,
    winner_id: int | None,
    loser_id: int | None,
) -> datetime:
    """Close the duel with its outcome and log the vote; returns when it was cast."""
    cast_at = await conn.fetchval(
        "UPDATE ranking_duels SET outcome = $2, voted_at = now() WHERE id = $1 RETURNING voted_at",
        duel["id"],
        outcome,
    )
    await conn.execute(
        """
        INSERT INTO ranking_votes
            (duel_id, user_id, kind, a_id, b_id, outcome, winner_id, loser_id, cast_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """,
        duel["id"],
        duel["user_id"],
        duel["kind"],
        duel["a_id"],
        duel["b_id"],
        outcome,
        winner_id,
        loser_id,
        cast_at,
    )
    return cast_at


async def mark_unknown(conn: asyncpg.Connection, user_id: int, media_ids: Iterable[int]) -> None:
    await conn.execute(
        "INSERT INTO ranking_unknown (user_id, media_id) SELECT $1, unnest($2::bigint[])"
        " ON CONFLICT DO NOTHING",
        user_id,
        sorted(set(media_ids)),
    )


async def seen_pairs(conn: asyncpg.Connection, user_id: int, kind: str) -> list[tuple[int, int]]:
    rows = await conn.fetch(
        "SELECT a_id, b_id FROM ranking_duels WHERE user_id = $1 AND kind = $2", user_id, kind
    )
    return [(row["a_id"], row["b_id"]) for row in rows]


async def recent_pairs(
    conn: asyncpg.Connection, user_id: int, kind: str, limit: int
) -> list[tuple[int, int]]:
    """The user's latest ``limit`` duels of ``kind`` that were voted on or may still be,
    oldest first: those the next one follows."""
    rows = await conn.fetch(
        "SELECT a_id, b_id FROM ranking_duels"
        " WHERE user_id = $1 AND kind = $2 AND (outcome IS NOT NULL OR expires_at > now())"
        " ORDER BY id DESC LIMIT $3",
        user_id,
        kind,
        limit,
    )
    return [(row["a_id"], row["b_id"]) for row in reversed(rows)]


async def withdraw_duels(conn: asyncpg.Connection, user_id: int, duel_ids: Sequence[int]) -> None:
    """Close the user's open duels that will not be shown after all (they expire now)."""
    await conn.execute(
        "UPDATE ranking_duels SET expires_at = now()"
        " WHERE user_id = $1 AND id = ANY($2::bigint[]) AND outcome IS NULL",
        user_id,
        list(duel_ids),
    )


async def unknown_titles(conn: asyncpg.Connection, user_id: int) -> set[int]:
    rows = await conn.fetch("SELECT media_id FROM ranking_unknown WHERE user_id = $1", user_id)
    return {row["media_id"] for row in rows}


async def voted_titles(conn: asyncpg.Connection, user_id: int, kind: str) -> set[int]:
    """Titles the user chose between: they know them."""
    rows = await conn.fetch(
        "SELECT winner_id, loser_id FROM ranking_votes"
        " WHERE user_id = $1 AND kind = $2 AND winner_id IS NOT NULL",
        user_id,
        kind,
    )
    return {row["winner_id"] for row in rows} | {row["loser_id"] for row in rows}


# Global ratings.

_RATING_COLUMNS = "media_id, kind, genres, platforms, rating, rd, volatility, games, wins, losses"


async def ratings_of(
    conn: asyncpg.Connection, media_ids: Sequence[int]
) -> dict[int, asyncpg.Record]:
    rows = await conn.fetch(
        f"SELECT {_RATING_COLUMNS} FROM ranking_ratings WHERE media_id = ANY($1::bigint[])",
        list(media_ids),
    )
    return {row["media_id"]: row for row in rows}


async def ensure_ratings(
    conn: asyncpg.Connection, titles: Sequence[tuple[int, str, Sequence[str], Sequence[str]]]
) -> None:
    """Give each (media_id, kind, genres, platforms) a starting rating row if it has none."""
    for media_id, kind, genres, platforms in sorted(titles):
        await conn.execute(
            "INSERT INTO ranking_ratings (media_id, kind, genres, platforms)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            media_id,
            kind,
            list(genres),
            list(platforms),
        )


async def lock_ratings(
    conn: asyncpg.Connection, media_ids: Sequence[int]
) -> dict[int, asyncpg.Record]:
    """Lock the titles' rating rows in id order, so two votes never wait on each other."""
    rows = await conn.fetch(
        f"SELECT {_RATING_COLUMNS} FROM ranking_ratings WHERE media_id = ANY($1::bigint[])"
        " ORDER BY media_id FOR UPDATE",
        sorted(media_ids),
    )
    return {row["media_id"]: row for row in rows}


async def save_rating(
    conn: asyncpg.Connection,
    media_id: int,
    rating: float,
    rd: float,
    volatility: float,
    won: bool,
) -> asyncpg.Record:
    return await conn.fetchrow(
        f"""
        UPDATE ranking_ratings
        SET rating = $2, rd = $3, volatility = $4, games = games + 1,
            wins = wins + $5::int, losses = losses + 1 - $5::int, updated_at = now()
        WHERE media_id = $1
        RETURNING {_RATING_COLUMNS}
        """,
        media_id,
        rating,
        rd,
        volatility,
        int(won),
    )


async def rated_titles(conn: asyncpg.Connection, kind: str | None = None) -> list[asyncpg.Record]:
    """Every title that has played (of one kind, or all): what the leaderboards hold."""
    return await conn.fetch(
        f"SELECT {_RATING_COLUMNS} FROM ranking_ratings"
        " WHERE games > 0 AND ($1::text IS NULL OR kind = $1) ORDER BY media_id",
        kind,
    )


async def rating_of(conn: asyncpg.Connection, media_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_RATING_COLUMNS} FROM ranking_ratings WHERE media_id = $1", media_id
    )


async def candidate_ratings(conn: asyncpg.Connection, kind: str) -> dict[int, tuple[float, float]]:
    """(rating, rd) of every title of ``kind`` that has a rating row."""
    rows = await conn.fetch(
        "SELECT media_id, rating, rd FROM ranking_ratings WHERE kind = $1", kind
    )
    return {row["media_id"]: (row["rating"], row["rd"]) for row in rows}


# Personal ratings.

_PERSONAL_COLUMNS = "media_id, kind, rating, rd, volatility, games, wins, losses"


async def lock_personal(
    conn: asyncpg.Connection, user_id: int, kind: str, media_ids: Sequence[int]
) -> dict[int, asyncpg.Record]:
    await conn.execute(
        "INSERT INTO ranking_personal (user_id, media_id, kind)"
        " SELECT $1, m, $3 FROM unnest($2::bigint[]) AS m ORDER BY m ON CONFLICT DO NOTHING",
        user_id,
        sorted(media_ids),
        kind,
    )
    rows = await conn.fetch(
        f"SELECT {_PERSONAL_COLUMNS} FROM ranking_personal"
        " WHERE user_id = $1 AND media_id = ANY($2::bigint[]) ORDER BY media_id FOR UPDATE",
        user_id,
        sorted(media_ids),
    )
    return {row["media_id"]: row for row in rows}


async def save_personal(
    conn: asyncpg.Connection,
    user_id: int,
    media_id: int,
    rating: float,
    rd: float,
    volatility: float,
    won: bool,
) -> None:
    await conn.execute(
        """
        UPDATE ranking_personal
        SET rating = $3, rd = $4, volatility = $5, games = games + 1,
            wins = wins + $6::int, losses = losses + 1 - $6::int, updated_at = now()
        WHERE user_id = $1 AND media_id = $2
        """,
        user_id,
        media_id,
        rating,
        rd,
        volatility,
        int(won),
    )


async def personal_ranking(
    conn: asyncpg.Connection,
    user_id: int,
    kind: str,
    limit: int,
    after: tuple[float, int] | None = None,
) -> list[asyncpg.Record]:
    """The user's titles of ``kind`` by rating, best first, right after ``after``
    (a rating and media id; from the top without)."""
    rating, media_id = after if after is not None else (None, None)
    return await conn.fetch(
        f"SELECT {_PERSONAL_COLUMNS} FROM ranking_personal WHERE user_id = $1 AND kind = $2"
        " AND ($4::float8 IS NULL OR rating < $4 OR (rating = $4 AND media_id > $5))"
        " ORDER BY rating DESC, media_id LIMIT $3",
        user_id,
        kind,
        limit,
        rating,
        media_id,
    )


async def personal_ahead_of(
    conn: asyncpg.Connection, user_id: int, kind: str, rating: float, media_id: int
) -> int:
    """How many of the user's titles come before the one after (rating, media id)."""
    return await conn.fetchval(
        "SELECT count(*) FROM ranking_personal WHERE user_id = $1 AND kind = $2"
        " AND (rating > $3 OR (rating = $3 AND media_id <= $4))",
        user_id,
        kind,
        rating,
        media_id,
    )


# A user's own data: export and deletion.


async def votes_of(conn: asyncpg.Connection, user_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT duel_id, kind, a_id, b_id, outcome, winner_id, cast_at FROM ranking_votes"
        " WHERE user_id = $1 ORDER BY cast_at, duel_id",
        user_id,
    )


async def personal_of(conn: asyncpg.Connection, user_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {_PERSONAL_COLUMNS} FROM ranking_personal WHERE user_id = $1"
        " ORDER BY kind, rating DESC, media_id",
        user_id,
    )


async def forget_user(conn: asyncpg.Connection, user_id: int) -> None:
    """Drop the user's personal ranking, unknown titles and open duels (votes stay: they
    made the global ratings, which must not jump when someone leaves)."""
    await conn.execute("DELETE FROM ranking_personal WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM ranking_unknown WHERE user_id = $1", user_id)
    await conn.execute(
        "DELETE FROM ranking_duels d WHERE d.user_id = $1 AND d.outcome IS NULL", user_id
    )


# The audit and the daily snapshots.


async def decisive_votes(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """(kind, winner_id, loser_id) of every vote that picked a title."""
    return await conn.fetch(
        "SELECT kind, winner_id, loser_id FROM ranking_votes WHERE winner_id IS NOT NULL"
    )


async def save_audit(conn: asyncpg.Connection, report: dict[str, Any]) -> datetime:
    """Keep an audit's report; when it was taken."""
    return await conn.fetchval(
        "INSERT INTO leaderboard_audits (report) VALUES ($1) RETURNING created_at", report
    )


async def latest_audit(conn: asyncpg.Connection) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT report, created_at FROM leaderboard_audits ORDER BY id DESC LIMIT 1"
    )


async def votes_since(conn: asyncpg.Connection, since: datetime) -> int:
    return await conn.fetchval("SELECT count(*) FROM ranking_votes WHERE cast_at >= $1", since)


async def save_snapshot(
    conn: asyncpg.Connection, scope: str, taken_on: date, entries: Sequence[tuple[int, int, float]]
) -> None:
    """Store (media_id, rank, rating) of ``scope`` for ``taken_on`` (replacing that day's)."""
    await conn.execute(
        "DELETE FROM ranking_snapshots WHERE scope = $1 AND taken_on = $2", scope, taken_on
    )
    await conn.executemany(
        "INSERT INTO ranking_snapshots (scope, taken_on, media_id, rank, rating)"
        " VALUES ($1, $2, $3, $4, $5)",
        [(scope, taken_on, media_id, rank, rating) for media_id, rank, rating in entries],
    )


async def ranks_before(
    conn: asyncpg.Connection, scope: str, today: date, media_ids: Sequence[int]
) -> dict[int, int]:
    """The ranks of the titles in the latest snapshot of ``scope`` taken before ``today``."""
    rows = await conn.fetch(
        """
        SELECT media_id, rank FROM ranking_snapshots
        WHERE scope = $1 AND media_id = ANY($3::bigint[]) AND taken_on = (
            SELECT max(taken_on) FROM ranking_snapshots WHERE scope = $1 AND taken_on < $2
        )
        """,
        scope,
        today,
        list(media_ids),
    )
    return {row["media_id"]: row["rank"] for row in rows}


def as_dict(row: asyncpg.Record | None) -> dict[str, Any] | None:
    return dict(row) if row is not None else None
