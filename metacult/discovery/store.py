"""Discovery's SQL: evidence, duel votes, the synced follow graph, neighbours, dismissals,
feed news. Nothing else touches these tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from metacult.discovery import scoring

# --- evidence ---------------------------------------------------------------------------


async def set_evidence(
    conn: asyncpg.Connection,
    user_id: int,
    media_id: int,
    kind: str,
    source: str,
    value: float,
    occurred_at: datetime,
) -> None:
    await conn.execute(
        """
        INSERT INTO discovery_evidence (user_id, media_id, kind, source, value, occurred_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (user_id, media_id, source)
        DO UPDATE SET value = EXCLUDED.value, occurred_at = EXCLUDED.occurred_at
        """,
        user_id,
        media_id,
        kind,
        source,
        value,
        occurred_at,
    )


async def add_evidence(
    conn: asyncpg.Connection,
    user_id: int,
    media_id: int,
    kind: str,
    source: str,
    delta: float,
    cap: float,
    occurred_at: datetime,
) -> None:
    """Add ``delta`` to a cell's source, up to ``cap`` (views)."""
    await conn.execute(
        """
        INSERT INTO discovery_evidence (user_id, media_id, kind, source, value, occurred_at)
        VALUES ($1, $2, $3, $4, LEAST($5::real, $6::real), $7)
        ON CONFLICT (user_id, media_id, source)
        DO UPDATE SET value = LEAST(discovery_evidence.value + $5::real, $6::real),
                      occurred_at = GREATEST(discovery_evidence.occurred_at, EXCLUDED.occurred_at)
        """,
        user_id,
        media_id,
        kind,
        source,
        delta,
        cap,
        occurred_at,
    )


async def delete_evidence(
    conn: asyncpg.Connection, user_id: int, media_id: int, source: str
) -> None:
    await conn.execute(
        "DELETE FROM discovery_evidence WHERE user_id = $1 AND media_id = $2 AND source = $3",
        user_id,
        media_id,
        source,
    )


async def record_duel_vote(
    conn: asyncpg.Connection,
    duel_id: int,
    media_id: int,
    user_id: int,
    kind: str,
    won: bool,
    cast_at: datetime,
) -> None:
    await conn.execute(
        """
        INSERT INTO discovery_duel_votes (duel_id, media_id, user_id, kind, won, cast_at)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
        """,
        duel_id,
        media_id,
        user_id,
        kind,
        won,
        cast_at,
    )


# Every (user, title) cell: evidence and duel votes summed, each decayed by its age.
_CELLS = """
WITH sources AS (
    SELECT user_id, media_id, value::float8 AS value, occurred_at
    FROM discovery_evidence
    WHERE source <> 'unknown' {evidence_filter}
    UNION ALL
    SELECT user_id, media_id,
           LEAST($2::float8, GREATEST(-$2::float8,
               $3::float8 * count(*) FILTER (WHERE won)
               + $4::float8 * count(*) FILTER (WHERE NOT won))),
           max(cast_at)
    FROM discovery_duel_votes
    WHERE true {duel_filter}
    GROUP BY user_id, media_id
)
SELECT user_id, media_id,
       sum(value * power(2.0,
           -GREATEST(0, extract(epoch FROM now() - occurred_at)) / 86400.0 / $1::float8)) AS value
FROM sources GROUP BY user_id, media_id
"""
_CELL_PARAMS = (
    scoring.EVIDENCE_HALF_LIFE_DAYS,
    scoring.DUEL_CAP,
    scoring.DUEL_WIN,
    scoring.DUEL_LOSS,
)

ALL_CELLS = _CELLS.format(evidence_filter="", duel_filter="")
USER_CELLS = _CELLS.format(evidence_filter="AND user_id = $5", duel_filter="AND user_id = $5")
# The cells of every user who touched one of the titles $5 (an incremental refresh).
_TOUCHING = """
AND user_id IN (
    SELECT user_id FROM discovery_evidence WHERE media_id = ANY($5::bigint[])
    UNION SELECT user_id FROM discovery_duel_votes WHERE media_id = ANY($5::bigint[]))
"""
TOUCHING_CELLS = _CELLS.format(evidence_filter=_TOUCHING, duel_filter=_TOUCHING)


async def all_cells(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(ALL_CELLS, *_CELL_PARAMS)


async def user_cells(conn: asyncpg.Connection, user_id: int) -> dict[int, float]:
    rows = await conn.fetch(USER_CELLS, *_CELL_PARAMS, user_id)
    return {row["media_id"]: row["value"] for row in rows}


async def cells_touching(
    conn: asyncpg.Connection, media_ids: Sequence[int]
) -> list[asyncpg.Record]:
    return await conn.fetch(TOUCHING_CELLS, *_CELL_PARAMS, list(media_ids))


async def unknown_to(conn: asyncpg.Connection, user_id: int) -> set[int]:
    """Titles the user said, in a duel, they have not seen."""
    rows = await conn.fetch(
        "SELECT media_id FROM discovery_evidence WHERE user_id = $1 AND source = 'unknown'",
        user_id,
    )
    return {row["media_id"] for row in rows}


async def lovers_of(conn: asyncpg.Connection, media_id: int, limit: int) -> list[int]:
    """Users whose evidence says they loved a title (undecayed, the strongest first)."""
    rows = await conn.fetch(
        """
        SELECT user_id FROM discovery_evidence
        WHERE media_id = $1 AND source <> 'unknown'
        GROUP BY user_id HAVING sum(value) >= $2
        ORDER BY sum(value) DESC, user_id LIMIT $3
        """,
        media_id,
        scoring.LOVED,
        limit,
    )
    return [row["user_id"] for row in rows]


# --- duel votes (stats) ---------------------------------------------------------------


async def duel_votes_between(
    conn: asyncpg.Connection, user_id: int, start: datetime, end: datetime
) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT media_id, kind, count(*) AS games, count(*) FILTER (WHERE won) AS wins
        FROM discovery_duel_votes
        WHERE user_id = $1 AND cast_at >= $2 AND cast_at < $3
        GROUP BY media_id, kind
        """,
        user_id,
        start,
        end,
    )


# --- the follow graph ---------------------------------------------------------------------


async def add_follow(conn: asyncpg.Connection, follower_id: int, followee_id: int) -> None:
    await conn.execute(
        "INSERT INTO discovery_follows (follower_id, followee_id) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING",
        follower_id,
        followee_id,
    )


async def remove_follow(conn: asyncpg.Connection, follower_id: int, followee_id: int) -> None:
    await conn.execute(
        "DELETE FROM discovery_follows WHERE follower_id = $1 AND followee_id = $2",
        follower_id,
        followee_id,
    )


async def followees(conn: asyncpg.Connection, user_id: int, limit: int = 500) -> list[int]:
    rows = await conn.fetch(
        "SELECT followee_id FROM discovery_follows WHERE follower_id = $1 "
        "ORDER BY followee_id LIMIT $2",
        user_id,
        limit,
    )
    return [row["followee_id"] for row in rows]


async def followers(conn: asyncpg.Connection, user_id: int, limit: int = 10_000) -> list[int]:
    rows = await conn.fetch(
        "SELECT follower_id FROM discovery_follows WHERE followee_id = $1 "
        "ORDER BY follower_id LIMIT $2",
        user_id,
        limit,
    )
    return [row["follower_id"] for row in rows]


# --- neighbours -------------------------------------------------------------------------


async def replace_all_neighbours(
    conn: asyncpg.Connection, rows: list[tuple[int, int, float]]
) -> None:
    """Every title's neighbours replaced (in the caller's transaction: readers see the old
    set until it commits)."""
    await conn.execute("DELETE FROM discovery_neighbours")
    await conn.copy_records_to_table(
        "discovery_neighbours", records=rows, columns=("media_id", "neighbour_id", "score")
    )


async def replace_neighbours_of(
    conn: asyncpg.Connection, media_ids: Sequence[int], rows: list[tuple[int, int, float]]
) -> None:
    await conn.execute(
        "DELETE FROM discovery_neighbours WHERE media_id = ANY($1::bigint[])", list(media_ids)
    )
    await conn.copy_records_to_table(
        "discovery_neighbours", records=rows, columns=("media_id", "neighbour_id", "score")
    )


async def neighbours_of(
    conn: asyncpg.Connection, media_ids: Sequence[int]
) -> dict[int, list[tuple[int, float]]]:
    rows = await conn.fetch(
        "SELECT media_id, neighbour_id, score FROM discovery_neighbours "
        "WHERE media_id = ANY($1::bigint[]) ORDER BY media_id, score DESC, neighbour_id",
        list(media_ids),
    )
    out: dict[int, list[tuple[int, float]]] = {}
    for row in rows:
        out.setdefault(row["media_id"], []).append((row["neighbour_id"], row["score"]))
    return out


async def save_norms(
    conn: asyncpg.Connection, norms: list[tuple[int, float]], *, replace: bool
) -> None:
    if replace:
        await conn.execute("DELETE FROM discovery_item_norms")
    await conn.executemany(
        "INSERT INTO discovery_item_norms (media_id, norm) VALUES ($1, $2) "
        "ON CONFLICT (media_id) DO UPDATE SET norm = EXCLUDED.norm",
        norms,
    )


async def norms(conn: asyncpg.Connection) -> dict[int, float]:
    rows = await conn.fetch("SELECT media_id, norm FROM discovery_item_norms")
    return {row["media_id"]: row["norm"] for row in rows}


async def record_run(
    conn: asyncpg.Connection, scope: str, model: str, titles: int, evidence: int, seconds: float
) -> None:
    await conn.execute(
        "INSERT INTO discovery_runs (scope, model, titles, evidence, seconds) "
        "VALUES ($1, $2, $3, $4, $5)",
        scope,
        model,
        titles,
        evidence,
        seconds,
    )


async def last_model(conn: asyncpg.Connection) -> str | None:
    return await conn.fetchval(
        "SELECT model FROM discovery_runs WHERE scope = 'full' ORDER BY id DESC LIMIT 1"
    )


# --- dismissals and news --------------------------------------------------------------------


async def dismiss(
    conn: asyncpg.Connection, user_id: int, media_id: int, reason: str | None
) -> bool:
    """True when the title was not dismissed yet."""
    status = await conn.execute(
        """
        INSERT INTO discovery_dismissals (user_id, media_id, reason) VALUES ($1, $2, $3)
        ON CONFLICT (user_id, media_id) DO NOTHING
        """,
        user_id,
        media_id,
        reason,
    )
    return status.endswith(" 1")


async def dismissed(conn: asyncpg.Connection, user_id: int) -> set[int]:
    rows = await conn.fetch("SELECT media_id FROM discovery_dismissals WHERE user_id = $1", user_id)
    return {row["media_id"] for row in rows}


async def add_news(
    conn: asyncpg.Connection, user_ids: Sequence[int], media_id: int, reason: str
) -> None:
    await conn.executemany(
        "INSERT INTO discovery_feed_news (user_id, media_id, reason) VALUES ($1, $2, $3::jsonb)",
        [(user_id, media_id, reason) for user_id in user_ids],
    )


async def news_since(conn: asyncpg.Connection, user_id: int, after_id: int) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM discovery_feed_news WHERE user_id = $1 AND id > $2",
        user_id,
        after_id,
    )


async def last_news_id(conn: asyncpg.Connection, user_id: int) -> int:
    return await conn.fetchval(
        "SELECT coalesce(max(id), 0) FROM discovery_feed_news WHERE user_id = $1", user_id
    )


async def prune(conn: asyncpg.Connection) -> None:
    """Drop feed news older than a month and refresh records older than a week."""
    await conn.execute(
        "DELETE FROM discovery_feed_news WHERE created_at < now() - interval '30 days'"
    )
    await conn.execute("DELETE FROM discovery_runs WHERE finished_at < now() - interval '7 days'")


async def forget_user(conn: asyncpg.Connection, user_id: int) -> None:
    for statement in (
        "DELETE FROM discovery_evidence WHERE user_id = $1",
        "DELETE FROM discovery_duel_votes WHERE user_id = $1",
        "DELETE FROM discovery_follows WHERE follower_id = $1 OR followee_id = $1",
        "DELETE FROM discovery_dismissals WHERE user_id = $1",
        "DELETE FROM discovery_feed_news WHERE user_id = $1",
    ):
        await conn.execute(statement, user_id)


async def user_data(conn: asyncpg.Connection, user_id: int) -> dict[str, Any]:
    """What discovery holds about a user, for their export."""
    dismissals = await conn.fetch(
        "SELECT media_id, reason, dismissed_at FROM discovery_dismissals WHERE user_id = $1 "
        "ORDER BY dismissed_at",
        user_id,
    )
    return {"dismissed": [dict(row) for row in dismissals]}
