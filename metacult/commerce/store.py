"""SQL of commerce's tables: offers, price history, clicks and price-drop alert choices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from metacult.commerce.rules import OfferDraft

OFFER_COLUMNS = (
    "id, media_id, store, offer_type, region, price, currency, discount_percent, url,"
    " available, first_seen, last_seen"
)


async def offers_of(conn: asyncpg.Connection, media_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {OFFER_COLUMNS} FROM commerce_offers WHERE media_id = $1", media_id
    )


async def lock_offers(conn: asyncpg.Connection, media_id: int, source: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {OFFER_COLUMNS} FROM commerce_offers WHERE media_id = $1 AND source = $2"
        " FOR UPDATE",
        media_id,
        source,
    )


async def save_offer(conn: asyncpg.Connection, media_id: int, draft: OfferDraft) -> int:
    """Insert or refresh an offer, seen now and available; its id."""
    return await conn.fetchval(
        """
        INSERT INTO commerce_offers
            (media_id, store, offer_type, region, price, currency, discount_percent, url,
             source)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (media_id, store, offer_type, region) DO UPDATE SET
            price = EXCLUDED.price, currency = EXCLUDED.currency,
            discount_percent = EXCLUDED.discount_percent, url = EXCLUDED.url,
            source = EXCLUDED.source, available = true, last_seen = now()
        RETURNING id
        """,
        media_id,
        draft.store,
        draft.offer_type,
        draft.region,
        draft.price,
        draft.currency,
        draft.discount_percent,
        draft.url,
        draft.source,
    )


async def record_price(conn: asyncpg.Connection, offer_id: int, draft: OfferDraft) -> None:
    await conn.execute(
        "INSERT INTO commerce_price_history (offer_id, price, currency, discount_percent)"
        " VALUES ($1, $2, $3, $4)",
        offer_id,
        draft.price,
        draft.currency,
        draft.discount_percent,
    )


async def mark_unlisted(
    conn: asyncpg.Connection, media_id: int, source: str, listed: Sequence[int]
) -> None:
    """Offers of ``source`` that its last listing left out are no longer available."""
    await conn.execute(
        "UPDATE commerce_offers SET available = false"
        " WHERE media_id = $1 AND source = $2 AND available AND NOT (id = ANY($3::bigint[]))",
        media_id,
        source,
        list(listed),
    )


async def price_history(conn: asyncpg.Connection, offer_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT price, currency, discount_percent, seen_at FROM commerce_price_history"
        " WHERE offer_id = $1 ORDER BY seen_at, id",
        offer_id,
    )


async def offer_link(conn: asyncpg.Connection, offer_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT id, store, url FROM commerce_offers WHERE id = $1", offer_id)


async def offered_media(conn: asyncpg.Connection) -> list[int]:
    rows = await conn.fetch("SELECT DISTINCT media_id FROM commerce_offers ORDER BY media_id")
    return [row["media_id"] for row in rows]


async def insert_clicks(
    conn: asyncpg.Connection,
    clicks: Sequence[tuple[str, int, str, int | None, str | None, str | None, datetime]],
) -> None:
    """Clicks from the stream; an entry written before (a retried batch) is left alone."""
    await conn.executemany(
        """
        INSERT INTO commerce_clicks
            (stream_id, offer_id, store, user_id, referrer, campaign, clicked_at)
        SELECT $1, $2, $3, $4, $5, $6, $7
        WHERE EXISTS (SELECT 1 FROM commerce_offers WHERE id = $2)
        ON CONFLICT (stream_id) DO NOTHING
        """,
        clicks,
    )


async def clicks_per_store_day(conn: asyncpg.Connection, since: date) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT (clicked_at AT TIME ZONE 'UTC')::date AS day, store, count(*) AS clicks"
        " FROM commerce_clicks WHERE clicked_at >= $1::date"
        " GROUP BY 1, 2 ORDER BY 1 DESC, 2",
        since,
    )


async def alerts_enabled(conn: asyncpg.Connection, user_id: int) -> bool:
    enabled = await conn.fetchval(
        "SELECT enabled FROM commerce_alert_preferences WHERE user_id = $1", user_id
    )
    return enabled is not False


async def set_alerts_enabled(conn: asyncpg.Connection, user_id: int, enabled: bool) -> None:
    await conn.execute(
        "INSERT INTO commerce_alert_preferences (user_id, enabled) VALUES ($1, $2)"
        " ON CONFLICT (user_id) DO UPDATE SET enabled = EXCLUDED.enabled",
        user_id,
        enabled,
    )


async def muted_media(conn: asyncpg.Connection, user_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT media_id FROM commerce_alert_mutes WHERE user_id = $1 ORDER BY media_id",
        user_id,
    )
    return [row["media_id"] for row in rows]


async def mute(conn: asyncpg.Connection, user_id: int, media_id: int) -> None:
    await conn.execute(
        "INSERT INTO commerce_alert_mutes (user_id, media_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        user_id,
        media_id,
    )


async def unmute(conn: asyncpg.Connection, user_id: int, media_id: int) -> None:
    await conn.execute(
        "DELETE FROM commerce_alert_mutes WHERE user_id = $1 AND media_id = $2",
        user_id,
        media_id,
    )


async def alert_recipients(
    conn: asyncpg.Connection, media_id: int, candidates: Sequence[int]
) -> list[int]:
    """Among ``candidates``, who has not switched alerts off, entirely or for the title."""
    rows = await conn.fetch(
        """
        SELECT u.id FROM unnest($2::bigint[]) AS u (id)
        WHERE NOT EXISTS (
            SELECT 1 FROM commerce_alert_preferences p WHERE p.user_id = u.id AND NOT p.enabled
        ) AND NOT EXISTS (
            SELECT 1 FROM commerce_alert_mutes m WHERE m.user_id = u.id AND m.media_id = $1
        )
        ORDER BY u.id
        """,
        media_id,
        list(candidates),
    )
    return [row["id"] for row in rows]


async def claim_alert(conn: asyncpg.Connection, user_id: int, media_id: int, day: date) -> bool:
    """Take the user's one alert of the day for this title; False when it is taken."""
    return (
        await conn.fetchval(
            "INSERT INTO commerce_alerts_sent (user_id, media_id, day) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING RETURNING true",
            user_id,
            media_id,
            day,
        )
        is True
    )


