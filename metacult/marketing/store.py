"""Marketing's SQL: campaigns, their days, the spend. Nothing else touches these tables."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from metacult.marketing.rules import Campaign

COLUMNS = (
    "advertiser, title, body, image_url, cta_label, cta_url, media_id, kinds, genres, "
    "platforms, starts_at, ends_at, total_budget_micros, daily_budget_micros, price_model, "
    "price_micros, frequency_cap, status, video_url, video_mime, video_duration_s, "
    "video_width, video_height, vast_tag_url, min_level"
)


def _campaign(row: asyncpg.Record) -> Campaign:
    values = dict(row)
    for name in ("kinds", "genres", "platforms"):
        values[name] = tuple(values[name])
    for name in ("created_at", "updated_at"):
        values.pop(name, None)
    return Campaign(**values)


def _values(fields: dict[str, Any]) -> list[Any]:
    return [fields[name.strip()] for name in COLUMNS.split(",")]


async def create(conn: asyncpg.Connection, fields: dict[str, Any]) -> Campaign:
    placeholders = ", ".join(f"${i}" for i in range(1, len(COLUMNS.split(",")) + 1))
    row = await conn.fetchrow(
        f"INSERT INTO marketing_campaigns ({COLUMNS}) VALUES ({placeholders}) RETURNING *",
        *_values(fields),
    )
    return _campaign(row)


async def replace(
    conn: asyncpg.Connection, campaign_id: int, fields: dict[str, Any]
) -> Campaign | None:
    names = [name.strip() for name in COLUMNS.split(",")]
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=2))
    row = await conn.fetchrow(
        f"UPDATE marketing_campaigns SET {sets}, updated_at = now() WHERE id = $1 RETURNING *",
        campaign_id,
        *_values(fields),
    )
    return _campaign(row) if row else None


async def set_status(conn: asyncpg.Connection, campaign_id: int, status: str) -> Campaign | None:
    row = await conn.fetchrow(
        "UPDATE marketing_campaigns SET status = $2, updated_at = now() WHERE id = $1 RETURNING *",
        campaign_id,
        status,
    )
    return _campaign(row) if row else None


async def delete(conn: asyncpg.Connection, campaign_id: int) -> bool:
    return await conn.execute("DELETE FROM marketing_campaigns WHERE id = $1", campaign_id) != (
        "DELETE 0"
    )


async def get(conn: asyncpg.Connection, campaign_id: int) -> Campaign | None:
    row = await conn.fetchrow("SELECT * FROM marketing_campaigns WHERE id = $1", campaign_id)
    return _campaign(row) if row else None


async def listed(conn: asyncpg.Connection, *, after: int, limit: int) -> list[Campaign]:
    rows = await conn.fetch(
        "SELECT * FROM marketing_campaigns WHERE id > $1 ORDER BY id LIMIT $2", after, limit
    )
    return [_campaign(row) for row in rows]


async def active(conn: asyncpg.Connection) -> list[Campaign]:
    """Active campaigns with money left (their schedule is the caller's to check)."""
    rows = await conn.fetch(
        "SELECT * FROM marketing_campaigns WHERE status = 'active' "
        "AND spent_micros < total_budget_micros AND ends_at > now()"
    )
    return [_campaign(row) for row in rows]


async def spent_on(conn: asyncpg.Connection, campaign_ids: list[int], day: date) -> dict[int, int]:
    rows = await conn.fetch(
        "SELECT campaign_id, spent_micros FROM marketing_daily "
        "WHERE campaign_id = ANY($1::bigint[]) AND day = $2",
        campaign_ids,
        day,
    )
    return {row["campaign_id"]: row["spent_micros"] for row in rows}


async def record(
    conn: asyncpg.Connection,
    campaign_id: int,
    day: date,
    *,
    impressions: int = 0,
    clicks: int = 0,
    cost_micros: int = 0,
) -> bool:
    """Count the day's impressions / clicks and move the spend; the campaign is exhausted
    (stops showing) once it spent its total budget. Never beyond: the last cost is cut.
    True when this made it exhausted."""
    async with conn.transaction():
        changed = await conn.fetchrow(
            "WITH old AS (SELECT spent_micros, status FROM marketing_campaigns "
            "WHERE id = $1 FOR UPDATE) "
            "UPDATE marketing_campaigns c SET "
            "spent_micros = LEAST(c.total_budget_micros, c.spent_micros + $2), "
            "status = CASE WHEN c.spent_micros + $2 >= c.total_budget_micros THEN 'exhausted' "
            "ELSE c.status END, updated_at = now() "
            "FROM old WHERE c.id = $1 "
            "RETURNING c.spent_micros - old.spent_micros AS moved, "
            "c.status = 'exhausted' AND old.status <> 'exhausted' AS exhausted",
            campaign_id,
            cost_micros,
        )
        if changed is None:
            return False
        moved = changed["moved"]
        await conn.execute(
            "INSERT INTO marketing_daily (campaign_id, day, impressions, clicks, spent_micros) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (campaign_id, day) DO UPDATE SET "
            "impressions = marketing_daily.impressions + $3, "
            "clicks = marketing_daily.clicks + $4, "
            "spent_micros = marketing_daily.spent_micros + $5",
            campaign_id,
            day,
            impressions,
            clicks,
            moved,
        )
    return changed["exhausted"]


async def report(conn: asyncpg.Connection, campaign_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT day, impressions, clicks, spent_micros FROM marketing_daily "
        "WHERE campaign_id = $1 ORDER BY day",
        campaign_id,
    )


async def day_totals(conn: asyncpg.Connection, day: date) -> asyncpg.Record:
    return await conn.fetchrow(
        "SELECT coalesce(sum(impressions), 0)::bigint AS impressions, "
        "coalesce(sum(clicks), 0)::bigint AS clicks, "
        "coalesce(sum(spent_micros), 0)::bigint AS spent_micros "
        "FROM marketing_daily WHERE day = $1",
        day,
    )
