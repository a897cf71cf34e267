"""Gamification's SQL: the ledger, per-user progress and counters, badges, rarity, leagues.
Nothing else touches these tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

LOCK_WAIT = "10s"

# Progress rows and the user lock.


async def lock_users(conn: asyncpg.Connection, user_ids: Iterable[int]) -> None:
    """Create the users' progress rows if needed and lock them, in ascending id order, so
    that two awards touching the same users never wait on each other in a cycle."""
    await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
    ids = sorted(set(user_ids))
    await conn.execute(
        "INSERT INTO gamification_users (user_id) SELECT unnest($1::bigint[]) "
        "ON CONFLICT DO NOTHING",
        ids,
    )
    await conn.execute(
        "SELECT 1 FROM gamification_users WHERE user_id = ANY($1::bigint[]) "
        "ORDER BY user_id FOR UPDATE",
        ids,
    )


async def progress(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM gamification_users WHERE user_id = $1", user_id)


async def save_totals(
    conn: asyncpg.Connection, user_id: int, *, xp: int, level: int, week: date, week_xp: int
) -> None:
    await conn.execute(
        "UPDATE gamification_users SET xp = $2, level = $3, week = $4, week_xp = $5, "
        "updated_at = now() WHERE user_id = $1",
        user_id,
        xp,
        level,
        week,
        week_xp,
    )


async def save_streak(
    conn: asyncpg.Connection,
    user_id: int,
    *,
    days: int,
    best: int,
    last_day: date | None,
    freezes: int,
    freeze_week: str | None,
) -> None:
    await conn.execute(
        "UPDATE gamification_users SET streak_days = $2, best_streak = $3, "
        "last_active_day = $4, freezes = $5, freeze_week = $6 WHERE user_id = $1",
        user_id,
        days,
        best,
        last_day,
        freezes,
        freeze_week,
    )


async def set_tier(conn: asyncpg.Connection, user_id: int, tier: int) -> None:
    await conn.execute("UPDATE gamification_users SET tier = $2 WHERE user_id = $1", user_id, tier)


# The ledger.


async def source_taken(conn: asyncpg.Connection, source: str) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM gamification_ledger WHERE source = $1", source))


async def subject_state(
    conn: asyncpg.Connection, user_id: int, action: str, subject: str
) -> asyncpg.Record:
    """What the ledger holds for one subject: its XP, and its latest row (time, target,
    state, counts)."""
    return await conn.fetchrow(
        "SELECT coalesce(sum(xp), 0)::int AS held, "
        "(array_agg(occurred_at ORDER BY occurred_at DESC, id DESC))[1] AS last_at, "
        "(array_agg(state ORDER BY occurred_at DESC, id DESC))[1] AS state, "
        "(array_agg(target ORDER BY occurred_at DESC, id DESC))[1] AS target, "
        "(array_agg(array_to_string(counts, ',') ORDER BY occurred_at DESC, id DESC))[1] "
        "AS counts "
        "FROM gamification_ledger WHERE user_id = $1 AND action = $2 AND subject = $3",
        user_id,
        action,
        subject,
    )


async def earned_on(conn: asyncpg.Connection, user_id: int, action: str, day: date) -> int:
    """The net XP of one action on one local day (what its daily cap is measured on)."""
    return await conn.fetchval(
        "SELECT coalesce(sum(xp), 0)::int FROM gamification_ledger "
        "WHERE user_id = $1 AND action = $2 AND day = $3",
        user_id,
        action,
        day,
    )


async def insert_entry(
    conn: asyncpg.Connection,
    *,
    user_id: int,
    source: str,
    action: str,
    subject: str,
    target: int,
    xp: int,
    state: str | None,
    counts: Sequence[str],
    day: date,
    week: date,
    occurred_at: datetime,
) -> bool:
    """Write a ledger row; False when its source already has one (nothing written)."""
    row = await conn.fetchval(
        "INSERT INTO gamification_ledger (user_id, source, action, subject, target, xp, state, "
        "counts, day, week, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
        "ON CONFLICT (source) DO NOTHING RETURNING 1",
        user_id,
        source,
        action,
        subject,
        target,
        xp,
        state,
        list(counts),
        day,
        week,
        occurred_at,
    )
    return row is not None


async def ledger_sum(conn: asyncpg.Connection, user_id: int) -> int:
    return await conn.fetchval(
        "SELECT coalesce(sum(xp), 0)::bigint FROM gamification_ledger WHERE user_id = $1",
        user_id,
    )


async def week_sum(conn: asyncpg.Connection, user_id: int, week: date) -> int:
    return await conn.fetchval(
        "SELECT coalesce(sum(xp), 0)::int FROM gamification_ledger WHERE user_id = $1 "
        "AND week = $2",
        user_id,
        week,
    )


async def ledger_of(conn: asyncpg.Connection, user_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT source, action, subject, xp, state, day, occurred_at FROM gamification_ledger "
        "WHERE user_id = $1 ORDER BY occurred_at, id",
        user_id,
    )


async def drifted_totals(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Users whose counter is not their ledger's sum: ``user_id, xp, ledger``."""
    return await conn.fetch(
        "SELECT u.user_id, u.xp, coalesce(l.total, 0)::bigint AS ledger "
        "FROM gamification_users u LEFT JOIN "
        "(SELECT user_id, sum(xp) AS total FROM gamification_ledger GROUP BY user_id) l "
        "ON l.user_id = u.user_id WHERE u.xp <> coalesce(l.total, 0)"
    )


