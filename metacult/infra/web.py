"""The web layer's one way to declare, parse, authorise and answer an endpoint.

Every REST endpoint is declared through :class:`Api` with its path, query and body
models and its reply model (pydantic). The wrapper parses the request into those
models (422 with field details when they do not fit), resolves the caller
(401 / 403 by the endpoint's ``auth``), calls the handler with what it asked for,
checks that it answered an instance of exactly its declared reply model (anything else
is a bug, answered 500 in every environment), and renders that with orjson. The
declarations are kept in ``app[ENDPOINTS]`` so that the OpenAPI document can be
generated from them.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import os
import random
import time
import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import orjson
import pydantic
from aiohttp import web
from pydantic_core import PydanticCustomError

from metacult.infra import idempotency, jsonlog, pagecache, ratelimit
from metacult.infra.auth import Principal
from metacult.infra.errors import (
    DEPENDENCY_DOWN,
    AppError,
    BadRequest,
    Forbidden,
    Invalid,
    Unauthenticated,
    Unavailable,
    pydantic_code,
)
from metacult.infra.pagecache import Rendered, rendered
from metacult.typedefs import (
    AUTHENTICATOR,
    DB,
    INSTANT_ANSWERS,
    PAGE_CACHE,
    PRINCIPAL,
    REDIS,
    SETTINGS,
)

log = logging.getLogger("metacult.web")

Model = TypeVar("Model", bound=pydantic.BaseModel)
Auth = Literal["public", "user", "admin"]
Handler = Callable[..., Awaitable[Any]]

# The page a handler answered through ``kept``, and its ``Vary`` header.
KEPT = web.RequestKey("kept_page", tuple)

JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


# The validation context of what comes from a client: its bodies, queries, paths and
# websocket actions (models built by our own code are not checked again).
FROM_CLIENT = {"from_client": True}


class Schema(pydantic.BaseModel):
    """Base of every request and reply model.

    Whatever a request model accepts from a client, PostgreSQL can store: no NUL character
    in any text (it refuses 0x00), no integer beyond 64 bits, no infinite or NaN number, in
    every field and in the lists and mappings it holds. A field typed ``Any`` (or any JSON
    value) is left to the
    code that gives it a type (signals check each event of a batch on its own).
    """

    model_config = pydantic.ConfigDict(frozen=True)

    @pydantic.field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any, info: pydantic.ValidationInfo) -> Any:
        if not (info.context or {}).get("from_client"):
            return value
        untyped = _UNTYPED_FIELDS.get(cls)
        if untyped is None:
            # Once per model (each field's annotation walked once, not on every request).
            fields = cls.model_fields.items()
            untyped = _UNTYPED_FIELDS[cls] = frozenset(
                name for name, field in fields if _untyped(field.annotation)
            )
        if info.field_name not in untyped:
            _refuse_unstorable(value)
        return value


# The fields typed ``Any`` or any JSON value, per request model.
_UNTYPED_FIELDS: dict[type, frozenset[str]] = {}


def _untyped(annotation: Any) -> bool:
    """Does ``annotation`` hold ``Any`` or any JSON value (``list[Any]``, ``dict[str, Any]``,
    ``list[pydantic.JsonValue]``)?"""
    if annotation is Any or annotation is pydantic.JsonValue:
        return True
    return any(_untyped(arg) for arg in typing.get_args(annotation))


def _refuse_unstorable(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("nul_character", "must not contain NUL characters")
    elif isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise PydanticCustomError("int_out_of_range", "must fit in a 64-bit integer")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise PydanticCustomError("finite_number", "must be a finite number")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable(key)
            _refuse_unstorable(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _refuse_unstorable(item)


class IdPath(Schema):
    """A path with one numeric ``{id}``."""

    id: int = pydantic.Field(ge=1, le=2**63 - 1)


def dumps(payload: Any) -> bytes:
    """Encode a reply body: models are dumped to plain data first."""
    if isinstance(payload, pydantic.BaseModel):
        payload = payload.model_dump(mode="python")
    return orjson.dumps(payload, option=JSON_OPTIONS, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="python")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def json_response(payload: Any, *, status: int = 200, headers: Any = None) -> web.Response:
    """An ``application/json`` response encoded with orjson."""
    return web.Response(
        body=dumps(payload), status=status, content_type="application/json", headers=headers
    )


def error_response(error: AppError) -> web.Response:
    return json_response(error.body(), status=error.status, headers=error.headers)


def validation_error(exc: pydantic.ValidationError, *, prefix: str = "") -> Invalid:
    """Turn pydantic's errors into our 422 with one message per field."""
    fields: dict[str, str] = {}
    codes: dict[str, str] = {}
    for item in exc.errors(include_url=False):
        location = prefix + (".".join(str(part) for part in item["loc"]) or "body")
        if location not in fields:
            fields[location] = item["msg"]
            codes[location] = pydantic_code(item["type"])
    summary = "; ".join(f"{name}: {msg}" for name, msg in fields.items())
    return Invalid(summary, fields=fields, codes=codes)


