"""Browse and title pages: catalogue titles with their counters, duel rating and your marks."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import pydantic
from aiohttp import web

from metacult import catalog
from metacult.infra import pagecache
from metacult.infra.auth import Principal
from metacult.infra.remembered import Remembered
from metacult.infra.web import Api, IdPath, Schema, kept, kept_with
from metacult.pages import service
from metacult.typedefs import DB, DB_READ, SETTINGS, SLUG_IDS, VIEWER_MARKS

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


class TitleFacts(Schema):
    """What both a browse card and a title's page show of the title itself."""

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


class MediaCardOut(TitleFacts):
    likes: int
    ratings_count: int
    average: float | None


class MediaPageOut(Schema):
    items: list[MediaCardOut]
    next_cursor: str | None


class MediaOut(TitleFacts):
    release_date: date | None
    synopsis: str
    backdrop_url: str | None
    external_ids: dict[str, int]
    popularity: float
    stats: StatsOut
    # The signed-in viewer's own like, rating and library status (None when anonymous).
    viewer: ViewerOut | None
    duel_rating: DuelRatingOut


def _fields(model: type[Schema], *sources: object) -> dict[str, Any]:
    """The attributes of ``sources`` that ``model`` declares (later sources win)."""
    return {
        name: getattr(source, name)
        for source in sources
        for name in model.model_fields
        if hasattr(source, name)
    }


def _title_page(page: service.TitlePage) -> MediaOut:
    """A title's public page (``viewer`` is None: the viewer's marks are put in apart)."""
    media = page.media
    external = {"tmdb": media.tmdb_id, "igdb": media.igdb_id}
    return MediaOut.model_validate(
        {
            **_fields(MediaOut, media),
            "external_ids": {name: value for name, value in external.items() if value},
            "stats": StatsOut.model_validate(_fields(StatsOut, page.stats)),
            "viewer": None,
            "duel_rating": DuelRatingOut.model_validate(_fields(DuelRatingOut, page.duel_rating)),
        }
    )


def _card(card: service.Card) -> MediaCardOut:
    """A browse card: catalog's summary and listing facts, interaction's counters."""
    listed = card.listed
    return MediaCardOut.model_validate(_fields(MediaCardOut, listed.media, listed, card.stats))


@api.get("/api/v1/media", query=BrowseQuery, reply=MediaPageOut, auth="public")
async def browse_media(request: web.Request, query: BrowseQuery) -> MediaPageOut:
    """Browse and search titles: filters, sorts, cursor pagination; ``q`` forgives typos."""

    async def fresh() -> MediaPageOut:
        page = await service.browse(
            request.app[DB_READ], query.filters(), query.sort, query.cursor, query.limit
        )
        return MediaPageOut(
            items=[_card(card) for card in page.items], next_cursor=page.next_cursor
        )

    key = ("browse", query.model_dump_json())
    return await kept(request, [pagecache.BROWSE, pagecache.CATALOG], key, fresh)


@api.get(r"/api/v1/media/{id:\d+}", path_params=IdPath, reply=MediaOut, auth="public")
async def media_page(
    request: web.Request, path: IdPath, user: Principal | None
) -> MediaOut | web.Response:
    """A title with its likes, ratings (average, histogram), reviews count and your marks."""
    return await _title(request, path.id, user)


@api.get("/api/v1/media/by-slug/{slug}", path_params=SlugPath, reply=MediaOut, auth="public")
async def media_page_by_slug(
    request: web.Request, path: SlugPath, user: Principal | None
) -> MediaOut | web.Response:
    """The same page as ``/api/v1/media/{id}``, found by the title's stable slug."""
    # The web app's way in to a title: the slug's id, then the kept page. A slug is given
    # once and never changed or given again (titles are not deleted), so the ids found are
    # remembered with no version to follow (an unknown slug is not: it may come next).
    ids = request.app[SLUG_IDS]
    media_id = ids.get(path.slug, SLUGS_FOR_GOOD)
    if media_id is None:
        async with request.app[DB].acquire() as conn:
            media_id = await catalog.media_id_by_slug(conn, path.slug)
        ids.put(path.slug, SLUGS_FOR_GOOD, media_id)
    return await _title(request, media_id, user)


async def _title(
    request: web.Request, media_id: int, user: Principal | None
) -> MediaOut | web.Response:
    """A title's kept public page, with the signed-in viewer's own marks put in."""

    async def fresh() -> MediaOut:
        return _title_page(await service.title_page(request.app[DB], media_id))

    topics = [pagecache.media_topic(media_id), pagecache.CATALOG]
    page = kept(request, topics, ("media", media_id), fresh, vary=IDENTITY_HEADERS)
    if user is None:
        return await page
    # The viewer's own marks are read apart (with the other viewers' of this loop turn,
    # while the page's versions are read or it is rendered) and never kept; they are put
    # into the kept page's bytes.
    marks = request.app[VIEWER_MARKS].load((user.user_id, media_id))
    try:
        public = await page
    except BaseException:
        if not marks.cancel() and not marks.cancelled():
            marks.exception()  # answered already: read, so that nothing warns of it
        raise
    mine = ViewerOut.model_validate(_fields(ViewerOut, await marks))
    merged = kept_with(request, "viewer", mine)
    if merged is not None:
        return merged
    return public.model_copy(update={"viewer": mine})


# A title's page differs by who asks: a shared cache must not hand one reader's to another.
IDENTITY_HEADERS = "Cookie, Authorization"
# The one version the slugs' ids are filed under: none of them changes.
SLUGS_FOR_GOOD = b""


def setup(app: web.Application) -> None:
    """Register the browse and title page endpoints on the application."""
    api.register(app)
    app[VIEWER_MARKS] = service.viewer_marks(lambda: app[DB])
    settings = app[SETTINGS]
    app[SLUG_IDS] = Remembered(settings.page_cache_entries, settings.page_cache_ttl)

    async def finish(app: web.Application) -> None:
        await app[VIEWER_MARKS].close()

    app.on_shutdown.append(finish)
