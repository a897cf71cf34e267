"""The sign-in dance with Google and Discord, as this server plays it.

``begin`` stores a single-use state (with the nonce and the PKCE verifier) in Redis,
binds it to the browser with a short cookie, and sends the browser to the provider.
``complete`` checks that the state came back to the same browser, trades the code,
verifies who signed in, and either starts a browser session or, for the mobile apps,
hands back a one-minute exchange code that ``POST /api/v1/auth/token`` redeems
(``grant_type=oauth_result``) together with the app's own PKCE verifier.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import orjson
from aiohttp import web
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from metacult.identity import credentials, service, sessions
from metacult.identity.providers import PROVIDERS, Providers, ProviderUnavailable
from metacult.infra import ratelimit
from metacult.infra.errors import BadRequest, invalid_field
from metacult.infra.redis import rkey
from metacult.typedefs import DB, OAUTH_PROVIDERS, REDIS, SETTINGS

STATE_COOKIE = "metacult_oauth_state"
STATE_TTL_S = 600
EXCHANGE_TTL_S = 60


class StateInvalid(BadRequest):
    """The sign-in state is missing, expired, already used or from another browser."""

    code = "oauth_state_invalid"


class SignInDenied(BadRequest):
    """The sign-in was cancelled at the provider."""

    code = "oauth_denied"


class ExchangeCodeInvalid(BadRequest):
    """The sign-in result is unknown, expired, already used or not this app's."""

    code = "oauth_result_invalid"


@dataclass(frozen=True, slots=True)
class Pending:
    """What the callback needs to finish a sign-in started by ``begin``."""

    provider: str
    nonce: str
    code_verifier: str
    client: Literal["web", "app"]
    next: str
    app_challenge: str | None

    def dumps(self) -> bytes:
        return orjson.dumps(
            {
                "provider": self.provider,
                "nonce": self.nonce,
                "code_verifier": self.code_verifier,
                "client": self.client,
                "next": self.next,
                "app_challenge": self.app_challenge,
            }
        )

    @classmethod
    def loads(cls, raw: bytes) -> Pending:
        return cls(**orjson.loads(raw))


def install(app: web.Application) -> None:
    app.cleanup_ctx.append(_providers)


async def _providers(app: web.Application):  # type: ignore[no-untyped-def]
    providers = Providers(app[SETTINGS])
    await providers.open()
    app[OAUTH_PROVIDERS] = providers
    yield
    await providers.close()


def safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


async def begin(
    request: web.Request,
    provider: str,
    *,
    client: Literal["web", "app"],
    next_path: str | None,
    app_challenge: str | None,
) -> web.Response:
    """Send the browser to the provider, remembering what the callback must check."""
    if provider not in PROVIDERS:
        raise ProviderUnavailable(f"Sign-in with {provider!r} is not available.")
    if client == "app" and not app_challenge:
        raise invalid_field("code_challenge", "is required when signing an app in")
    app = request.app
    settings = app[SETTINGS]
    state = secrets.token_urlsafe(32)
    pending = Pending(
        provider=provider,
        nonce=secrets.token_urlsafe(24),
        code_verifier=secrets.token_urlsafe(48),
        client=client,
        next=safe_next(next_path),
        app_challenge=app_challenge,
    )
    url = await app[OAUTH_PROVIDERS].authorization_url(
        provider, state=state, nonce=pending.nonce, code_verifier=pending.code_verifier
    )
    await app[REDIS].set(rkey(settings, "oauth-state", state), pending.dumps(), ex=STATE_TTL_S)
    response = web.Response(status=302, headers={"Location": url, "Cache-Control": "no-store"})
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=STATE_TTL_S,
        path="/api/v1/auth/oauth/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="Lax",
    )
    return response


async def complete(request: web.Request, provider: str, query: dict[str, Any]) -> web.Response:
    """Finish the sign-in the provider sent the browser back from."""
    app = request.app
    settings = app[SETTINGS]
    state = query.get("state") or ""
    bound = request.cookies.get(STATE_COOKIE, "")
    if not state or not bound or not credentials.same_secret(state, bound):
        raise StateInvalid("This sign-in was not started in this browser; start again.")
    raw = await app[REDIS].getdel(rkey(settings, "oauth-state", state))
    if raw is None:
        raise StateInvalid("This sign-in has expired or was already used; start again.")
    pending = Pending.loads(raw)
    if pending.provider != provider:
        raise StateInvalid("This sign-in was started with another provider; start again.")
    if query.get("error"):
        raise SignInDenied()
    code = query.get("code")
    if not code:
        raise invalid_field("code", "is missing from the provider's answer")
    who = await app[OAUTH_PROVIDERS].identify(
        provider, code=code, nonce=pending.nonce, code_verifier=pending.code_verifier
    )
    user_id = await service.sign_in_with_provider(app[DB], app[REDIS], settings, who)
    if pending.client == "app":
        exchange = credentials.new_token(credentials.EXCHANGE_PREFIX)
        record = orjson.dumps({"user_id": user_id, "challenge": pending.app_challenge})
        key = rkey(settings, "oauth-exchange", credentials.token_hash(exchange).hex())
        await app[REDIS].set(key, record, ex=EXCHANGE_TTL_S)
        location = add_params_to_uri(settings.mobile_oauth_redirect, [("code", exchange)])
    else:
        await sessions.start(request, user_id)
        location = pending.next
    response = web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})
    response.del_cookie(STATE_COOKIE, path="/api/v1/auth/oauth/")
    return response


async def redeem_exchange_code(
    app: web.Application, code: str, *, code_verifier: str | None, ip: str
) -> int:
    """The user an app's sign-in result stands for; single use, and only with the verifier
    whose challenge the app sent when it started."""
    settings = app[SETTINGS]
    await ratelimit.consume(app[REDIS], settings, service.limits(settings)["login_ip"], ip)
    if not code_verifier:
        raise invalid_field("code_verifier", "is required for the oauth_result grant")
    key = rkey(settings, "oauth-exchange", credentials.token_hash(code).hex())
    raw = await app[REDIS].getdel(key)
    if raw is None:
        raise ExchangeCodeInvalid()
    record = orjson.loads(raw)
    if not credentials.same_secret(create_s256_code_challenge(code_verifier), record["challenge"]):
        raise ExchangeCodeInvalid()
    return int(record["user_id"])
