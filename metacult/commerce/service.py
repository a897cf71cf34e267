"""Commerce's use cases: offers of a title, their sync from the sources, affiliate
redirects and their clicks, and price-drop alerts."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from metacult import catalog, identity, interaction
from metacult.commerce import providers, rules, store
from metacult.commerce.notices import AVAILABLE, PRICE_DROP, Available, PriceDrop
from metacult.commerce.rules import OfferDraft
from metacult.config import Settings
from metacult.infra.errors import Invalid, NotFound
from metacult.infra.redis import rkey

log = logging.getLogger("metacult.commerce")

# How long a redirect's target is kept in Redis (a sync writes it again).
LINK_TTL_S = 7 * 86400
CLICK_BATCH = 1000


class OfferNotFound(NotFound):
    """No such offer."""

    code = "offer_not_found"


@dataclass(frozen=True)
class Drop:
    media_id: int
    offer_id: int
    store: str
    old_price: Any
    draft: OfferDraft


@dataclass(frozen=True)
class Arrival:
    """A title listed on a store where it had no available offer before."""

    media_id: int
    offer_id: int
    store: str
    draft: OfferDraft


@dataclass
class SyncReport:
    titles: int = 0
    offers: int = 0
    drops: list[Drop] = field(default_factory=list)
    alerts: int = 0
    failures: int = 0
    arrivals: list[Arrival] = field(default_factory=list)
    available_alerts: int = 0


# Reading.


async def offers_of(conn: asyncpg.Connection, media_id: int) -> tuple[list[dict], int | None]:
    """A title's offers, cheapest first, and the best deal's id; 404 when no such title."""
    if await catalog.media_exists(conn, media_id) is None:
        raise catalog.MediaNotFound()
    offers = [dict(row) for row in await store.offers_of(conn, media_id)]
    offers.sort(key=lambda offer: (not offer["available"], *rules.price_order(offer)))
    return offers, rules.best_deal(offers)


async def price_history(conn: asyncpg.Connection, offer_id: int) -> list[asyncpg.Record]:
    return await store.price_history(conn, offer_id)


# Sync.


async def sync_offers(
    db: asyncpg.Pool, redis: Redis, settings: Settings, media_ids: Sequence[int] | None = None
) -> SyncReport:
    """Refresh the offers of ``media_ids`` (by default every title someone wants or that has
    offers) from the store feed and TMDB, keep price changes, and alert the users who want a
    title that got cheaper."""
    async with db.acquire() as conn:
        if media_ids is None:
            wanted = await interaction.wanted_media(conn)
            media_ids = sorted(set(wanted) | set(await store.offered_media(conn)))
        titles = []
        for media_id in media_ids:
            try:
                titles.append(await catalog.get_media(conn, media_id))
            except catalog.MediaNotFound:
                continue
    report = SyncReport()
    feed: Any = None
    async with providers.session() as session:
        if settings.commerce_feed_url and any(t.kind == "game" and t.igdb_id for t in titles):
            try:
                feed = await providers.store_feed(session, settings)
            except providers.SourceFailed as exc:
                log.warning("store feed unavailable", extra={"error": str(exc)})
                report.failures += 1
        for title in titles:
            if title.kind == "game":
                if feed is None or not title.igdb_id:
                    continue
                drafts, source = rules.feed_offers(feed, title.igdb_id), "feed"
            else:
                if not (title.tmdb_id and settings.tmdb_token):
                    continue
                try:
                    answer = await providers.watch_providers(
                        session, settings, title.kind, title.tmdb_id
                    )
                except providers.SourceFailed as exc:
                    log.info("watch providers unavailable", extra={"error": str(exc)})
                    report.failures += 1
                    continue
                drafts, source = rules.tmdb_offers(answer, settings.commerce_region), "tmdb"
            drops, arrivals = await save_offers(db, redis, settings, title.id, source, drafts)
            report.titles += 1
            report.offers += len(drafts)
            report.drops.extend(drops)
            report.arrivals.extend(arrivals)
            for drop in drops:
                report.alerts += await alert_price_drop(db, redis, settings, title, drop)
            for arrival in arrivals:
                report.available_alerts += await alert_available(
                    db, redis, settings, title, arrival
                )
    try:
        await redis.set(_last_sync_key(settings), datetime.now(UTC).isoformat())
    except (RedisError, OSError):
        log.warning("the time of the last sync was not kept")
    return report


def _last_sync_key(settings: Settings) -> str:
    return rkey(settings, "commerce", "last_sync")


async def last_sync(redis: Redis, settings: Settings) -> datetime | None:
    """When the last offer sync finished (None when none did, or Redis is not answering)."""
    try:
        value = await redis.get(_last_sync_key(settings))
    except (RedisError, OSError):
        return None
    return None if value is None else datetime.fromisoformat(value.decode())


async def admin_offers(
    conn: asyncpg.Connection, limit: int
) -> tuple[list[dict], dict[int, catalog.MediaSummary]]:
    """Offers of the ``limit`` most recently synced titles, with those titles' summaries."""
    rows = [dict(row) for row in await store.all_offers(conn, limit)]
    return rows, await catalog.media_summaries(conn, {row["media_id"] for row in rows})


