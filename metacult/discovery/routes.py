"""Discovery's HTTP endpoints: the feed, dismissals, trending, similar titles, stats."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic
from aiohttp import web

from metacult import catalog
from metacult.discovery import service, slots
from metacult.infra.auth import Principal
from metacult.infra.errors import invalid_field
from metacult.infra.web import Api, IdPath, Schema
from metacult.typedefs import DB, REDIS, SETTINGS

api = Api("discovery")

Kind = catalog.Kind


class TitleOut(Schema):
    """A title as lists show it (catalog's summary)."""

    id: int
    kind: Kind
    title: str
    slug: str
    year: int | None
    cover_url: str | None
    genres: list[str]
    platforms: list[str]


def _title(summary: catalog.MediaSummary) -> TitleOut:
    return TitleOut.model_validate(summary, from_attributes=True)


class UserOut(Schema):
    id: int
    display_name: str
    avatar_url: str | None


class ReasonOut(Schema):
    """Why an item is in the feed. ``because_you_liked``: ``media`` is the title you loved
    (``cross_media`` when it is of another kind); ``followed_activity``: ``user`` did
    ``activity`` (reviewed, rated, completed); ``trending`` / ``favourite_genre``: in
    ``genre`` (null: everywhere); ``favourite_platform``: on ``platform``;
    ``climbing_duels``; ``new_release``."""

    type: Literal[
        "because_you_liked",
        "followed_activity",
        "trending",
        "favourite_genre",
        "favourite_platform",
        "climbing_duels",
        "new_release",
    ]
    media: TitleOut | None = None
    cross_media: bool | None = None
    user: UserOut | None = None
    activity: Literal["reviewed", "rated", "completed"] | None = None
    genre: str | None = None
    platform: str | None = None


class FeedItemOut(Schema):
    item: int = pydantic.Field(description="the item's id (its title's id), for dismiss")
    media: TitleOut
    score: float
    reasons: list[ReasonOut]


class SlotContentOut(Schema):
    """A sponsored card: ``advertiser`` pays for it; ``url`` opens it (a tracked link)."""

    sponsored: bool
    advertiser: str
    title: str
    body: str
    image_url: str | None
    cta_label: str
    url: str
    media_id: int | None


class SlotOut(Schema):
    """Room left for a native ad or a shop offer, before the item at ``position``;
    ``content`` is what fills it (null: nothing to show)."""

    position: int
    kind: Literal["native_ad", "offer"]
    content: SlotContentOut | None = None


class FeedOut(Schema):
    items: list[FeedItemOut]
    slots: list[SlotOut]
    next_cursor: str | None
    new_items: int = pydantic.Field(description="items that entered the feed since its first page")


class FeedQuery(Schema):
    limit: int = pydantic.Field(default=20, ge=1, le=50)
    cursor: str | None = pydantic.Field(default=None, min_length=1, max_length=512)


class DismissIn(Schema):
    reason: str | None = pydantic.Field(default=None, max_length=200)


class Dismissed(Schema):
    item: int
    dismissed: bool


class TrendingQuery(Schema):
    kind: Kind | None = None
    genre: str | None = pydantic.Field(default=None, max_length=40, pattern=r"^[a-z0-9-]+$")
    window: Literal["day", "week"] = "day"
    limit: int = pydantic.Field(default=20, ge=1, le=100)


class TrendingEntry(Schema):
    rank: int
    media: TitleOut
    score: float


class TrendingOut(Schema):
    window: Literal["day", "week"]
    kind: Kind | None
    genre: str | None
    entries: list[TrendingEntry]


class SimilarQuery(Schema):
    limit: int = pydantic.Field(default=12, ge=1, le=50)


class SimilarEntry(Schema):
    media: TitleOut
    score: float


class SimilarOut(Schema):
    media_id: int
    same_kind: list[SimilarEntry]
    other_kinds: list[SimilarEntry]


class StatsQuery(Schema):
    year: int = pydantic.Field(default_factory=lambda: datetime.now(UTC).year, ge=1900, le=2200)
    tz: str = pydantic.Field(default="UTC", max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$")


class RatingsOut(Schema):
    count: int
    distribution: list[int] = pydantic.Field(description="ten bins, ½★ to 5★")


class GenreCount(Schema):
    genre: str
    count: int


class PlatformCount(Schema):
    platform: str
    count: int


class DueledOut(Schema):
    media: TitleOut
    games: int
    wins: int
    score: float | None = None


class StatsOut(Schema):
    user_id: int
    year: int
    time_zone: str
    finished_per_month: dict[str, list[int]]
    finished: dict[str, int]
    hours: dict[str, float]
    ratings: RatingsOut
    likes: int
    reviews: int
    top_genres: list[GenreCount]
    platforms: list[PlatformCount]
    most_dueled: list[DueledOut]
    top_from_duels: dict[str, list[DueledOut]]
    longest_streak: int | None


@api.get("/api/v1/feed", query=FeedQuery, reply=FeedOut)
async def feed(request: web.Request, query: FeedQuery, user: Principal) -> FeedOut:
    """Your personal feed, explained; ``slots`` are where ads and offers go."""
    app = request.app
    page = await service.feed_page(
        app[DB], app[REDIS], app[SETTINGS], user.user_id, query.cursor, query.limit
    )
    filled = await slots.fill(app, user.user_id, page.slots, [item.media for item in page.items])
    return FeedOut(
        items=[
            FeedItemOut(
                item=item.media.id,
                media=_title(item.media),
                score=item.score,
                reasons=[_reason(reason) for reason in item.reasons],
            )
            for item in page.items
        ],
        slots=[_slot(slot) for slot in filled],
        next_cursor=page.next_cursor,
        new_items=page.new_items,
    )


def _slot(slot: dict[str, Any]) -> SlotOut:
    content = slot.get("content")
    return SlotOut(
        position=slot["position"],
        kind=slot["kind"],
        content=SlotContentOut.model_validate(content, from_attributes=True) if content else None,
    )


def _reason(reason: dict[str, Any]) -> ReasonOut:
    media = reason.get("media")
    return ReasonOut(
        type=reason["type"],
        media=TitleOut.model_validate(media) if media is not None else None,
        cross_media=reason.get("cross_media"),
        user=UserOut.model_validate(reason["user"]) if reason.get("user") else None,
        activity=reason.get("activity"),
        genre=reason.get("genre"),
        platform=reason.get("platform"),
    )


@api.post("/api/v1/feed/{id}/dismiss", path_params=IdPath, body=DismissIn, reply=Dismissed)
async def dismiss(
    request: web.Request, path: IdPath, body: DismissIn, user: Principal
) -> Dismissed:
    """ "Not interested": the title leaves your feed (with an optional reason)."""
    app = request.app
    await service.dismiss(app[DB], app[REDIS], app[SETTINGS], user.user_id, path.id, body.reason)
    return Dismissed(item=path.id, dismissed=True)


@api.get("/api/v1/trending", query=TrendingQuery, reply=TrendingOut, auth="public")
async def trending(request: web.Request, query: TrendingQuery) -> TrendingOut:
    """What is trending today or this week, overall, in a kind, in a genre."""
    app = request.app
    top = await service.trending_titles(
        app[DB],
        app[REDIS],
        app[SETTINGS],
        kind=query.kind,
        genre=query.genre,
        window=query.window,
        limit=query.limit,
    )
    return TrendingOut(
        window=query.window,
        kind=query.kind,
        genre=query.genre,
        entries=[
            TrendingEntry(rank=rank, media=_title(media), score=round(score, 6))
            for rank, (media, score) in enumerate(top, start=1)
        ],
    )


@api.get(
    "/api/v1/media/{id}/similar",
    path_params=IdPath,
    query=SimilarQuery,
    reply=SimilarOut,
    auth="public",
)
async def similar(request: web.Request, path: IdPath, query: SimilarQuery) -> SimilarOut:
    """Titles like this one: of the same kind, and of other kinds."""
    app = request.app
    found = await service.similar(app[DB], app[REDIS], app[SETTINGS], path.id, query.limit)
    return SimilarOut(
        media_id=found.media_id,
        same_kind=[SimilarEntry(media=_title(m), score=round(s, 6)) for m, s in found.same_kind],
        other_kinds=[
            SimilarEntry(media=_title(m), score=round(s, 6)) for m, s in found.other_kinds
        ],
    )


@api.get(
    "/api/v1/users/{id}/stats", path_params=IdPath, query=StatsQuery, reply=StatsOut, auth="public"
)
async def stats(request: web.Request, path: IdPath, query: StatsQuery) -> StatsOut:
    """A user's year in review across games, films and series (``tz``: their time zone)."""
    try:
        ZoneInfo(query.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid_field("tz", "is not a known time zone") from None
    review = await service.user_stats(request.app[DB], path.id, query.year, query.tz)
    return StatsOut(user_id=path.id, **_stats_models(review))


def _stats_models(review: dict[str, Any]) -> dict[str, Any]:
    def dueled(row: dict[str, Any]) -> DueledOut:
        return DueledOut(
            media=_title(row["media"]), games=row["games"], wins=row["wins"], score=row.get("score")
        )

    return {
        **review,
        "ratings": RatingsOut(**review["ratings"]),
        "top_genres": [GenreCount(**g) for g in review["top_genres"]],
        "platforms": [PlatformCount(**p) for p in review["platforms"]],
        "most_dueled": [dueled(d) for d in review["most_dueled"]],
        "top_from_duels": {
            k: [dueled(d) for d in rows] for k, rows in review["top_from_duels"].items()
        },
    }


def setup(app: web.Application) -> None:
    """Register discovery's endpoints and its section of the user data export."""
    from metacult.discovery import store
    from metacult.typedefs import USER_DATA_EXPORTERS

    api.register(app)
    app.setdefault(USER_DATA_EXPORTERS, {})["discovery"] = store.user_data
