"""Browse and title pages: catalogue titles with their counters, duel rating and your marks."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pydantic
from aiohttp import web

from metacult import catalog, interaction
from metacult.infra.auth import Principal
from metacult.infra.web import Api, IdPath, Schema
from metacult.pages import service
from metacult.typedefs import DB

api = Api("pages")

Slug = Annotated[
    str, pydantic.Field(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
]
Year = Annotated[int, pydantic.Field(ge=1850, le=2200)]


class BrowseQuery(Schema):
    kind: catalog.Kind | None = None
    genre: Slug | None = None
    platform: Slug | None = None
    year: Year | None = None
    year_from: Year | None = None
    year_to: Year | None = None
    q: Annotated[str, pydantic.Field(max_length=catalog.MAX_QUERY_LENGTH)] | None = None
    sort: catalog.Sort | None = None
    cursor: Annotated[str, pydantic.Field(min_length=1, max_length=512)] | None = None
    limit: Annotated[int, pydantic.Field(ge=1, le=100)] = 20

    @pydantic.field_validator("q")
    @classmethod
    def _printable(cls, q: str | None) -> str | None:
        if q is not None and any(ord(char) < 32 and char not in "\t\n\r" for char in q):
            raise ValueError("must not contain control characters")
        return q

    @pydantic.model_validator(mode="after")
    def _years(self) -> BrowseQuery:
        if self.year is not None and (self.year_from is not None or self.year_to is not None):
            raise ValueError("give either year or year_from / year_to")
        if self.year_from and self.year_to and self.year_from > self.year_to:
            raise ValueError("year_from is after year_to")
        return self

    def filters(self) -> catalog.Filters:
        q = " ".join((self.q or "").split()) or None
        return catalog.Filters(
            kind=self.kind,
            genre=self.genre,
            platform=self.platform,
            year_from=self.year if self.year is not None else self.year_from,
            year_to=self.year if self.year is not None else self.year_to,
            q=q,
        )


class SlugPath(Schema):
    slug: Slug


class StatsOut(Schema):
    likes: int
    ratings_count: int
    average: float | None
    # Ratings at 0.5, 1, 1.5, ..., 5 stars.
    histogram: list[int]
    reviews_count: int


class ViewerOut(Schema):
    liked: bool
    rating: float | None
    status: str | None


class DuelRatingOut(Schema):
    """The title's global Glicko-2 rating from duels, shown as rating ± 2·RD (low, high)."""

    rating: float
    rd: float
    low: float
    high: float
    provisional: bool
    games: int
    wins: int
    losses: int


class MediaCardOut(Schema):
    id: int
    kind: catalog.Kind
    title: str
    slug: str
    original_title: str | None
    year: int | None
    cover_url: str | None
    genres: list[str]
    platforms: list[str]
    runtime_minutes: int | None
    seasons: int | None
    likes: int
    ratings_count: int
    average: float | None


class MediaPageOut(Schema):
    items: list[MediaCardOut]
    next_cursor: str | None


class MediaOut(Schema):
    id: int
    kind: catalog.Kind
    title: str
    slug: str
    original_title: str | None
    year: int | None
    release_date: date | None
    synopsis: str
    genres: list[str]
    platforms: list[str]
    runtime_minutes: int | None
    seasons: int | None
    cover_url: str | None
    backdrop_url: str | None
    external_ids: dict[str, int]
    popularity: float
    stats: StatsOut
    # The signed-in viewer's own like, rating and library status (None when anonymous).
    viewer: ViewerOut | None
    duel_rating: DuelRatingOut


def _stats(stats: interaction.MediaStats) -> StatsOut:
    return StatsOut(
        likes=stats.likes,
        ratings_count=stats.ratings_count,
        average=stats.average,
        histogram=list(stats.histogram),
        reviews_count=stats.reviews_count,
    )


def _title_page(page: service.TitlePage) -> MediaOut:
    media = page.media
    external = {"tmdb": media.tmdb_id, "igdb": media.igdb_id}
    return MediaOut(
        id=media.id,
        kind=media.kind,  # type: ignore[arg-type]
        title=media.title,
        slug=media.slug,
        original_title=media.original_title,
        year=media.year,
        release_date=media.release_date,
        synopsis=media.synopsis,
        genres=list(media.genres),
        platforms=list(media.platforms),
        runtime_minutes=media.runtime_minutes,
        seasons=media.seasons,
        cover_url=media.cover_url,
        backdrop_url=media.backdrop_url,
        external_ids={name: value for name, value in external.items() if value is not None},
        popularity=media.popularity,
        stats=_stats(page.stats),
        viewer=None
        if page.viewer is None
        else ViewerOut.model_validate(page.viewer, from_attributes=True),
        duel_rating=DuelRatingOut.model_validate(page.duel_rating, from_attributes=True),
    )


def _card(card: service.Card) -> MediaCardOut:
    listed, media = card.listed, card.listed.media
    return MediaCardOut(
        id=media.id,
        kind=media.kind,  # type: ignore[arg-type]
        title=media.title,
        slug=media.slug,
        original_title=listed.original_title,
        year=media.year,
        cover_url=media.cover_url,
        genres=list(media.genres),
        platforms=list(media.platforms),
        runtime_minutes=listed.runtime_minutes,
        seasons=listed.seasons,
        likes=card.stats.likes,
        ratings_count=card.stats.ratings_count,
        average=card.stats.average,
    )


@api.get("/api/v1/media", query=BrowseQuery, reply=MediaPageOut, auth="public")
async def browse_media(request: web.Request, query: BrowseQuery) -> MediaPageOut:
    """Browse and search titles: filters, sorts, cursor pagination; ``q`` forgives typos."""
    page = await service.browse(
        request.app[DB], query.filters(), query.sort, query.cursor, query.limit
    )
    return MediaPageOut(items=[_card(card) for card in page.items], next_cursor=page.next_cursor)


@api.get(r"/api/v1/media/{id:\d+}", path_params=IdPath, reply=MediaOut, auth="public")
async def media_page(request: web.Request, path: IdPath, user: Principal | None) -> MediaOut:
    """A title with its likes, ratings (average, histogram), reviews count and your marks."""
    viewer_id = user.user_id if user else None
    return _title_page(await service.title_page(request.app[DB], path.id, viewer_id))


@api.get("/api/v1/media/by-slug/{slug}", path_params=SlugPath, reply=MediaOut, auth="public")
async def media_page_by_slug(
    request: web.Request, path: SlugPath, user: Principal | None
) -> MediaOut:
    """The same page as ``/api/v1/media/{id}``, found by the title's stable slug."""
    viewer_id = user.user_id if user else None
    return _title_page(await service.title_page(request.app[DB], path.slug, viewer_id))


def setup(app: web.Application) -> None:
    """Register the browse and title page endpoints on the application."""
    api.register(app)