async def parse_body(request: web.Request, model: type[Model], *, form: bool = False) -> Model:
    """Read the JSON body into ``model``: 400 when it is not JSON, 422 when it does not fit.

    Types are strict: ``true`` or ``"1"`` is not a number, ``1`` is not a string. With
    ``form``, an ``application/x-www-form-urlencoded`` body is read as well (all strings).
    """
    raw = await request.read()
    try:
        if form and request.content_type == "application/x-www-form-urlencoded":
            fields = await request.post()
            data = {key: fields.getone(key) for key in fields}
            return model.model_validate(data, context=FROM_CLIENT)
        return model.model_validate_json(raw or b"{}", strict=True, context=FROM_CLIENT)
    except pydantic.ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors(include_url=False)):
            raise BadRequest("The body is not valid JSON.", code="malformed_json") from None
        raise validation_error(exc) from None


def parse_query(request: web.Request, model: type[Model]) -> Model:
    """Read the query string into ``model`` (422 with the offending parameters)."""
    data = {key: request.query.getone(key) for key in request.query}
    try:
        return model.model_validate(data, context=FROM_CLIENT)
    except pydantic.ValidationError as exc:
        raise validation_error(exc) from None


def parse_path(request: web.Request, model: type[Model]) -> Model:
    """Read the path parameters into ``model``; a path that does not fit is a 404."""
    try:
        return model.model_validate(dict(request.match_info), context=FROM_CLIENT)
    except pydantic.ValidationError:
        raise web.HTTPNotFound() from None


async def resolve_principal(request: web.Request) -> Principal | None:
    """The caller, resolved once per request by the installed authenticator."""
    if PRINCIPAL not in request:
        request[PRINCIPAL] = await request.app[AUTHENTICATOR](request)
    return request[PRINCIPAL]


async def require(request: web.Request, auth: Auth) -> Principal | None:
    """The caller, or 401 / 403 when ``auth`` asks for more than they have."""
    principal = await resolve_principal(request)
    if auth == "public":
        return principal
    if principal is None:
        raise Unauthenticated()
    if auth == "admin" and not principal.is_admin:
        raise Forbidden("This needs an administrator.")
    return principal


async def kept(
    request: web.Request,
    topics: Sequence[str],
    key: tuple,
    fresh: Callable[[], Awaitable[Model]],
    *,
    vary: str | None = None,
) -> Model:
    """The reply ``fresh`` makes, kept (``metacult.infra.pagecache``) under ``key`` while
    ``topics`` keep their versions. Answered from its bytes encoded once, with an ETag
    (304 to a client that holds it) and ``vary`` as the ``Vary`` header."""

    async def render() -> Rendered:
        reply = await fresh()
        return rendered(reply, dumps(reply))

    app = request.app
    page = await pagecache.page(
        app[PAGE_CACHE], app[DB], app[REDIS], app[SETTINGS], topics, key, render
    )
    request[KEPT] = (page, vary)
    return typing.cast(Model, page.reply)


def kept_with(request: web.Request, field: str, part: pydantic.BaseModel) -> web.Response | None:
    """The page ``kept`` answered in this request, with its top-level ``field`` (``null``
    in the kept page) set to ``part``: the kept bytes and ``part``'s own, spliced, so the
    public part is not rendered again per reader. Not cached, no ETag (the reply is one
    reader's). None when the page does not hold ``field`` as null exactly once (then the
    caller merges the models)."""
    page = request[KEPT][0]
    marker = b'"' + field.encode() + b'":null'
    # A JSON string escapes its quotes, so the marker can only be a key and its value;
    # the reply models have one field of that name.
    at = page.body.find(marker)
    if at < 0 or page.body.find(marker, at + 1) >= 0:
        return None
    body = page.body[: at + len(marker) - 4] + dumps(part) + page.body[at + len(marker) :]
    return web.Response(body=body, content_type="application/json")


def cache_control(settings: Any) -> str:
    """What a public page lets browsers and proxies do: revalidate each time (its ETag
    makes that a 304), or keep it ``public_max_age`` seconds where a deployment accepts
    pages that old."""
    if settings.public_max_age > 0:
        return f"public, max-age={settings.public_max_age}"
    return "public, no-cache"


