"""CORS for the REST API: only the origins of ``CORS_ORIGINS`` may call it from a browser.

An allowed origin's requests (with credentials: the session cookie) get
``Access-Control-Allow-Origin`` naming it; its preflights are answered here, 204 with the
methods and headers the API takes. Any other origin gets no CORS header at all, so the
browser keeps the answer from its page (and a preflight from it is refused, 403).
``*`` (development only: production refuses it) allows every origin.
"""

from __future__ import annotations

from aiohttp import web

from metacult.infra.errors import Forbidden
from metacult.infra.web import error_response
from metacult.typedefs import SETTINGS

ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE"
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key"
PREFLIGHT_MAX_AGE = "600"
API_PREFIX = "/api/"


def _allowed(origin: str, allowed: tuple[str, ...]) -> bool:
    return "*" in allowed or origin.rstrip("/") in allowed


@web.middleware
async def cors(request: web.Request, handler) -> web.StreamResponse:
    """Placed outside ``errors_as_json``, so that error answers carry the headers too."""
    origin = request.headers.get("Origin")
    if origin is None or not request.path.startswith(API_PREFIX):
        return await handler(request)
    allowed = _allowed(origin, request.app[SETTINGS].cors_origins)
    preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
    if preflight:
        if not allowed:
            return error_response(Forbidden("This origin may not call the API."))
        response: web.StreamResponse = web.Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    else:
        response = await handler(request)
        if not allowed:
            return response
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Credentials"] = "true"
    response.headers.add("Vary", "Origin")
    return response