async def known_stores(conn: asyncpg.Connection) -> list[str]:
    """Every store or service commerce has seen an offer on."""
    rows = await conn.fetch("SELECT DISTINCT store FROM commerce_offers ORDER BY store")
    return [row["store"] for row in rows]


async def user_services(conn: asyncpg.Connection, user_id: int) -> list[str]:
    rows = await conn.fetch(
        "SELECT store FROM commerce_user_services WHERE user_id = $1 ORDER BY store", user_id
    )
    return [row["store"] for row in rows]


async def set_user_services(conn: asyncpg.Connection, user_id: int, stores: Sequence[str]) -> None:
    await conn.execute("DELETE FROM commerce_user_services WHERE user_id = $1", user_id)
    await conn.executemany(
        "INSERT INTO commerce_user_services (user_id, store) VALUES ($1, $2)",
        [(user_id, name) for name in stores],
    )


async def subscribers(
    conn: asyncpg.Connection, store_name: str, candidates: Sequence[int]
) -> list[int]:
    """Among ``candidates``, who chose ``store_name`` as one of their services."""
    rows = await conn.fetch(
        "SELECT user_id FROM commerce_user_services"
        " WHERE store = $1 AND user_id = ANY($2::bigint[]) ORDER BY user_id",
        store_name,
        list(candidates),
    )
    return [row["user_id"] for row in rows]


async def all_offers(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Offers by title then store, for the admin's page (the most recently seen titles first)."""
    return await conn.fetch(
        f"""
        SELECT {OFFER_COLUMNS} FROM commerce_offers o
        JOIN (
            SELECT media_id, max(last_seen) AS seen FROM commerce_offers
            GROUP BY media_id ORDER BY seen DESC, media_id LIMIT $1
        ) t USING (media_id)
        ORDER BY t.seen DESC, o.media_id, o.store, o.offer_type, o.region
        """,
        limit,
    )
