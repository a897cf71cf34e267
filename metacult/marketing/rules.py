"""Marketing's rules, pure (no I/O; the clock is an argument): what a campaign costs,
whether it may show now (schedule, budgets, even pacing over the day, targeting, the
user's frequency cap), which campaigns fill a page's slots, and the signed click token."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

PriceModel = Literal["cpm", "cpc"]
Status = Literal["active", "paused", "exhausted"]

MICROS_PER_CENT = 10_000
DAY_S = 86_400
# How long a click link stays valid after the feed rendered it.
CLICK_TOKEN_TTL_S = 7 * DAY_S


@dataclass(frozen=True)
class Campaign:
    id: int
    advertiser: str
    title: str
    body: str
    image_url: str | None
    cta_label: str
    cta_url: str
    media_id: int | None
    kinds: tuple[str, ...]
    genres: tuple[str, ...]
    platforms: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    total_budget_micros: int
    daily_budget_micros: int
    price_model: PriceModel
    price_micros: int
    frequency_cap: int
    status: Status
    spent_micros: int
    video_url: str | None = None
    video_mime: str | None = None
    video_duration_s: int | None = None
    video_width: int | None = None
    video_height: int | None = None
    vast_tag_url: str | None = None
    min_level: int = 1

    @property
    def in_video(self) -> bool:
        """Answered in VAST: a video creative, or a network's tag."""
        return self.video_url is not None or self.vast_tag_url is not None


def impression_cost(campaign: Campaign) -> int:
    """A CPM price is per thousand impressions; a CPC campaign's impressions are free."""
    return campaign.price_micros // 1000 if campaign.price_model == "cpm" else 0


def click_cost(campaign: Campaign) -> int:
    return campaign.price_micros if campaign.price_model == "cpc" else 0


def day_of(now: datetime) -> date:
    return now.astimezone(UTC).date()


def pacing_allowance(daily_budget_micros: int, now: datetime) -> int:
    """What a campaign may have spent today by ``now``: its daily budget spread evenly
    over the (UTC) day, the current second included."""
    moment = now.astimezone(UTC)
    elapsed = moment.hour * 3600 + moment.minute * 60 + moment.second + 1
    return min(daily_budget_micros, -(-daily_budget_micros * elapsed // DAY_S))


def scheduled(campaign: Campaign, now: datetime) -> bool:
    return campaign.status == "active" and campaign.starts_at <= now < campaign.ends_at


def within_budget(campaign: Campaign, spent_today_micros: int, now: datetime) -> bool:
    """Money left in total, and today's spend behind the even pace."""
    return (
        campaign.spent_micros < campaign.total_budget_micros
        and spent_today_micros < pacing_allowance(campaign.daily_budget_micros, now)
    )


@dataclass(frozen=True)
class PageContext:
    """What a feed page shows: its titles' kinds, genres and platforms."""

    kinds: frozenset[str]
    genres: frozenset[str]
    platforms: frozenset[str]


def page_context(titles: Iterable[tuple[str, Sequence[str], Sequence[str]]]) -> PageContext:
    """From (kind, genres, platforms) of each title of the page."""
    kinds: set[str] = set()
    genres: set[str] = set()
    platforms: set[str] = set()
    for kind, title_genres, title_platforms in titles:
        kinds.add(kind)
        genres.update(title_genres)
        platforms.update(title_platforms)
    return PageContext(frozenset(kinds), frozenset(genres), frozenset(platforms))


def targets(campaign: Campaign, page: PageContext) -> bool:
    """Each targeting dimension the campaign sets must meet the page (an empty one: any)."""
    return all(
        not wanted or bool(set(wanted) & shown)
        for wanted, shown in (
            (campaign.kinds, page.kinds),
            (campaign.genres, page.genres),
            (campaign.platforms, page.platforms),
        )
    )


def choose(
    campaigns: Sequence[Campaign],
    slots: int,
    *,
    now: datetime,
    page: PageContext | None,
    dismissed: frozenset[int],
    spent_today: Mapping[int, int],
    seen_today: Mapping[int, int],
) -> list[Campaign]:
    """Up to ``slots`` different campaigns (never the same one twice on a page), eligible by
    schedule, budget and pace, targeting and the user's frequency cap, never promoting a
    title the user dismissed (``page`` None: a slot outside a page, targeting not asked);
    the best paying first, then the one furthest behind its pace."""
    eligible = [
        c
        for c in campaigns
        if scheduled(c, now)
        and within_budget(c, spent_today.get(c.id, 0), now)
        and (page is None or targets(c, page))
        and (c.media_id is None or c.media_id not in dismissed)
        and seen_today.get(c.id, 0) < c.frequency_cap
    ]
    eligible.sort(key=lambda c: (-c.price_micros, spent_today.get(c.id, 0), c.id))
    return eligible[:slots]


# --- the click token ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClickToken:
    campaign_id: int
    user_id: int
    nonce: str
    issued_at: int


def _mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, b"marketing-click:" + message, hashlib.sha256).digest()[:16]


def sign_click(key: bytes, token: ClickToken) -> str:
    message = f"{token.campaign_id}.{token.user_id}.{token.nonce}.{token.issued_at}".encode()
    signature = base64.urlsafe_b64encode(_mac(key, message)).rstrip(b"=")
    return (base64.urlsafe_b64encode(message).rstrip(b"=") + b"." + signature).decode()


class TokenRefused(ValueError):
    """Tampered with, malformed, or too old."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def read_click(key: bytes, raw: str, now: datetime) -> ClickToken:
    """The token's claims when its signature holds and it is young enough."""
    try:
        encoded, _, signature = raw.partition(".")
        message = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except ValueError:
        raise TokenRefused() from None
    if not hmac.compare_digest(given, _mac(key, message)):
        raise TokenRefused()
    try:
        campaign, user, nonce, issued = message.decode().split(".")
        token = ClickToken(int(campaign), int(user), nonce, int(issued))
    except ValueError:
        raise TokenRefused() from None
    if now.timestamp() - token.issued_at > CLICK_TOKEN_TTL_S:
        raise TokenRefused(expired=True)
    return token


BOT_MARKERS = ("bot", "crawler", "spider", "slurp", "headless", "preview")


def looks_like_a_bot(user_agent: str) -> bool:
    agent = user_agent.lower()
    return not agent or any(marker in agent for marker in BOT_MARKERS)
