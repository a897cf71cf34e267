"""Marketing's use cases: campaigns (admin), ads for the feed's native slots, clicks."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from aiohttp import web
from redis.asyncio import Redis

from metacult import catalog, discovery
from metacult.config import Settings
from metacult.infra.errors import Gone, NotFound, invalid_field
from metacult.infra.redis import rkey
from metacult.marketing import rules, store
from metacult.marketing.rules import Campaign
from metacult.typedefs import DB, REDIS, SETTINGS


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


async def _record(
    db: asyncpg.Pool, conn: asyncpg.Connection, campaign: Campaign, day: date, **counts: int
) -> None:
    if await store.record(conn, campaign.id, day, **counts):
        _forget_live(db)


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
    answered = []
    async with db.acquire() as conn:
        for campaign, token in chosen:
            await _record(
                db,
                conn,
                campaign,
                rules.day_of(at),
                impressions=1,
                cost_micros=rules.impression_cost(campaign),
            )
            answered.append((campaign, token))
    return answered


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
    campaigns = [
        c
        for c in await _live_campaigns(db)
        if fits(c) and rules.scheduled(c, at) and (page is None or rules.targets(c, page))
    ]
    if not campaigns:
        return []
    async with db.acquire() as conn:
        spent = await store.spent_on(conn, [c.id for c in campaigns], day)
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
    async with db.acquire() as conn:
        campaign = await store.get(conn, token.campaign_id)
        if campaign is None:
            return False
        await _record(
            db,
            conn,
            campaign,
            rules.day_of(at),
            impressions=1,
            cost_micros=rules.impression_cost(campaign),
        )
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
            await _record(db, conn, campaign, day, clicks=1, cost_micros=rules.click_cost(campaign))
    return campaign.cta_url, billed
