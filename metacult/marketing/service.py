"""Marketing's use cases: campaigns (admin), ads for the feed's native slots, clicks."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import orjson
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from metacult import catalog, discovery, gamification
from metacult.config import Settings
from metacult.infra.errors import Gone, NotFound, invalid_field
from metacult.infra.redis import rkey
from metacult.marketing import rules, store
from metacult.marketing.rules import Campaign
from metacult.realtime import publish
from metacult.typedefs import DB, REDIS, SETTINGS

log = logging.getLogger("metacult.marketing")


class CampaignNotFound(NotFound):
    """No such campaign."""


class InvalidClick(NotFound):
    """This ad link is not valid."""


class ExpiredClick(Gone):
    """This ad link has expired."""


def now() -> datetime:
    return datetime.now(UTC)


def _key(settings: Settings, *parts: object) -> str:
    return rkey(settings, "marketing", *parts)


def click_key(settings: Settings) -> bytes:
    return hashlib.sha256(b"marketing-click|" + settings.secret_key.encode()).digest()


# --- campaigns (admin) -------------------------------------------------------------------


def check_campaign(fields: dict[str, Any]) -> None:
    """The rules a model cannot say alone: 422 naming the field."""
    if fields["ends_at"] <= fields["starts_at"]:
        raise invalid_field("schedule.ends_at", "must be after starts_at")
    for name, field in (
        ("cta_url", "creative.cta_url"),
        ("image_url", "creative.image_url"),
        ("video_url", "video.url"),
        ("vast_tag_url", "vast_tag_url"),
    ):
        url = fields[name]
        if url is not None and not url.lower().startswith(("http://", "https://")):
            raise invalid_field(field, "must be an http(s) URL")
    price = fields["price_micros"]
    if fields["total_budget_micros"] < price:
        raise invalid_field("budget.total_cents", "must be at least the price")
    if fields["daily_budget_micros"] < price:
        raise invalid_field("budget.daily_cents", "must be at least the price")
    if fields["daily_budget_micros"] > fields["total_budget_micros"]:
        raise invalid_field("budget.daily_cents", "must not exceed the total budget")
    known_genres = {slug for genres in catalog.GENRES.values() for slug in genres}
    for slug in fields["genres"]:
        if slug not in known_genres:
            raise invalid_field("targeting.genres", f"{slug!r} is not a known genre")
    for slug in fields["platforms"]:
        if slug not in catalog.PLATFORMS:
            raise invalid_field("targeting.platforms", f"{slug!r} is not a known platform")


async def _check_media(conn: asyncpg.Connection, fields: dict[str, Any]) -> None:
    media_id = fields["media_id"]
    if media_id is not None and not await catalog.media_exists(conn, media_id):
        raise invalid_field("creative.media_id", "is not a title of the catalogue")


async def create_campaign(db: asyncpg.Pool, fields: dict[str, Any]) -> Campaign:
    check_campaign(fields)
    async with db.acquire() as conn:
        await _check_media(conn, fields)
        created = await store.create(conn, fields)
    _forget_live(db)
    return created


async def replace_campaign(db: asyncpg.Pool, campaign_id: int, fields: dict[str, Any]) -> Campaign:
    check_campaign(fields)
    async with db.acquire() as conn:
        await _check_media(conn, fields)
        found = await store.replace(conn, campaign_id, fields)
    _forget_live(db)
    if found is None:
        raise CampaignNotFound()
    return found


async def set_status(db: asyncpg.Pool, campaign_id: int, status: str) -> Campaign:
    async with db.acquire() as conn:
        found = await store.set_status(conn, campaign_id, status)
    _forget_live(db)
    if found is None:
        raise CampaignNotFound()
    return found


async def get_campaign(db: asyncpg.Pool, campaign_id: int) -> Campaign:
    async with db.acquire() as conn:
        found = await store.get(conn, campaign_id)
    if found is None:
        raise CampaignNotFound()
    return found


async def delete_campaign(db: asyncpg.Pool, campaign_id: int) -> None:
    async with db.acquire() as conn:
        deleted = await store.delete(conn, campaign_id)
    _forget_live(db)
    if not deleted:
        raise CampaignNotFound()


async def list_campaigns(db: asyncpg.Pool, after: int, limit: int) -> list[Campaign]:
    async with db.acquire() as conn:
        return await store.listed(conn, after=after, limit=limit)


async def report(db: asyncpg.Pool, campaign_id: int) -> list[dict[str, Any]]:
    """Per day: impressions, clicks, CTR and spend."""
    async with db.acquire() as conn:
        if await store.get(conn, campaign_id) is None:
            raise CampaignNotFound()
        rows = await store.report(conn, campaign_id)
    return [
        {
            "day": row["day"],
            "impressions": row["impressions"],
            "clicks": row["clicks"],
            "ctr": round(row["clicks"] / row["impressions"], 6) if row["impressions"] else 0.0,
            "spent_cents": row["spent_micros"] / rules.MICROS_PER_CENT,
        }
        for row in rows
    ]


# --- ads for the feed -------------------------------------------------------------------

# The live campaigns, read from PostgreSQL at most every LIVE_TTL_S per node and pool (a
# render must not decode every campaign), and forgotten at once on this node's writes;
# another node's change shows within LIVE_TTL_S (spend never passes a budget meanwhile:
# the store cuts it).
LIVE_TTL_S = 2.0


@dataclass
class _Kept:
    loaded_at: float
    campaigns: list[Campaign]


_live: dict[int, _Kept] = {}


async def _live_campaigns(db: asyncpg.Pool) -> list[Campaign]:
    kept = _live.get(id(db))
    if kept is not None and time.monotonic() - kept.loaded_at < LIVE_TTL_S:
        return kept.campaigns
    async with db.acquire() as conn:
        campaigns = await store.active(conn)
    _live[id(db)] = _Kept(time.monotonic(), campaigns)
    return campaigns


def _forget_live(db: asyncpg.Pool) -> None:
    _live.pop(id(db), None)
    for kept in [k for k in _spent if k[0] == id(db)]:
        _spent.pop(kept, None)


# The day's spend of the live campaigns, read at most every LIVE_TTL_S per node, pool and
# day: only the ad event actor moves it (every few seconds), so a render need not ask.
_spent: dict[tuple[int, date], tuple[float, dict[int, int]]] = {}


async def _spent_today(db: asyncpg.Pool, campaign_ids: list[int], day: date) -> dict[int, int]:
    kept = _spent.get((id(db), day))
    if kept is not None and time.monotonic() - kept[0] < LIVE_TTL_S:
        return kept[1]
    async with db.acquire() as conn:
        spent = await store.spent_on(conn, campaign_ids, day)
    if len(_spent) > 64:
        _spent.clear()
    _spent[(id(db), day)] = (time.monotonic(), spent)
    return spent


async def select_ads(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int,
    slots: int,
    media: Sequence[catalog.MediaSummary],
    dismissed: frozenset[int],
    at: datetime,
) -> list[tuple[Campaign, str]]:
    """Campaigns for ``slots`` native slots of one feed render, each with its signed click
    link; each is an impression: counted against the user's cap and the campaign's day.
    Network campaigns (a VAST tag of another ad server) only answer VAST."""
    page = rules.page_context((m.kind, m.genres, m.platforms) for m in media)
    chosen = await _choose(
        db, redis, settings, user_id, slots, page, dismissed, at, lambda c: c.vast_tag_url is None
    )
    if chosen:
        await _emit(redis, settings, "impression", [campaign.id for campaign, _ in chosen], at)
    return chosen


async def _choose(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    user_id: int | None,
    slots: int,
    page: rules.PageContext | None,
    dismissed: frozenset[int],
    at: datetime,
    fits: Callable[[Campaign], bool],
) -> list[tuple[Campaign, str]]:
    """The campaigns chosen (counted against the user's cap) with their click tokens."""
    day = rules.day_of(at)
    live = await _live_campaigns(db)
    campaigns = [
        c
        for c in live
        if fits(c) and rules.scheduled(c, at) and (page is None or rules.targets(c, page))
    ]
    if not campaigns:
        return []
    if any(c.min_level > 1 for c in campaigns):
        # The user's level is read only when a live campaign asks for one.
        level = 1
        if user_id is not None:
            async with db.acquire() as conn:
                level = await gamification.user_level(conn, user_id)
        campaigns = [c for c in campaigns if c.min_level <= level]
        if not campaigns:
            return []
    spent = await _spent_today(db, [c.id for c in live], day)
    seen: dict[int, int] = {}
    cap_key = _key(settings, "seen", user_id, day.isoformat())
    if user_id is not None:
        counts = await redis.hmget(cap_key, [str(c.id) for c in campaigns])
        seen = {c.id: int(n) for c, n in zip(campaigns, counts, strict=True) if n is not None}
    chosen = rules.choose(
        campaigns,
        slots,
        now=at,
        page=page,
        dismissed=dismissed,
        spent_today=spent,
        seen_today=seen,
    )
    if chosen and user_id is not None:
        async with redis.pipeline(transaction=True) as pipe:
            for campaign in chosen:
                pipe.hincrby(cap_key, str(campaign.id), 1)
            pipe.expire(cap_key, 2 * rules.DAY_S)
            await pipe.execute()
    key = click_key(settings)
    return [
        (
            campaign,
            rules.sign_click(
                key,
                rules.ClickToken(
                    campaign.id, user_id or 0, secrets.token_hex(8), int(at.timestamp())
                ),
            ),
        )
        for campaign in chosen
    ]


async def select_video(
    db: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int | None, at: datetime
) -> tuple[Campaign, str] | None:
    """The campaign a VAST slot answers (a video creative or a network's tag), with its
    token; its impression is counted when the player fires the pixel (:func:`track`)."""
    chosen = await _choose(
        db, redis, settings, user_id, 1, None, frozenset(), at, lambda c: c.in_video
    )
    return chosen[0] if chosen else None


async def track(
    db: asyncpg.Pool, redis: Redis, settings: Settings, raw_token: str, event: str, at: datetime
) -> bool:
    """A VAST player's tracking pixel: an ``impression`` is counted (and, CPM, paid) once
    per token; True when this one counted."""
    token = _read(settings, raw_token, at)
    if event != "impression":
        return False
    if not await redis.set(
        _key(settings, "impression", token.nonce), 1, nx=True, ex=rules.CLICK_TOKEN_TTL_S
    ):
        return False
    await _emit(redis, settings, "impression", [token.campaign_id], at)
    return True


def _read(settings: Settings, raw_token: str, at: datetime) -> rules.ClickToken:
    try:
        return rules.read_click(click_key(settings), raw_token, at)
    except rules.TokenRefused as exc:
        raise (ExpiredClick() if exc.expired else InvalidClick()) from None


async def fill_native_ads(
    app: web.Application, request: discovery.SlotRequest
) -> list[discovery.SlotContent | None]:
    """Discovery's filler for its ``native_ad`` slots."""
    chosen = await select_ads(
        app[DB],
        app[REDIS],
        app[SETTINGS],
        request.user_id,
        len(request.positions),
        request.media,
        request.dismissed,
        now(),
    )
    return [
        discovery.SlotContent(
            advertiser=campaign.advertiser,
            title=campaign.title,
            body=campaign.body,
            image_url=campaign.image_url,
            cta_label=campaign.cta_label,
            url=f"/c/{token}",
            media_id=campaign.media_id,
        )
        for campaign, token in chosen
    ]


# --- clicks ------------------------------------------------------------------------------

# One billed click per user per campaign per day, and per client address per campaign
# per minute: a flood of clicks does not move spend.
CLIENT_WINDOW_S = 60


async def click(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    raw_token: str,
    *,
    client: str,
    user_agent: str,
    at: datetime,
) -> tuple[str, bool]:
    """The campaign's stored URL to redirect to, and whether this click was billed."""
    token = _read(settings, raw_token, at)
    async with db.acquire() as conn:
        campaign = await store.get(conn, token.campaign_id)
        if campaign is None:
            raise InvalidClick()
    if rules.looks_like_a_bot(user_agent):
        return campaign.cta_url, False
    day = rules.day_of(at)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(_key(settings, "click", token.nonce), 1, nx=True, ex=rules.CLICK_TOKEN_TTL_S)
        pipe.set(
            _key(settings, "click-user", campaign.id, token.user_id, day.isoformat()),
            1,
            nx=True,
            ex=2 * rules.DAY_S,
        )
        pipe.set(
            _key(settings, "click-client", campaign.id, client), 1, nx=True, ex=CLIENT_WINDOW_S
        )
        fresh = await pipe.execute()
    billed = all(fresh)
    if billed:
        await _emit(redis, settings, "click", [campaign.id], at)
    return campaign.cta_url, billed


# --- the ad event stream -----------------------------------------------------------------

# Impressions and billed clicks go to a Redis stream in the request (one entry per feed
# render); an actor (:func:`record_events`) counts them and moves the spend in PostgreSQL.
EVENT_BATCH = 2000


def _events_key(settings: Settings) -> str:
    return _key(settings, "events")


async def _emit(
    redis: Redis, settings: Settings, kind: str, campaign_ids: list[int], at: datetime
) -> None:
    entry = {"k": kind, "c": campaign_ids, "at": at.timestamp()}
    try:
        await redis.xadd(_events_key(settings), {"e": orjson.dumps(entry)}, maxlen=1_000_000)
    except (RedisError, OSError):
        log.warning("ad events were not recorded: Redis is not answering")


def _entry_id(raw: bytes) -> tuple[int, int]:
    ms, _, seq = raw.decode().partition("-")
    return int(ms), int(seq or 0)


async def record_events(db: asyncpg.Pool, redis: Redis, settings: Settings) -> int:
    """Write a batch of the ad event stream to PostgreSQL: per campaign and day, the
    impressions and clicks counted and their cost spent (CPM per thousand impressions,
    CPC per billed click), a campaign exhausted once its total budget is spent. A batch
    written twice counts once. How many entries were written."""
    key = _events_key(settings)
    entries = await redis.xrange(key, "-", "+", count=EVENT_BATCH)
    if not entries:
        return 0
    async with db.acquire() as conn, conn.transaction():
        cursor = await conn.fetchrow(
            "SELECT last_ms, last_seq FROM marketing_event_cursor WHERE id = 1 FOR UPDATE"
        )
        last = (cursor["last_ms"], cursor["last_seq"]) if cursor else (-1, -1)
        counts: dict[tuple[int, date], list[int]] = {}
        per_bucket: dict[tuple[int, int], list[int]] = {}
        for entry_id, fields in entries:
            if _entry_id(entry_id) <= last:
                continue
            try:
                event = orjson.loads(fields[b"e"])
                at = float(event["at"])
                day = rules.day_of(datetime.fromtimestamp(at, UTC))
                column = 0 if event["k"] == "impression" else 1
                for campaign_id in event["c"]:
                    counts.setdefault((int(campaign_id), day), [0, 0])[column] += 1
                    bucket = (int(campaign_id), int(at) // BUCKET_S)
                    per_bucket.setdefault(bucket, [0, 0])[column] += 1
            except (KeyError, TypeError, ValueError, orjson.JSONDecodeError):
                log.warning("a malformed ad event was dropped", extra={"entry": entry_id})
        exhausted = False
        campaigns: dict[int, Campaign] = {}
        for (campaign_id, day), (impressions, clicks) in sorted(counts.items()):
            campaign = await store.get(conn, campaign_id)
            if campaign is None:
                continue
            campaigns[campaign_id] = campaign
            exhausted |= await store.record(
                conn,
                campaign_id,
                day,
                impressions=impressions,
                clicks=clicks,
                cost_micros=_cost(campaign, impressions, clicks),
            )
        ms, seq = _entry_id(entries[-1][0])
        await conn.execute(
            "INSERT INTO marketing_event_cursor (id, last_ms, last_seq) VALUES (1, $1, $2) "
            "ON CONFLICT (id) DO UPDATE SET last_ms = $1, last_seq = $2",
            ms,
            seq,
        )
    await redis.xdel(key, *[entry_id for entry_id, _ in entries])
    _forget_live(db)
    live: dict[int, tuple[int, int, int]] = {}
    for (campaign_id, bucket), (impressions, clicks) in per_bucket.items():
        campaign = campaigns.get(campaign_id)
        if campaign is not None:
            was = live.get(bucket, (0, 0, 0))
            live[bucket] = (
                was[0] + impressions,
                was[1] + clicks,
                was[2] + _cost(campaign, impressions, clicks),
            )
    if live:
        try:
            await _count_live(redis, settings, live)
        except (RedisError, OSError):
            log.warning("the live ad counters were not kept: Redis is not answering")
    return len(entries)


def _cost(campaign: Campaign, impressions: int, clicks: int) -> int:
    return impressions * rules.impression_cost(campaign) + clicks * rules.click_cost(campaign)


# --- live counters -----------------------------------------------------------------------

# What the actor wrote, in 5-second buckets (by the events' time) kept a few minutes:
# the last minute's figures are the sum of its twelve buckets.
BUCKET_S = 5
DASHBOARD = "admin:dashboard"


def _bucket_key(settings: Settings, bucket: int) -> str:
    return _key(settings, "live", bucket)


async def _count_live(
    redis: Redis, settings: Settings, buckets: dict[int, tuple[int, int, int]]
) -> None:
    async with redis.pipeline(transaction=False) as pipe:
        for bucket, (impressions, clicks, spent) in buckets.items():
            key = _bucket_key(settings, bucket)
            pipe.hincrby(key, "impressions", impressions)
            pipe.hincrby(key, "clicks", clicks)
            pipe.hincrby(key, "spent_micros", spent)
            pipe.expire(key, 300)
        await pipe.execute()


async def live_stats(
    db: asyncpg.Pool, redis: Redis, settings: Settings, at: datetime | None = None
) -> dict[str, Any]:
    """Impressions, clicks and spend in the last minute and today (UTC)."""
    at = at or now()
    last = int(at.timestamp()) // BUCKET_S
    async with redis.pipeline(transaction=False) as pipe:
        for bucket in range(last - 60 // BUCKET_S + 1, last + 1):
            pipe.hmget(_bucket_key(settings, bucket), ["impressions", "clicks", "spent_micros"])
        rows = await pipe.execute()
    minute = [sum(int(row[i] or 0) for row in rows) for i in range(3)]
    async with db.acquire() as conn:
        today = await store.day_totals(conn, rules.day_of(at))
    return {
        "impressions_per_minute": minute[0],
        "clicks_per_minute": minute[1],
        "spent_cents_per_minute": minute[2] / rules.MICROS_PER_CENT,
        "impressions_today": today["impressions"],
        "clicks_today": today["clicks"],
        "spent_cents_today": today["spent_micros"] / rules.MICROS_PER_CENT,
    }


async def publish_dashboard(db: asyncpg.Pool, redis: Redis, settings: Settings) -> None:
    """The live ad counters, on ``admin:dashboard``."""
    figures = await live_stats(db, redis, settings)
    await publish(redis, settings, DASHBOARD, {"type": "marketing.stats", **figures})