def rendered_response(
    request: web.Request, page: Rendered, *, status: int = 200, vary: str | None = None
) -> web.Response:
    """A public page, or 304 when the client holds it already (``If-None-Match``)."""
    headers = {"ETag": page.etag, "Cache-Control": cache_control(request.app[SETTINGS])}
    if vary:
        headers["Vary"] = vary
    wanted = request.headers.get("If-None-Match")
    if wanted is not None and _matches(wanted, page.etag):
        return web.Response(status=304, headers=headers)
    return web.Response(
        body=page.body, status=status, content_type="application/json", headers=headers
    )


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def limit_writes(request: web.Request, principal: Principal | None) -> None:
    """Every write costs a credit of its IP's and of its account's bucket (per minute, in
    Redis, shared by the nodes); 429 with ``Retry-After`` when one is empty. Redis away:
    the write goes on (it does not need Redis, and the outbox keeps its events)."""
    settings = request.app[SETTINGS]
    redis = request.app[REDIS]
    try:
        ip_limit = ratelimit.Limit("writes-ip", settings.write_limit_per_ip, 60)
        await ratelimit.consume(redis, settings, ip_limit, request.remote or "unknown")
        if principal is not None:
            user_limit = ratelimit.Limit("writes-user", settings.write_limit_per_user, 60)
            await ratelimit.consume(redis, settings, user_limit, str(principal.user_id))
    except Unavailable:
        log.warning("write limits unchecked: Redis is not answering")


class UndeclaredReply(TypeError):
    """A handler answered something other than the reply type it declared: a bug, so a 500
    (the reply the OpenAPI document promises is the one sent, or none is)."""


def checked_reply(result: Any, reply: type[pydantic.BaseModel] | None, path: str) -> Any:
    """``result`` when it is an instance of the declared ``reply`` model, else UndeclaredReply."""
    if reply is None:
        raise UndeclaredReply(f"{path} declares no reply but answered {type(result).__name__}")
    if type(result) is not reply:
        # A subclass would carry fields the declaration does not show: refused as well.
        raise UndeclaredReply(
            f"{path} declares {reply.__name__} but answered {type(result).__name__}"
        )
    return result


@dataclass(frozen=True)
class Endpoint:
    """One declared endpoint: what it takes, what it answers, who may call it."""

    method: str
    path: str
    handler: Handler
    auth: Auth
    status: int
    summary: str
    body: type[pydantic.BaseModel] | None
    query: type[pydantic.BaseModel] | None
    path_params: type[pydantic.BaseModel] | None
    reply: type[pydantic.BaseModel] | None
    tags: tuple[str, ...]
    stream: str | None
    idempotent: bool = False


class Api:
    """A route table whose endpoints declare their types; one per context's ``routes.py``."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.endpoints: list[Endpoint] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        auth: Auth = "user",
        body: type[pydantic.BaseModel] | None = None,
        query: type[pydantic.BaseModel] | None = None,
        path_params: type[pydantic.BaseModel] | None = None,
        reply: type[pydantic.BaseModel] | None = None,
        status: int = 200,
        stream: str | None = None,
        idempotent: bool = False,
        form: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Declare an endpoint. ``stream`` names the media type of a streaming reply;
        ``idempotent`` honours an ``Idempotency-Key`` header (writes that apps retry);
        ``form`` accepts a form-encoded body too (the OAuth2 token endpoint)."""

        def decorate(handler: Handler) -> Handler:
            wants = set(inspect.signature(handler).parameters)

            async def endpoint(request: web.Request) -> web.StreamResponse:
                principal = await require(request, auth)
                if method in WRITE_METHODS:
                    await limit_writes(request, principal)
                key = idempotency.key_of(request) if idempotent else None
                if key is None:
                    return await answer(request, principal)
                return await idempotency.once(
                    request,
                    request.app[REDIS],
                    request.app[SETTINGS],
                    principal,
                    key,
                    lambda: answer(request, principal),
                )

            async def answer(
                request: web.Request, principal: Principal | None
            ) -> web.StreamResponse:
                kwargs: dict[str, Any] = {}
                if "user" in wants:
                    kwargs["user"] = principal
                if path_params is not None:
                    kwargs["path"] = parse_path(request, path_params)
                if query is not None:
                    kwargs["query"] = parse_query(request, query)
                if body is not None:
                    kwargs["body"] = await parse_body(request, body, form=form)
                result = await handler(request, **kwargs)
                if isinstance(result, web.StreamResponse):
                    return result
                if result is None:
                    return web.Response(status=204 if status == 200 else status)
                checked = checked_reply(result, reply, path)
                if KEPT in request and request[KEPT][0].reply is checked:
                    page, vary = request[KEPT]
                    return rendered_response(request, page, status=status, vary=vary)
                return json_response(checked, status=status)

            endpoint.__name__ = handler.__name__
            endpoint.__doc__ = handler.__doc__
            endpoint.__wrapped__ = handler  # type: ignore[attr-defined]
            self.endpoints.append(
                Endpoint(
                    method=method,
                    path=path,
                    handler=endpoint,
                    auth=auth,
                    status=status,
                    summary=(inspect.getdoc(handler) or handler.__name__).split("\n")[0],
                    body=body,
                    query=query,
                    path_params=path_params,
                    reply=reply,
                    tags=(self.tag,),
                    stream=stream,
                    idempotent=idempotent,
                )
            )
            return handler

        return decorate

    def get(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **options)

    def post(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **options)

    def put(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **options)

    def patch(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **options)

    def register(self, app: web.Application) -> None:
        """Add every endpoint to the app's router and to the declared list."""
        from metacult.typedefs import ENDPOINTS

        for endpoint in self.endpoints:
            app.router.add_route(endpoint.method, endpoint.path, endpoint.handler)
        app[ENDPOINTS].extend(self.endpoints)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    411: "length_required",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    429: "rate_limited",
    431: "headers_too_large",
}