# Counters.


async def add_to_counters(conn: asyncpg.Connection, user_id: int, deltas: dict[str, int]) -> None:
    names = [name for name, delta in deltas.items() if delta]
    if not names:
        return
    await conn.execute(
        "INSERT INTO gamification_counters (user_id, name, value) "
        "SELECT $1, name, delta FROM unnest($2::text[], $3::int[]) AS d(name, delta) "
        "ON CONFLICT (user_id, name) DO UPDATE "
        "SET value = gamification_counters.value + excluded.value",
        user_id,
        names,
        [deltas[name] for name in names],
    )


async def set_counters(conn: asyncpg.Connection, user_id: int, values: dict[str, int]) -> None:
    if not values:
        return
    await conn.execute(
        "INSERT INTO gamification_counters (user_id, name, value) "
        "SELECT $1, name, value FROM unnest($2::text[], $3::int[]) AS d(name, value) "
        "ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value",
        user_id,
        list(values),
        list(values.values()),
    )


async def counters(conn: asyncpg.Connection, user_id: int) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT name, value FROM gamification_counters WHERE user_id = $1", user_id
    )
    return {row["name"]: row["value"] for row in rows}


async def prefixed_summary(conn: asyncpg.Connection, user_id: int, prefix: str) -> asyncpg.Record:
    """How many counters named ``{prefix}…`` are positive, and the largest of them."""
    return await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE value > 0)::int AS positive, "
        "coalesce(max(value), 0)::int AS largest FROM gamification_counters "
        "WHERE user_id = $1 AND starts_with(name, $2)",
        user_id,
        prefix,
    )


# Badges.


async def insert_badge(
    conn: asyncpg.Connection, user_id: int, badge_id: str, granted_by: int | None = None
) -> datetime | None:
    """Record an earned badge; its time, or None when the user already holds it."""
    return await conn.fetchval(
        "INSERT INTO gamification_badges (user_id, badge_id, granted_by) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING RETURNING earned_at",
        user_id,
        badge_id,
        granted_by,
    )


async def delete_badge(conn: asyncpg.Connection, user_id: int, badge_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "DELETE FROM gamification_badges WHERE user_id = $1 AND badge_id = $2 RETURNING 1",
            user_id,
            badge_id,
        )
    )


async def badges_of(conn: asyncpg.Connection, user_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT badge_id, earned_at FROM gamification_badges WHERE user_id = $1 "
        "ORDER BY earned_at, badge_id",
        user_id,
    )


async def rarities(conn: asyncpg.Connection) -> dict[str, float]:
    rows = await conn.fetch("SELECT badge_id, rarity FROM gamification_badge_rarity")
    return {row["badge_id"]: row["rarity"] for row in rows}


async def refresh_rarity(
    conn: asyncpg.Connection, badge_ids: Sequence[str], since: datetime
) -> int:
    """Recompute each badge's share of active users (XP since ``since``); the active count."""
    active = await conn.fetchval(
        "SELECT count(DISTINCT user_id)::int FROM gamification_ledger WHERE occurred_at >= $1",
        since,
    )
    await conn.execute(
        "INSERT INTO gamification_badge_rarity (badge_id, holders, active_users, rarity) "
        "SELECT b.id, coalesce(h.holders, 0), $2::int, "
        "CASE WHEN $2::int = 0 THEN 0 ELSE 100.0 * coalesce(h.holders, 0) / $2::int END "
        "FROM unnest($1::text[]) AS b(id) LEFT JOIN ("
        "  SELECT badge_id, count(*)::int AS holders FROM gamification_badges g "
        "  WHERE EXISTS (SELECT 1 FROM gamification_ledger l WHERE l.user_id = g.user_id "
        "                AND l.occurred_at >= $3) GROUP BY badge_id"
        ") h ON h.badge_id = b.id "
        "ON CONFLICT (badge_id) DO UPDATE SET holders = excluded.holders, "
        "active_users = excluded.active_users, rarity = excluded.rarity, refreshed_at = now()",
        list(badge_ids),
        active,
        since,
    )
    return active


# Leagues.


