"""The declared reply type is the one rendered: anything else a handler answers is a 500."""

from __future__ import annotations

import inspect

from aiohttp import web

from metacult.infra.web import Api, Schema
from metacult.typedefs import ENDPOINTS


class Reply(Schema):
    text: str


class Wider(Reply):
    secret: str


replies = Api("replies")


@replies.get("/api/v1/replies/declared", auth="public", reply=Reply)
async def declared(request: web.Request) -> Reply:
    return Reply(text="ok")


@replies.get("/api/v1/replies/dict", auth="public", reply=Reply)
async def as_dict(request: web.Request) -> Reply:
    return {"text": "ok", "secret": "leaked"}  # type: ignore[return-value]


@replies.get("/api/v1/replies/wider", auth="public", reply=Reply)
async def wider(request: web.Request) -> Reply:
    return Wider(text="ok", secret="leaked")


@replies.get("/api/v1/replies/undeclared", auth="public")
async def undeclared(request: web.Request) -> None:
    return Reply(text="no reply declared")  # type: ignore[return-value]


async def _client(aiohttp_client, make_app):
    app = make_app()
    replies.register(app)
    return await aiohttp_client(app)


async def test_a_reply_of_the_declared_type_is_rendered(aiohttp_client, make_app) -> None:
    client = await _client(aiohttp_client, make_app)

    response = await client.get("/api/v1/replies/declared")

    assert response.status == 200
    assert await response.json() == {"text": "ok"}


async def test_any_other_answer_is_a_500_and_shows_nothing(aiohttp_client, make_app) -> None:
    client = await _client(aiohttp_client, make_app)

    for path in ("dict", "wider", "undeclared"):
        response = await client.get(f"/api/v1/replies/{path}")

        assert response.status == 500, path
        body = await response.json()
        assert body["error"]["code"] == "internal"
        assert "leaked" not in str(body)


# Endpoints that render their declared reply themselves, and why.
RENDERS_ITSELF = {
    "/api/v1/events",  # EventsOut from pre-encoded frames, not re-encoded on every poll
    "/api/v1/auth/token",  # TokenOut with Cache-Control: no-store (RFC 6749 section 5.1)
    "/api/v1/auth/token/refresh",  # the same
    "/readyz",  # Readiness, or a 503 error naming the failed checks
    "/api/v1/openapi.json",  # the document, rendered once at start-up
    "/healthz",  # Health, encoded once per process
    r"/api/v1/media/{id:\d+}",  # MediaOut signed in: the kept page's bytes and the viewer's
    "/api/v1/media/by-slug/{slug}",  # the same page as by id
}


def test_every_endpoint_of_the_app_is_annotated_with_its_declared_reply(make_app) -> None:
    app = make_app()
    wrong = []
    for endpoint in app[ENDPOINTS]:
        if endpoint.stream is not None or endpoint.path in RENDERS_ITSELF:
            continue
        returns = inspect.signature(endpoint.handler.__wrapped__).return_annotation
        declared = "None" if endpoint.reply is None else endpoint.reply.__name__
        redirect = endpoint.reply is None and returns == "web.StreamResponse"
        if returns != declared and not redirect:
            wrong.append(f"{endpoint.method} {endpoint.path}: -> {returns}, reply={declared}")
    assert wrong == []
