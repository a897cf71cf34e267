"""Who is calling: a bearer token first, then the browser session; and the CSRF guard."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from metacult.identity import service, sessions
from metacult.infra.auth import Principal
from metacult.infra.errors import Forbidden
from metacult.infra.origins import is_own_origin
from metacult.typedefs import DB, PRINCIPALS, REDIS, SETTINGS

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CrossSiteRequest(Forbidden):
    """This request comes from another site; it was refused."""

    code = "csrf"


def bearer_token(request: web.Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if there is one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


async def authenticate(request: web.Request) -> Principal | None:
    """The identity context's authenticator (``app[AUTHENTICATOR]``).

    A bearer token that does not resolve is a 401 rather than an anonymous call, so an
    app learns at once that it must refresh its token.
    """
    app = request.app
    token = bearer_token(request)
    if token is not None:
        principal = await app[PRINCIPALS].of_token(app[DB], app[REDIS], app[SETTINGS], token)
        if principal is None:
            raise service.InvalidToken(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return principal
    signed_in = await sessions.signed_in(request)
    if signed_in is None:
        return None
    user_id, credential = signed_in
    role = await app[PRINCIPALS].role(app[DB], app[REDIS], app[SETTINGS], user_id)
    if role is None:
        return None
    return Principal(user_id=user_id, role=role, via="session", credential=credential)  # type: ignore[arg-type]


def is_same_origin(source: str, request: web.Request) -> bool:
    """Whether an ``Origin`` / ``Referer`` is this app's public origin or the one the request
    was sent to (scheme, host and port)."""
    return is_own_origin(source, request, request.app[SETTINGS])


@web.middleware
async def sessions_and_csrf_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse unsafe requests a browser sent from another site with our cookie, and serve
    the others with their session (one layer for both, on every request).

    The guard applies to cookie-carrying requests and to the sign-in endpoints (so nobody
    can sign a visitor into another account); requests with a bearer token are exempt,
    since a browser never attaches one by itself.
    """
    guarded = sessions.COOKIE_NAME in request.cookies or request.path.startswith("/api/v1/auth/")
    if request.method in UNSAFE_METHODS and guarded and bearer_token(request) is None:
        source = request.headers.get("Origin") or request.headers.get("Referer")
        if source is not None and not is_same_origin(source, request):
            raise CrossSiteRequest()
    return await sessions.with_session(request, handler)
