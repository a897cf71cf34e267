"""Catalogue endpoints: browse, search, a title's page, filter menus, admin imports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import pydantic
from aiohttp import web

from metacult.catalog import covers, imports, service
from metacult.catalog.browse import MAX_QUERY_LENGTH, Filters
from metacult.infra.auth import Principal
from metacult.infra.web import Api, IdPath, Schema
from metacult.typedefs import DB, REDIS, SETTINGS

api = Api("catalog")

Kind = Literal["game", "film", "series"]
Slug = Annotated[
    str, pydantic.Field(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
]
Year = Annotated[int, pydantic.Field(ge=1850, le=2200)]


class BrowseQuery(Schema):
    kind: Kind | None = None
    genre: Slug | None = None
    platform: Slug | None = None
    year: Year | None = None
    year_from: Year | None = None
    year_to: Year | None = None
    q: Annotated[str, pydantic.Field(max_length=MAX_QUERY_LENGTH)] | None = None
    sort: Literal["relevance", "popular", "top_rated", "newest", "title"] | None = None
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

    def filters(self) -> Filters:
        q = " ".join((self.q or "").split()) or None
        return Filters(
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
    kind: Kind
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
    kind: Kind
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
    duel_rating: DuelRatingOut | None = None


class GenresQuery(Schema):
    kind: Kind | None = None


class GenreOut(Schema):
    kind: Kind
    slug: str
    name: str


class PlatformOut(Schema):
    slug: str
    name: str


class VocabularyOut(Schema):
    genres: list[GenreOut]
    platforms: list[PlatformOut]


def _stats(stats: Any) -> StatsOut:
    return StatsOut(
        likes=stats.likes,
        ratings_count=stats.ratings_count,
        average=stats.average,
        histogram=list(stats.histogram),
        reviews_count=stats.reviews_count,
    )


def _detail(detail: service.MediaDetail) -> MediaOut:
    media = detail.media
    external = {"tmdb": media.tmdb_id, "igdb": media.igdb_id}
    viewer = detail.viewer
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
        stats=_stats(detail.stats),
        viewer=None
        if viewer is None
        else ViewerOut(liked=viewer.liked, rating=viewer.rating, status=viewer.status),
        duel_rating=None
        if detail.duel_rating is None
        else DuelRatingOut.model_validate(detail.duel_rating, from_attributes=True),
    )


@api.get("/api/v1/media", query=BrowseQuery, reply=MediaPageOut, auth="public")
async def browse_media(request: web.Request, query: BrowseQuery) -> MediaPageOut:
    """Browse and search titles: filters, sorts, cursor pagination; ``q`` forgives typos."""
    page = await service.browse(
        request.app[DB], query.filters(), query.sort, query.cursor, query.limit
    )
    return MediaPageOut(
        items=[
            MediaCardOut(
                id=item.media.id,
                kind=item.media.kind,  # type: ignore[arg-type]
                title=item.media.title,
                slug=item.media.slug,
                original_title=item.original_title,
                year=item.media.year,
                cover_url=item.media.cover_url,
                genres=list(item.media.genres),
                platforms=list(item.media.platforms),
                runtime_minutes=item.runtime_minutes,
                seasons=item.seasons,
                likes=item.stats.likes,
                ratings_count=item.stats.ratings_count,
                average=item.stats.average,
            )
            for item in page.items
        ],
        next_cursor=page.next_cursor,
    )


@api.get(r"/api/v1/media/{id:\d+}", path_params=IdPath, reply=MediaOut, auth="public")
async def media_page(request: web.Request, path: IdPath, user: Principal | None) -> MediaOut:
    """A title with its likes, ratings (average, histogram), reviews count and your marks."""
    viewer_id = user.user_id if user else None
    return _detail(await service.media_detail(request.app[DB], path.id, viewer_id))


@api.get(
    r"/api/v1/media/{id:\d+}/cover.svg",
    path_params=IdPath,
    auth="public",
    stream="image/svg+xml",
)
async def generated_cover(request: web.Request, path: IdPath) -> web.Response:
    """The title's generated cover: its name, kind and year on a colour drawn from its id."""
    svg = await service.generated_cover(request.app[DB], path.id)
    tag = covers.etag(svg)
    headers = {"ETag": tag, "Cache-Control": "public, max-age=86400"}
    if request.headers.get("If-None-Match") == tag:
        return web.Response(status=304, headers=headers)
    return web.Response(text=svg, content_type="image/svg+xml", headers=headers)


@api.get("/api/v1/media/by-slug/{slug}", path_params=SlugPath, reply=MediaOut, auth="public")
async def media_page_by_slug(
    request: web.Request, path: SlugPath, user: Principal | None
) -> MediaOut:
    """The same page as ``/api/v1/media/{id}``, found by the title's stable slug."""
    viewer_id = user.user_id if user else None
    return _detail(await service.media_detail(request.app[DB], path.slug, viewer_id))


@api.get("/api/v1/genres", query=GenresQuery, reply=VocabularyOut, auth="public")
async def vocabulary(request: web.Request, query: GenresQuery) -> VocabularyOut:
    """The genres (of one kind, or all) and the platforms, for filter menus."""
    genres, platforms = await service.vocabulary(request.app[DB], query.kind)
    return VocabularyOut(
        genres=[GenreOut(kind=row["kind"], slug=row["slug"], name=row["name"]) for row in genres],
        platforms=[PlatformOut(slug=row["slug"], name=row["name"]) for row in platforms],
    )


# Admin: imports from TMDB and IGDB.


class ImportIn(Schema):
    provider: Literal["tmdb", "igdb"]
    kind: Kind
    first_page: Annotated[int, pydantic.Field(ge=1, le=500)] = 1
    pages: Annotated[int, pydantic.Field(ge=1, le=50)] = 1

    @pydantic.model_validator(mode="after")
    def _fits(self) -> ImportIn:
        if (self.provider == "igdb") != (self.kind == "game"):
            raise ValueError("IGDB imports games; TMDB imports films and series")
        return self


class ImportOut(Schema):
    id: int
    provider: str
    kind: str
    first_page: int
    pages: int
    pages_done: int
    imported: int
    updated: int
    unchanged: int
    failed: int
    status: str
    error: str | None
    created_at: datetime
    updated_at: datetime


class ImportsOut(Schema):
    items: list[ImportOut]


def _import(row: Any) -> ImportOut:
    return ImportOut(**{name: row[name] for name in ImportOut.model_fields})


@api.post("/api/v1/admin/imports", body=ImportIn, reply=ImportOut, status=202, auth="admin")
async def start_import(request: web.Request, body: ImportIn, user: Principal) -> ImportOut:
    """Start importing pages of popular titles from a provider; progress goes live."""
    row = await imports.request_import(
        request.app[DB],
        request.app[REDIS],
        request.app[SETTINGS],
        provider=body.provider,
        kind=body.kind,
        first_page=body.first_page,
        pages=body.pages,
        requested_by=user.user_id,
    )
    return _import(row)


@api.get("/api/v1/admin/imports", reply=ImportsOut, auth="admin")
async def list_imports(request: web.Request) -> ImportsOut:
    """The latest imports and how far they got."""
    return ImportsOut(items=[_import(row) for row in await imports.recent(request.app[DB])])


@api.get("/api/v1/admin/imports/{id}", path_params=IdPath, reply=ImportOut, auth="admin")
async def get_import(request: web.Request, path: IdPath) -> ImportOut:
    """One import and how far it got."""
    return _import(await imports.get(request.app[DB], path.id))
