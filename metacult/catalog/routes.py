"""Catalogue endpoints: filter menus and admin imports (browse and title pages: ``pages``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import pydantic
from aiohttp import web

from metacult.catalog import covers, imports, service
from metacult.catalog.model import CatalogImport
from metacult.catalog.taxonomy import Kind
from metacult.infra import pagecache
from metacult.infra.auth import Principal
from metacult.infra.web import Api, IdPath, Schema, kept
from metacult.typedefs import DB, REDIS, SETTINGS

api = Api("catalog")


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


@api.get("/api/v1/genres", query=GenresQuery, reply=VocabularyOut, auth="public")
async def vocabulary(request: web.Request, query: GenresQuery) -> VocabularyOut:
    """The genres (of one kind, or all) and the platforms, for filter menus."""

    async def fresh() -> VocabularyOut:
        genres, platforms = await service.vocabulary(request.app[DB], query.kind)
        return VocabularyOut(
            genres=[GenreOut.model_validate(genre, from_attributes=True) for genre in genres],
            platforms=[PlatformOut.model_validate(p, from_attributes=True) for p in platforms],
        )

    return await kept(request, [pagecache.CATALOG], ("genres", query.kind), fresh)


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


def _import(started: CatalogImport) -> ImportOut:
    return ImportOut.model_validate(started, from_attributes=True)


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
