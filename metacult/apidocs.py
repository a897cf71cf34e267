"""The API's own description: ``/api/v1/openapi.json`` and a readable reference at ``/api/docs``."""

from __future__ import annotations

from pathlib import Path

import pydantic
from aiohttp import web

from metacult.infra.openapi import document
from metacult.infra.web import Api, Schema, dumps
from metacult.typedefs import ENDPOINTS, OPENAPI_DOCUMENT

api = Api("meta")

PAGE = Path(__file__).resolve().parents[1] / "static" / "api-docs.html"
# Redoc styles itself inline and parses the document in a blob worker; nothing else runs.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


class OpenApiOut(Schema):
    """An OpenAPI 3.1 document."""

    model_config = pydantic.ConfigDict(frozen=True, extra="allow")

    openapi: str
    info: dict
    paths: dict
    components: dict


@api.get("/api/v1/openapi.json", auth="public", reply=OpenApiOut)
async def openapi_document(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document of every REST endpoint, generated from their declarations."""
    return web.Response(
        body=request.app[OPENAPI_DOCUMENT],
        content_type="application/json",
        headers={"Cache-Control": "no-cache"},
    )


async def reference_page(request: web.Request) -> web.FileResponse:
    """The readable reference, rendered in the browser from the document."""
    return web.FileResponse(
        PAGE,
        headers={
            "Content-Security-Policy": DOCS_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )


async def _render(app: web.Application) -> None:
    # At start-up every context has registered its endpoints: render the document once.
    app[OPENAPI_DOCUMENT] = dumps(document(app[ENDPOINTS], title="Metacult API", version="1"))


def setup(app: web.Application) -> None:
    api.register(app)
    app.router.add_get("/api/docs", reference_page)
    app.on_startup.append(_render)
