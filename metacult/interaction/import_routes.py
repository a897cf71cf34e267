"""HTTP endpoints of the history import (upload, preview, fix, confirm) and the ZIP export."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import aiohttp
import pydantic
from aiohttp import web

from metacult.infra.auth import Principal
from metacult.infra.errors import BadRequest, invalid_field
from metacult.infra.web import Api, IdPath, Schema
from metacult.interaction import history_import, import_formats
from metacult.typedefs import DB, HISTORY_EXPORTER, SETTINGS

api = Api("interaction")

Source = Literal["letterboxd", "backloggd", "trakt", "steam"]
RowState = Literal["pending", "matched", "doubtful", "unmatched", "invalid", "dropped"]


class UploadQuery(Schema):
    source: Source
    steam_id: str | None = pydantic.Field(default=None, pattern=r"^[0-9]{1,20}$")


class Counts(Schema):
    pending: int
    matched: int
    doubtful: int
    unmatched: int
    invalid: int
    dropped: int


class ImportOut(Schema):
    id: int
    source: Source
    state: Literal["matching", "ready", "confirmed", "failed"]
    total: int
    done: int
    counts: Counts


class MatchedTitle(Schema):
    id: int
    title: str
    year: int | None
    slug: str


class RowOut(Schema):
    position: int
    file: str
    line: int
    action: str
    kind: str
    title: str
    year: int | None
    state: RowState
    confidence: float | None
    problem: str | None
    media: MatchedTitle | None


class PreviewOut(ImportOut):
    problem: str | None
    created_at: datetime
    rows: list[RowOut]


class ConfirmOut(ImportOut):
    written: int


class RowPath(Schema):
    id: int = pydantic.Field(ge=1, le=2**63 - 1)
    position: int = pydantic.Field(ge=1, le=2**31 - 1)


class RowFix(Schema):
    media_id: int | None = pydantic.Field(default=None, ge=1, le=2**63 - 1)
    drop: bool = False


def _import(shown: dict) -> dict:  # type: ignore[type-arg]
    return {
        "id": shown["import_id"],
        "source": shown["source"],
        "state": shown["state"],
        "total": shown["total"],
        "done": shown["done"],
        "counts": Counts(**shown["counts"]),
    }


async def _read_upload(request: web.Request) -> bytes:
    """The uploaded file (the ``file`` part of a multipart form, or the raw body), refused
    past 20 MB without reading further."""
    limit = import_formats.MAX_UPLOAD_BYTES
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise import_formats.UploadTooLarge()
    if request.content_type.startswith("multipart/"):
        try:
            return await _file_part(request, limit)
        except (ValueError, AssertionError, aiohttp.ClientPayloadError):
            raise BadRequest("The multipart form cannot be read.", code="malformed_form") from None
    return await _bounded(lambda: request.content.read(64 * 1024), limit)


async def _file_part(request: web.Request, limit: int) -> bytes:
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            raise invalid_field("file", "the form has no file part")
        if getattr(part, "name", None) == "file":
            return await _bounded(part.read_chunk, limit)  # type: ignore[union-attr]
        await part.release()  # type: ignore[union-attr]


async def _bounded(read, limit: int) -> bytes:  # type: ignore[no-untyped-def]
    chunks: list[bytes] = []
    size = 0
    while chunk := await read():
        size += len(chunk)
        if size > limit:
            raise import_formats.UploadTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


@api.post("/api/v1/imports", query=UploadQuery, reply=ImportOut, status=202)
async def upload_import(request: web.Request, query: UploadQuery, user: Principal) -> ImportOut:
    """Upload a history (Letterboxd ZIP, Backloggd CSV, Trakt JSON, Steam library, or a
    ``steam_id`` to fetch); it is read at once, matched in the background (progress on
    ``user:{id}``), and shown as a preview to fix and confirm."""
    db = request.app[DB]
    if query.source == "steam" and query.steam_id:
        rows: list[import_formats.Row] = []
        digest = f"steam:{query.steam_id}".encode()
    else:
        raw = await _read_upload(request)
        if not raw:
            raise BadRequest("The upload is empty.", code="empty_upload")
        rows = import_formats.parse(query.source, raw)
        digest = raw
    import_id = await history_import.create(
        db, user.user_id, query.source, rows, digest, steam_id=query.steam_id
    )
    async with db.acquire() as conn:
        return ImportOut(**_import(await history_import.summary(conn, import_id)))


@api.get("/api/v1/imports/{id}", path_params=IdPath, reply=PreviewOut)
async def get_import(request: web.Request, path: IdPath, user: Principal) -> PreviewOut:
    """An import's preview: its state, counts, and every row with its line, state
    (matched, doubtful, unmatched, invalid, dropped) and matched title."""
    shown = await history_import.preview(request.app[DB], user.user_id, path.id)
    return PreviewOut(
        **_import(shown),
        problem=shown["problem"],
        created_at=shown["created_at"],
        rows=[
            RowOut(**{**row, "media": MatchedTitle(**row["media"]) if row["media"] else None})
            for row in shown["rows"]
        ],
    )


@api.patch("/api/v1/imports/{id}/rows/{position}", path_params=RowPath, body=RowFix)
async def fix_import_row(
    request: web.Request, path: RowPath, body: RowFix, user: Principal
) -> None:
    """Pick another title for a row (``media_id``), or drop it (``drop: true``)."""
    await history_import.fix_row(
        request.app[DB],
        user.user_id,
        path.id,
        path.position,
        media_id=body.media_id,
        drop=body.drop,
    )


@api.post("/api/v1/imports/{id}/confirm", path_params=IdPath, reply=ConfirmOut)
async def confirm_import(request: web.Request, path: IdPath, user: Principal) -> ConfirmOut:
    """Write the matched and doubtful rows that were not dropped to the history; confirming
    again writes nothing."""
    shown = await history_import.confirm(request.app[DB], user.user_id, path.id)
    return ConfirmOut(**_import(shown), written=shown["written"])


async def _export(app: web.Application, user_id: int, fmt: str) -> bytes:
    return await history_import.export(app[DB], user_id, app[SETTINGS].public_url, fmt)


def setup(app: web.Application) -> None:
    app[HISTORY_EXPORTER] = _export
    api.register(app)
