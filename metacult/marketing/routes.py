"""Marketing's HTTP endpoints: campaigns for admins, their daily reports, the ad click."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import pydantic
from aiohttp import web

from metacult import catalog
from metacult.infra.auth import Principal
from metacult.infra.web import Api, IdPath, Schema
from metacult.marketing import rules, service, vast
from metacult.marketing.rules import Campaign
from metacult.typedefs import DB, REDIS, SETTINGS

api = Api("marketing")

Url = pydantic.constr(min_length=1, max_length=2000)
Slug = pydantic.constr(min_length=1, max_length=40, pattern=r"^[a-z0-9-]+$")


class CreativeIn(Schema):
    """The native card: ``cta_url`` is where a click goes; ``media_id`` a title it promotes."""

    title: str = pydantic.Field(min_length=1, max_length=120)
    body: str = pydantic.Field(default="", max_length=500)
    image_url: Url | None = None  # type: ignore[valid-type]
    cta_label: str = pydantic.Field(min_length=1, max_length=40)
    cta_url: Url  # type: ignore[valid-type]
    media_id: int | None = pydantic.Field(default=None, ge=1, le=2**63 - 1)


class TargetingIn(Schema):
    """Whom it shows to: feed pages with a title of these kinds / genres / platforms
    (an empty list: any)."""

    kinds: list[catalog.Kind] = pydantic.Field(default_factory=list, max_length=3)
    genres: list[Slug] = pydantic.Field(default_factory=list, max_length=50)  # type: ignore[valid-type]
    platforms: list[Slug] = pydantic.Field(default_factory=list, max_length=50)  # type: ignore[valid-type]
    min_level: int = pydantic.Field(1, ge=1, le=1000)  # gamification's level of the user


class ScheduleIn(Schema):
    starts_at: pydantic.AwareDatetime
    ends_at: pydantic.AwareDatetime


class BudgetIn(Schema):
    """In cents. ``price_cents`` is per thousand impressions (CPM) or per click (CPC)."""

    total_cents: int = pydantic.Field(ge=1, le=10**11)
    daily_cents: int = pydantic.Field(ge=1, le=10**11)
    price_model: Literal["cpm", "cpc"]
    price_cents: int = pydantic.Field(ge=1, le=10**9)


class VideoIn(Schema):
    """A video creative, answered in VAST."""

    url: Url  # type: ignore[valid-type]
    mime_type: Literal["video/mp4", "video/webm"] = "video/mp4"
    duration_s: int = pydantic.Field(ge=1, le=3600)
    width: int = pydantic.Field(default=1280, ge=1, le=7680)
    height: int = pydantic.Field(default=720, ge=1, le=4320)


class CampaignIn(Schema):
    """``vast_tag_url`` makes it a network campaign: VAST slots answer a Wrapper to it."""

    advertiser: str = pydantic.Field(min_length=1, max_length=120)
    creative: CreativeIn
    video: VideoIn | None = None
    vast_tag_url: Url | None = None  # type: ignore[valid-type]
    targeting: TargetingIn = TargetingIn()
    schedule: ScheduleIn
    budget: BudgetIn
    frequency_cap_per_day: int = pydantic.Field(default=3, ge=1, le=100)
    status: Literal["active", "paused"] = "active"


class StatusIn(Schema):
    status: Literal["active", "paused"]


class CreativeOut(Schema):
    title: str
    body: str
    image_url: str | None
    cta_label: str
    cta_url: str
    media_id: int | None


class VideoOut(Schema):
    url: str
    mime_type: str
    duration_s: int
    width: int
    height: int


class TargetingOut(Schema):
    kinds: list[str]
    genres: list[str]
    platforms: list[str]
    min_level: int


class ScheduleOut(Schema):
    starts_at: datetime
    ends_at: datetime


class BudgetOut(Schema):
    total_cents: float
    daily_cents: float
    price_model: Literal["cpm", "cpc"]
    price_cents: float
    spent_cents: float


class CampaignOut(Schema):
    id: int
    advertiser: str
    creative: CreativeOut
    video: VideoOut | None
    vast_tag_url: str | None
    targeting: TargetingOut
    schedule: ScheduleOut
    budget: BudgetOut
    frequency_cap_per_day: int
    status: Literal["active", "paused", "exhausted"]


class CampaignList(Schema):
    campaigns: list[CampaignOut]
    next_after: int | None


class ListQuery(Schema):
    after: int = pydantic.Field(default=0, ge=0, le=2**63 - 1)
    limit: int = pydantic.Field(default=50, ge=1, le=200)


class ReportDay(Schema):
    day: date
    impressions: int
    clicks: int
    ctr: float
    spent_cents: float


class ReportOut(Schema):
    campaign_id: int
    days: list[ReportDay]


class TokenPath(Schema):
    token: str = pydantic.Field(min_length=1, max_length=300, pattern=r"^[A-Za-z0-9_.-]+$")


def _cents(micros: int) -> float:
    return micros / rules.MICROS_PER_CENT


def _fields(body: CampaignIn) -> dict[str, Any]:
    creative, targeting, budget = body.creative, body.targeting, body.budget
    return {
        "advertiser": body.advertiser,
        "title": creative.title,
        "body": creative.body,
        "image_url": creative.image_url,
        "cta_label": creative.cta_label,
        "cta_url": creative.cta_url,
        "media_id": creative.media_id,
        "kinds": sorted(set(targeting.kinds)),
        "genres": sorted(set(targeting.genres)),
        "platforms": sorted(set(targeting.platforms)),
        "starts_at": body.schedule.starts_at,
        "ends_at": body.schedule.ends_at,
        "total_budget_micros": budget.total_cents * rules.MICROS_PER_CENT,
        "daily_budget_micros": budget.daily_cents * rules.MICROS_PER_CENT,
        "price_model": budget.price_model,
        "price_micros": budget.price_cents * rules.MICROS_PER_CENT,
        "frequency_cap": body.frequency_cap_per_day,
        "status": body.status,
        "video_url": body.video.url if body.video else None,
        "video_mime": body.video.mime_type if body.video else None,
        "video_duration_s": body.video.duration_s if body.video else None,
        "video_width": body.video.width if body.video else None,
        "video_height": body.video.height if body.video else None,
        "vast_tag_url": body.vast_tag_url,
        "min_level": targeting.min_level,
    }


def _out(campaign: Campaign) -> CampaignOut:
    return CampaignOut(
        id=campaign.id,
        advertiser=campaign.advertiser,
        creative=CreativeOut(
            title=campaign.title,
            body=campaign.body,
            image_url=campaign.image_url,
            cta_label=campaign.cta_label,
            cta_url=campaign.cta_url,
            media_id=campaign.media_id,
        ),
        video=VideoOut(
            url=campaign.video_url,
            mime_type=campaign.video_mime or "video/mp4",
            duration_s=campaign.video_duration_s or 0,
            width=campaign.video_width or 0,
            height=campaign.video_height or 0,
        )
        if campaign.video_url is not None
        else None,
        vast_tag_url=campaign.vast_tag_url,
        targeting=TargetingOut(
            kinds=list(campaign.kinds),
            genres=list(campaign.genres),
            platforms=list(campaign.platforms),
            min_level=campaign.min_level,
        ),
        schedule=ScheduleOut(starts_at=campaign.starts_at, ends_at=campaign.ends_at),
        budget=BudgetOut(
            total_cents=_cents(campaign.total_budget_micros),
            daily_cents=_cents(campaign.daily_budget_micros),
            price_model=campaign.price_model,
            price_cents=_cents(campaign.price_micros),
            spent_cents=_cents(campaign.spent_micros),
        ),
        frequency_cap_per_day=campaign.frequency_cap,
        status=campaign.status,
    )


@api.post("/api/v1/admin/campaigns", auth="admin", body=CampaignIn, reply=CampaignOut, status=201)
async def create_campaign(request: web.Request, body: CampaignIn) -> CampaignOut:
    """Create a native ad campaign."""
    return _out(await service.create_campaign(request.app[DB], _fields(body)))


@api.get("/api/v1/admin/campaigns", auth="admin", query=ListQuery, reply=CampaignList)
async def list_campaigns(request: web.Request, query: ListQuery) -> CampaignList:
    """The campaigns, by id (``after``: the last id of the previous page)."""
    found = await service.list_campaigns(request.app[DB], query.after, query.limit)
    more = len(found) == query.limit
    return CampaignList(
        campaigns=[_out(c) for c in found], next_after=found[-1].id if found and more else None
    )


@api.get("/api/v1/admin/campaigns/{id}", auth="admin", path_params=IdPath, reply=CampaignOut)
async def get_campaign(request: web.Request, path: IdPath) -> CampaignOut:
    """One campaign with its spend."""
    return _out(await service.get_campaign(request.app[DB], path.id))


@api.put(
    "/api/v1/admin/campaigns/{id}",
    auth="admin",
    path_params=IdPath,
    body=CampaignIn,
    reply=CampaignOut,
)
async def replace_campaign(request: web.Request, path: IdPath, body: CampaignIn) -> CampaignOut:
    """Change a campaign (its spend so far is kept)."""
    return _out(await service.replace_campaign(request.app[DB], path.id, _fields(body)))


@api.patch(
    "/api/v1/admin/campaigns/{id}",
    auth="admin",
    path_params=IdPath,
    body=StatusIn,
    reply=CampaignOut,
)
async def set_status(request: web.Request, path: IdPath, body: StatusIn) -> CampaignOut:
    """Pause or resume a campaign."""
    return _out(await service.set_status(request.app[DB], path.id, body.status))


@api.delete("/api/v1/admin/campaigns/{id}", auth="admin", path_params=IdPath)
async def delete_campaign(request: web.Request, path: IdPath) -> None:
    """Delete a campaign and its reports."""
    await service.delete_campaign(request.app[DB], path.id)


@api.get("/api/v1/admin/campaigns/{id}/report", auth="admin", path_params=IdPath, reply=ReportOut)
async def campaign_report(request: web.Request, path: IdPath) -> ReportOut:
    """Per day (UTC): impressions, clicks, click-through rate, spend."""
    days = await service.report(request.app[DB], path.id)
    return ReportOut(campaign_id=path.id, days=[ReportDay(**day) for day in days])


@api.get("/c/{token}", auth="public", path_params=TokenPath, status=302)
async def ad_click(request: web.Request, path: TokenPath) -> web.StreamResponse:
    """An ad's link: counts the click once, then redirects to the campaign's own URL."""
    app = request.app
    url, _billed = await service.click(
        app[DB],
        app[REDIS],
        app[SETTINGS],
        path.token,
        client=request.remote or "unknown",
        user_agent=request.headers.get("User-Agent", ""),
        at=service.now(),
    )
    return web.Response(status=302, headers={"Location": url, "Cache-Control": "no-store"})


class VastQuery(Schema):
    slot: str = pydantic.Field(min_length=1, max_length=40, pattern=r"^[a-z0-9-]+$")


class TrackQuery(Schema):
    event: Literal["impression", "start", "firstQuartile", "midpoint", "thirdQuartile", "complete"]


XML = "application/xml"


@api.get("/api/v1/ads/vast", auth="public", query=VastQuery, stream=XML)
async def vast_ad(request: web.Request, query: VastQuery, user: Principal | None) -> web.Response:
    """A VAST 4.2 document for a video slot (an empty ``<VAST/>`` when nothing is eligible)."""
    app = request.app
    settings = app[SETTINGS]
    chosen = await service.select_video(
        app[DB], app[REDIS], settings, user.user_id if user else None, service.now()
    )
    if chosen is None:
        body = vast.empty()
    else:
        campaign, token = chosen
        body = vast.document(
            campaign,
            tracking_url=f"{settings.public_url}/api/v1/ads/events/{token}",
            click_url=f"{settings.public_url}/c/{token}",
        )
    return web.Response(
        body=body, content_type=XML, charset="utf-8", headers={"Cache-Control": "no-store"}
    )


@api.get("/api/v1/ads/events/{token}", auth="public", path_params=TokenPath, query=TrackQuery)
async def ad_event(request: web.Request, path: TokenPath, query: TrackQuery) -> None:
    """A VAST player's tracking pixel; an ``impression`` counts once per ad served."""
    app = request.app
    await service.track(app[DB], app[REDIS], app[SETTINGS], path.token, query.event, service.now())


def setup(app: web.Application) -> None:
    """Register marketing's endpoints and fill discovery's native ad slots."""
    from metacult import discovery

    api.register(app)
    app.setdefault(discovery.SLOT_FILLERS, {})["native_ad"] = service.fill_native_ads
