"""Commerce's HTTP endpoints: a title's offers, the affiliate redirect, price-drop alert
choices, and the admin's clicks report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import pydantic
from aiohttp import web

from metacult.commerce import service
from metacult.infra.auth import Principal
from metacult.infra.web import Api, IdPath, Schema
from metacult.typedefs import DB, REDIS, SETTINGS

api = Api("commerce")


class OfferOut(Schema):
    """``price`` is null where the store gives none (a subscription, TMDB's providers);
    ``go_url`` is the link to follow (the affiliate redirect)."""

    id: int
    store: str
    offer_type: Literal["buy", "rent", "stream", "free"]
    region: str
    price: float | None
    currency: str | None
    discount_percent: int
    available: bool
    best_deal: bool
    go_url: str
    last_seen: datetime


class OffersOut(Schema):
    media_id: int
    best_offer_id: int | None
    items: list[OfferOut]


class PricePointOut(Schema):
    price: float | None
    currency: str | None
    discount_percent: int
    seen_at: datetime


class PriceHistoryOut(Schema):
    offer_id: int
    items: list[PricePointOut]


class GoQuery(Schema):
    campaign: str | None = pydantic.Field(None, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")


class AlertsIn(Schema):
    enabled: bool


class AlertsOut(Schema):
    """``enabled``: price-drop alerts at all; ``muted_media_ids``: titles switched off."""

    enabled: bool
    muted_media_ids: list[int]


class TitleAlertsOut(Schema):
    media_id: int
    enabled: bool


class StoresOut(Schema):
    """Every store or streaming service commerce has seen an offer on."""

    items: list[str]


class ServicesIn(Schema):
    stores: list[pydantic.constr(min_length=1, max_length=64)] = pydantic.Field(  # type: ignore[valid-type]
        max_length=service.MAX_SERVICES
    )


class ServicesOut(Schema):
    """The services the user chose: a wanted title newly available on one of them sends
    a ``commerce.available`` alert."""

    stores: list[str]


class AdminOffersQuery(Schema):
    titles: int = pydantic.Field(100, ge=1, le=500)


class AdminOfferOut(Schema):
    id: int
    store: str
    offer_type: str
    region: str
    price: float | None
    currency: str | None
    discount_percent: int
    available: bool
    last_seen: datetime


class AdminTitleOffersOut(Schema):
    media_id: int
    title: str
    kind: str
    offers: list[AdminOfferOut]


class AdminOffersOut(Schema):
    """``last_sync``: when the last offer sync finished (null when none did)."""

    last_sync: datetime | None
    items: list[AdminTitleOffersOut]


class ClicksQuery(Schema):
    days: int = pydantic.Field(7, ge=1, le=366)


class StoreDayOut(Schema):
    day: date
    store: str
    clicks: int


class ClicksReportOut(Schema):
    items: list[StoreDayOut]


def _price(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


@api.get("/api/v1/media/{id}/offers", auth="public", path_params=IdPath, reply=OffersOut)
async def offers(request: web.Request, path: IdPath) -> OffersOut:
    """Where to buy, rent or stream a title, cheapest first, the best deal flagged."""
    async with request.app[DB].acquire() as conn:
        items, best = await service.offers_of(conn, path.id)
    return OffersOut(
        media_id=path.id,
        best_offer_id=best,
        items=[
            OfferOut(
                id=item["id"],
                store=item["store"],
                offer_type=item["offer_type"],
                region=item["region"],
                price=_price(item["price"]),
                currency=item["currency"],
                discount_percent=item["discount_percent"],
                available=item["available"],
                best_deal=item["id"] == best,
                go_url=f"/go/{item['id']}",
                last_seen=item["last_seen"],
            )
            for item in items
        ],
    )


@api.get("/api/v1/offers/{id}/history", auth="public", path_params=IdPath, reply=PriceHistoryOut)
async def price_history(request: web.Request, path: IdPath) -> PriceHistoryOut:
    """Every price an offer was seen at, oldest first (empty for an unknown offer)."""
    async with request.app[DB].acquire() as conn:
        rows = await service.price_history(conn, path.id)
    return PriceHistoryOut(
        offer_id=path.id,
        items=[
            PricePointOut(
                price=_price(row["price"]),
                currency=row["currency"],
                discount_percent=row["discount_percent"],
                seen_at=row["seen_at"],
            )
            for row in rows
        ],
    )


@api.get("/go/{id}", auth="public", path_params=IdPath, query=GoQuery, status=302)
async def go(
    request: web.Request, path: IdPath, query: GoQuery, user: Principal | None
) -> web.StreamResponse:
    """Follow an offer: a redirect to the store's page (with its affiliate parameters),
    the click recorded. Only ever to the offer's stored URL."""
    app = request.app
    target = await service.affiliate_target(
        app[DB],
        app[REDIS],
        app[SETTINGS],
        path.id,
        user_id=user.user_id if user is not None else None,
        referrer=request.headers.get("Referer"),
        campaign=query.campaign,
    )
    raise web.HTTPFound(location=target, headers={"Cache-Control": "no-store"})


@api.get("/api/v1/me/price-alerts", reply=AlertsOut)
async def alert_choices(request: web.Request, user: Principal) -> AlertsOut:
    """Whether price-drop alerts are on, and the titles they are off for."""
    async with request.app[DB].acquire() as conn:
        enabled, muted = await service.alert_choices(conn, user.user_id)
    return AlertsOut(enabled=enabled, muted_media_ids=muted)


@api.put("/api/v1/me/price-alerts", body=AlertsIn, reply=AlertsOut)
async def set_alerts(request: web.Request, body: AlertsIn, user: Principal) -> AlertsOut:
    """Switch price-drop alerts on or off for every title."""
    async with request.app[DB].acquire() as conn, conn.transaction():
        await service.set_alerts(conn, user.user_id, body.enabled)
        enabled, muted = await service.alert_choices(conn, user.user_id)
    return AlertsOut(enabled=enabled, muted_media_ids=muted)


@api.put("/api/v1/media/{id}/price-alerts", path_params=IdPath, body=AlertsIn, reply=TitleAlertsOut)
async def set_title_alerts(
    request: web.Request, path: IdPath, body: AlertsIn, user: Principal
) -> TitleAlertsOut:
    """Switch price-drop alerts on or off for one title."""
    async with request.app[DB].acquire() as conn, conn.transaction():
        await service.set_title_alerts(conn, user.user_id, path.id, body.enabled)
    return TitleAlertsOut(media_id=path.id, enabled=body.enabled)


@api.get("/api/v1/commerce/stores", auth="public", reply=StoresOut)
async def stores(request: web.Request) -> StoresOut:
    """The stores and services a user may choose among."""
    async with request.app[DB].acquire() as conn:
        return StoresOut(items=await service.known_stores(conn))


@api.get("/api/v1/me/services", reply=ServicesOut)
async def services(request: web.Request, user: Principal) -> ServicesOut:
    """The services (streaming providers, stores) the user chose."""
    async with request.app[DB].acquire() as conn:
        return ServicesOut(stores=await service.user_services(conn, user.user_id))


@api.put("/api/v1/me/services", body=ServicesIn, reply=ServicesOut)
async def set_services(request: web.Request, body: ServicesIn, user: Principal) -> ServicesOut:
    """Choose one's services, among ``/api/v1/commerce/stores`` (422 for another)."""
    async with request.app[DB].acquire() as conn, conn.transaction():
        chosen = await service.set_user_services(conn, user.user_id, body.stores)
    return ServicesOut(stores=chosen)


@api.get(
    "/api/v1/admin/commerce/offers", auth="admin", query=AdminOffersQuery, reply=AdminOffersOut
)
async def admin_offers(request: web.Request, query: AdminOffersQuery) -> AdminOffersOut:
    """Offers per title and store (price, last seen), the most recently synced titles first,
    and when the last sync finished."""
    async with request.app[DB].acquire() as conn:
        rows, titles = await service.admin_offers(conn, query.titles)
    grouped: dict[int, AdminTitleOffersOut] = {}
    for row in rows:
        summary = titles.get(row["media_id"])
        if summary is None:
            continue
        entry = grouped.setdefault(
            row["media_id"],
            AdminTitleOffersOut(
                media_id=row["media_id"], title=summary.title, kind=summary.kind, offers=[]
            ),
        )
        entry.offers.append(
            AdminOfferOut(
                id=row["id"],
                store=row["store"],
                offer_type=row["offer_type"],
                region=row["region"],
                price=_price(row["price"]),
                currency=row["currency"],
                discount_percent=row["discount_percent"],
                available=row["available"],
                last_seen=row["last_seen"],
            )
        )
    return AdminOffersOut(
        last_sync=await service.last_sync(request.app[REDIS], request.app[SETTINGS]),
        items=list(grouped.values()),
    )


@api.get("/api/v1/admin/commerce/clicks", auth="admin", query=ClicksQuery, reply=ClicksReportOut)
async def clicks_report(request: web.Request, query: ClicksQuery) -> ClicksReportOut:
    """Affiliate clicks per store per day, newest day first."""
    async with request.app[DB].acquire() as conn:
        rows = await service.clicks_report(conn, query.days)
    return ClicksReportOut(
        items=[StoreDayOut(day=r["day"], store=r["store"], clicks=r["clicks"]) for r in rows]
    )


def setup(app: web.Application) -> None:
    """Register commerce's endpoints."""
    api.register(app)