async def membership(conn: asyncpg.Connection, user_id: int, week: date) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT m.league_id, m.xp, l.tier, l.closed_at FROM gamification_league_members m "
        "JOIN gamification_leagues l ON l.id = m.league_id WHERE m.user_id = $1 AND m.week = $2",
        user_id,
        week,
    )


async def place_in_league(
    conn: asyncpg.Connection, user_id: int, week: date, tier: int, size: int
) -> int:
    """Put the user in an open league of their tier with room (a new one when none has);
    one placement at a time per week and tier (an advisory lock)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        f"gamification.league:{week.isoformat()}:{tier}",
    )
    league_id = await conn.fetchval(
        "SELECT id FROM gamification_leagues WHERE week = $1 AND tier = $2 "
        "AND closed_at IS NULL AND members < $3 ORDER BY id LIMIT 1",
        week,
        tier,
        size,
    )
    if league_id is None:
        league_id = await conn.fetchval(
            "INSERT INTO gamification_leagues (week, tier) VALUES ($1, $2) RETURNING id",
            week,
            tier,
        )
    await conn.execute(
        "UPDATE gamification_leagues SET members = members + 1 WHERE id = $1", league_id
    )
    await conn.execute(
        "INSERT INTO gamification_league_members (league_id, user_id, week) VALUES ($1, $2, $3)",
        league_id,
        user_id,
        week,
    )
    return league_id


async def set_member_xp(conn: asyncpg.Connection, user_id: int, week: date, xp: int) -> None:
    await conn.execute(
        "UPDATE gamification_league_members SET xp = $3 WHERE user_id = $1 AND week = $2",
        user_id,
        week,
        xp,
    )


async def standings(conn: asyncpg.Connection, league_id: int) -> list[asyncpg.Record]:
    """A league's members, best first (more XP; at equal XP, who got there first)."""
    return await conn.fetch(
        "SELECT user_id, xp, rank, result FROM gamification_league_members "
        "WHERE league_id = $1 ORDER BY xp DESC, joined_at, user_id",
        league_id,
    )


async def league(conn: asyncpg.Connection, league_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM gamification_leagues WHERE id = $1", league_id)


async def leagues_to_close(conn: asyncpg.Connection, before: date) -> list[int]:
    rows = await conn.fetch(
        "SELECT id FROM gamification_leagues WHERE week < $1 AND closed_at IS NULL ORDER BY id",
        before,
    )
    return [row["id"] for row in rows]


async def claim_league_closing(conn: asyncpg.Connection, league_id: int) -> asyncpg.Record | None:
    """Mark a league closed; None when it already was (the week closes once)."""
    return await conn.fetchrow(
        "UPDATE gamification_leagues SET closed_at = now() WHERE id = $1 AND closed_at IS NULL "
        "RETURNING id, week, tier",
        league_id,
    )


async def set_result(
    conn: asyncpg.Connection, league_id: int, user_id: int, rank: int, result: str
) -> None:
    await conn.execute(
        "UPDATE gamification_league_members SET rank = $3, result = $4 "
        "WHERE league_id = $1 AND user_id = $2",
        league_id,
        user_id,
        rank,
        result,
    )


async def league_history(conn: asyncpg.Connection, user_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT m.league_id, m.week, l.tier, m.xp, m.rank, m.result "
        "FROM gamification_league_members m JOIN gamification_leagues l ON l.id = m.league_id "
        "WHERE m.user_id = $1 ORDER BY m.week DESC",
        user_id,
    )


# Statistics and deletion.


async def award_stats(conn: asyncpg.Connection, since: datetime) -> asyncpg.Record:
    return await conn.fetchrow(
        "SELECT coalesce(sum(xp) FILTER (WHERE xp > 0), 0)::bigint AS xp_awarded, "
        "coalesce(-sum(xp) FILTER (WHERE xp < 0), 0)::bigint AS xp_taken_back, "
        "count(DISTINCT user_id)::int AS users "
        "FROM gamification_ledger WHERE created_at >= $1",
        since,
    )


async def badges_earned_since(conn: asyncpg.Connection, since: datetime) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT badge_id, count(*)::int AS n FROM gamification_badges WHERE earned_at >= $1 "
        "GROUP BY badge_id",
        since,
    )
    return {row["badge_id"]: row["n"] for row in rows}


async def forget_user(conn: asyncpg.Connection, user_id: int) -> list[int]:
    """Delete everything held about a user; the leagues they were in (to re-rank)."""
    leagues = await conn.fetch(
        "DELETE FROM gamification_league_members WHERE user_id = $1 RETURNING league_id",
        user_id,
    )
    for table in (
        "gamification_ledger",
        "gamification_counters",
        "gamification_badges",
        "gamification_users",
    ):
        await conn.execute(f"DELETE FROM {table} WHERE user_id = $1", user_id)
    return sorted({row["league_id"] for row in leagues})


def as_dict(row: asyncpg.Record | None) -> dict[str, Any]:
    return dict(row) if row is not None else {}