async def save_offers(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    media_id: int,
    source: str,
    drafts: Sequence[OfferDraft],
) -> tuple[list[Drop], list[Arrival]]:
    """Store one source's listing of a title; the offers whose price went down, and the
    stores the title is newly available on (one offer each)."""
    drops: list[Drop] = []
    arrivals: dict[str, Arrival] = {}
    links: dict[int, tuple[str, str]] = {}
    async with db.acquire() as conn, conn.transaction():
        before = {
            (row["store"], row["offer_type"], row["region"]): row
            for row in await store.lock_offers(conn, media_id, source)
        }
        # Where the title was available before this listing: another store is news.
        stores_before = {row["store"] for row in before.values() if row["available"]}
        listed = []
        for draft in drafts:
            offer_id = await store.save_offer(conn, media_id, draft)
            listed.append(offer_id)
            links[offer_id] = (draft.store, draft.url)
            old = before.get(draft.key)
            changed = old is None or (
                (old["price"], old["currency"], old["discount_percent"])
                != (draft.price, draft.currency, draft.discount_percent)
            )
            if changed:
                await store.record_price(conn, offer_id, draft)
            if (
                old is not None
                and old["available"]
                and rules.dropped(old["price"], old["currency"], draft)
            ):
                drops.append(Drop(media_id, offer_id, draft.store, old["price"], draft))
            if draft.store not in stores_before and draft.store not in arrivals:
                arrivals[draft.store] = Arrival(media_id, offer_id, draft.store, draft)
        await store.mark_unlisted(conn, media_id, source, listed)
    await _keep_links(redis, settings, links)
    return drops, list(arrivals.values())


async def alert_available(
    db: asyncpg.Pool, redis: Redis, settings: Settings, title: catalog.Media, arrival: Arrival
) -> int:
    """Tell each user who wants the title, chose the store as one of their services and
    has not switched alerts off that it is now available there: in their inbox and on
    ``user:{id}``, within the same one alert per title per day as the price drops."""
    today = datetime.now(UTC).date()
    draft = arrival.draft
    payload = Available(
        media_id=title.id,
        kind=title.kind,
        title=title.title,
        offer_id=arrival.offer_id,
        store=arrival.store,
        offer_type=draft.offer_type,
        price=None if draft.price is None else str(draft.price),
        currency=draft.currency,
    )
    sent = 0
    async with db.acquire() as conn:
        wanting = await interaction.wanting_users(conn, title.id)
        choosing = await store.subscribers(conn, arrival.store, wanting)
        recipients = await store.alert_recipients(conn, title.id, choosing)
        for user_id in recipients:
            async with conn.transaction():
                if not await store.claim_alert(conn, user_id, title.id, today):
                    continue
                source = f"commerce.available:{title.id}:{today.isoformat()}"
                await identity.notify(
                    conn, redis, settings, user_id, AVAILABLE, payload, source=source
                )
                sent += 1
    return sent


async def alert_price_drop(
    db: asyncpg.Pool, redis: Redis, settings: Settings, title: catalog.Media, drop: Drop
) -> int:
    """Tell each user who wants the title (and has not switched alerts off) that it got
    cheaper: in their inbox and on ``user:{id}``, at most once per title per day."""
    today = datetime.now(UTC).date()
    payload = PriceDrop(
        media_id=title.id,
        kind=title.kind,
        title=title.title,
        offer_id=drop.offer_id,
        store=drop.store,
        old_price=str(drop.old_price),
        price=str(drop.draft.price),
        currency=drop.draft.currency or "",
        discount_percent=drop.draft.discount_percent,
    )
    sent = 0
    async with db.acquire() as conn:
        wanting = await interaction.wanting_users(conn, title.id)
        recipients = await store.alert_recipients(conn, title.id, wanting)
        for user_id in recipients:
            async with conn.transaction():
                if not await store.claim_alert(conn, user_id, title.id, today):
                    continue
                source = f"commerce.price_drop:{title.id}:{today.isoformat()}"
                await identity.notify(
                    conn, redis, settings, user_id, PRICE_DROP, payload, source=source
                )
                sent += 1
    return sent


# Affiliate redirects and their clicks.


def _link_key(settings: Settings, offer_id: int) -> str:
    return rkey(settings, "commerce", "link", offer_id)


def _clicks_key(settings: Settings) -> str:
    return rkey(settings, "commerce", "clicks")