# What a request line and a header may hold. aiohttp's HTTP parser refuses longer ones
# itself, with a plain-text 400 no middleware sees: its limits (``PARSER_LIMITS``, given
# to the application in app.py) are set above these, so that the app answers in JSON.
MAX_REQUEST_TARGET = 8190
MAX_HEADER_FIELD = 8190
PARSER_LIMITS = {"max_line_size": 32_768, "max_field_size": 32_768}


class UriTooLong(AppError):
    """The address (path and query string) is too long."""

    status = 414
    code = "uri_too_long"


class HeadersTooLarge(AppError):
    """A request header is too large."""

    status = 431
    code = "headers_too_large"


def _check_limits(request: web.Request) -> None:
    """Refuse request lines and headers longer than ours (in the one error shape)."""
    if len(request.raw_path) > MAX_REQUEST_TARGET:
        raise UriTooLong()
    if any(len(name) + len(value) > MAX_HEADER_FIELD for name, value in request.raw_headers):
        raise HeadersTooLarge()


READS = frozenset({"GET", "HEAD"})


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give each request an id (kept from ``X-Request-Id`` when sane) and log it.

    Every write, server error and slow read is logged; other reads only by a sample
    (``request_log_sample``), since a formatted line per read costs more than the read.

    A read of an instant answer (``INSTANT_ANSWERS``: ``/healthz``) is answered here,
    before the other layers: no id, no log line, no session (the security headers still
    come with the response's preparation).
    """
    if request.method in READS:
        body = request.app[INSTANT_ANSWERS].get(request.path)
        if body is not None:
            return web.Response(body=body, content_type="application/json")
    incoming = request.headers.get("X-Request-Id", "")
    rid = incoming if 8 <= len(incoming) <= 64 and incoming.isascii() else os.urandom(16).hex()
    token = jsonlog.request_id.set(rid)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        if not response.prepared:
            response.headers["X-Request-Id"] = rid
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except asyncio.CancelledError:
        # The client went away, or the server is shutting down (long-lived streams).
        status = 499
        raise
    finally:
        ms = (time.perf_counter() - started) * 1000
        settings = request.app[SETTINGS]
        if (
            request.method not in READS
            or status >= 500
            or ms >= settings.request_log_slow_ms
            or random.random() < settings.request_log_sample
        ):
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "ms": round(ms, 1),
                },
            )
        jsonlog.request_id.reset(token)


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render every error, ours or aiohttp's, as ``{"error": {"code", "message", "fields"?}}``;
    and refuse request lines and headers longer than ours first (one layer for both: each
    middleware is a call and a frame on every request)."""
    try:
        _check_limits(request)
        return await handler(request)
    except AppError as exc:
        return error_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        message = exc.reason
        if exc.status == 413:
            message = "The request body is too large."
        body = {"error": {"code": code, "message": message}}
        headers = {k: v for k, v in exc.headers.items() if k in {"Allow", "Retry-After"}}
        return json_response(body, status=exc.status, headers=headers)
    except DEPENDENCY_DOWN as exc:
        log.warning("dependency unavailable", extra={"path": request.path, "error": repr(exc)})
        return error_response(Unavailable())
    except Exception:
        log.exception("unhandled error")
        return json_response(
            {"error": {"code": "internal", "message": "Something went wrong on our side."}},
            status=500,
        )