async def _keep_links(redis: Redis, settings: Settings, links: dict[int, tuple[str, str]]) -> None:
    if not links:
        return
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for offer_id, (store_name, url) in links.items():
                pipe.set(
                    _link_key(settings, offer_id), orjson.dumps([store_name, url]), ex=LINK_TTL_S
                )
            await pipe.execute()
    except (RedisError, OSError):
        log.warning("offer links not kept in Redis: the redirects read PostgreSQL")


async def affiliate_target(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    offer_id: int,
    *,
    user_id: int | None,
    referrer: str | None,
    campaign: str | None,
) -> str:
    """Where ``/go/{offer_id}`` sends the browser: the offer's stored URL with the store's
    affiliate parameters. The click goes to the click stream (Redis); PostgreSQL is read
    only when Redis does not hold the offer's link."""
    store_name = url = None
    try:
        kept = await redis.get(_link_key(settings, offer_id))
    except (RedisError, OSError):
        kept = None
    if kept is not None:
        store_name, url = orjson.loads(kept)
    else:
        async with db.acquire() as conn:
            row = await store.offer_link(conn, offer_id)
        if row is None:
            raise OfferNotFound("There is no such offer.")
        store_name, url = row["store"], row["url"]
        await _keep_links(redis, settings, {offer_id: (store_name, url)})
    click = {
        "offer_id": offer_id,
        "store": store_name,
        "user_id": user_id,
        "referrer": (referrer or "")[:500] or None,
        "campaign": (campaign or "")[:100] or None,
        "at": time.time(),
    }
    try:
        await redis.xadd(_clicks_key(settings), {"c": orjson.dumps(click)}, maxlen=1_000_000)
    except (RedisError, OSError):
        log.warning("a click was not recorded: Redis is not answering")
    return rules.affiliate_url(url, store_name, settings.commerce_affiliate)


async def record_clicks(db: asyncpg.Pool, redis: Redis, settings: Settings) -> int:
    """Write a batch of the click stream to PostgreSQL, then trim what was written; a batch
    written twice (a retry) counts once. How many clicks were written."""
    key = _clicks_key(settings)
    entries = await redis.xrange(key, "-", "+", count=CLICK_BATCH)
    if not entries:
        return 0
    rows = []
    for entry_id, fields in entries:
        try:
            click = orjson.loads(fields[b"c"])
            rows.append(
                (
                    entry_id.decode(),
                    int(click["offer_id"]),
                    str(click["store"]),
                    click.get("user_id"),
                    click.get("referrer"),
                    click.get("campaign"),
                    datetime.fromtimestamp(float(click["at"]), UTC),
                )
            )
        except (KeyError, TypeError, ValueError, orjson.JSONDecodeError):
            log.warning("a malformed click entry was dropped", extra={"entry": entry_id})
    async with db.acquire() as conn, conn.transaction():
        await store.insert_clicks(conn, rows)
    await redis.xdel(key, *[entry_id for entry_id, _ in entries])
    return len(rows)


async def clicks_report(conn: asyncpg.Connection, days: int) -> list[asyncpg.Record]:
    since = datetime.now(UTC).date() - timedelta(days=days - 1)
    return await store.clicks_per_store_day(conn, since)


# Alert choices.


async def alert_choices(conn: asyncpg.Connection, user_id: int) -> tuple[bool, list[int]]:
    return await store.alerts_enabled(conn, user_id), await store.muted_media(conn, user_id)


async def set_alerts(conn: asyncpg.Connection, user_id: int, enabled: bool) -> None:
    await store.set_alerts_enabled(conn, user_id, enabled)


async def set_title_alerts(
    conn: asyncpg.Connection, user_id: int, media_id: int, enabled: bool
) -> None:
    if await catalog.media_exists(conn, media_id) is None:
        raise catalog.MediaNotFound()
    if enabled:
        await store.unmute(conn, user_id, media_id)
    else:
        await store.mute(conn, user_id, media_id)


# Services a user chose.

MAX_SERVICES = 50


async def known_stores(conn: asyncpg.Connection) -> list[str]:
    return await store.known_stores(conn)


async def user_services(conn: asyncpg.Connection, user_id: int) -> list[str]:
    return await store.user_services(conn, user_id)


async def set_user_services(
    conn: asyncpg.Connection, user_id: int, stores: Sequence[str]
) -> list[str]:
    """Replace the user's services; each must be a store commerce knows (422 otherwise)."""
    chosen = sorted(set(stores))
    unknown = sorted(set(chosen) - set(await store.known_stores(conn)))
    if unknown:
        message = f"Unknown stores: {', '.join(unknown)}."
        raise Invalid(f"stores: {message}", fields={"stores": message})
    await store.set_user_services(conn, user_id, chosen)
    return chosen
