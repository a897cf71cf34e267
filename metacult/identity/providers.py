"""Google (OpenID Connect) and Discord (OAuth2): the provider side of sign-in.

Endpoints come from the settings (Google's from its discovery document), so a local
provider can stand in for the real ones. Authlib builds the authorization and token
requests and the PKCE challenge; Google's id_token is verified with joserfc (Authlib's
JOSE successor) against the provider's published keys: signature, issuer, audience,
expiry and nonce.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import errors as jose_errors
from joserfc import jwt
from joserfc.jwk import KeySet

from metacult.config import Settings
from metacult.infra.errors import BadRequest, NotFound, Unauthenticated, Unavailable

PROVIDERS = ("google", "discord")
METADATA_TTL_S = 3600
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=10)


class ProviderUnavailable(NotFound):
    """This sign-in provider is not configured here."""

    code = "oauth_provider_unavailable"


class ProviderUnreachable(Unavailable):
    """The sign-in provider did not answer properly; try again shortly."""

    code = "oauth_provider_unreachable"


class ProviderRefused(BadRequest):
    """The sign-in provider refused the authorization code."""

    code = "oauth_code_refused"


class IdTokenInvalid(Unauthenticated):
    """The provider's identity token could not be trusted."""

    code = "oauth_id_token_invalid"


@dataclass(frozen=True, slots=True)
class ProviderIdentity:
    """Who the provider says signed in."""

    provider: str
    subject: str
    email: str | None
    email_verified: bool
    display_name: str
    avatar_url: str | None


@dataclass(frozen=True, slots=True)
class Endpoints:
    authorize: str
    token: str
    userinfo: str
    issuer: str | None = None
    jwks: str | None = None


def redirect_uri(settings: Settings, provider: str) -> str:
    return f"{settings.public_url}/api/v1/auth/oauth/{provider}/callback"


class Providers:
    """One per web process: the HTTP client and the cached discovery document and keys."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.http: aiohttp.ClientSession | None = None
        self._discovery: tuple[float, dict[str, Any]] | None = None
        self._keys: tuple[float, KeySet] | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        self.http = aiohttp.ClientSession(timeout=HTTP_TIMEOUT)

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()

    def credentials(self, provider: str) -> tuple[str, str]:
        """The client id and secret, or 404 when the provider is not configured."""
        s = self.settings
        pair = {
            "google": (s.google_client_id, s.google_client_secret),
            "discord": (s.discord_client_id, s.discord_client_secret),
        }.get(provider)
        if pair is None or not pair[0]:
            raise ProviderUnavailable(f"Sign-in with {provider!r} is not available.")
        return pair

    async def endpoints(self, provider: str) -> Endpoints:
        if provider == "discord":
            api = self.settings.discord_api_url
            return Endpoints(f"{api}/oauth2/authorize", f"{api}/oauth2/token", f"{api}/users/@me")
        doc = await self._discovery_document()
        return Endpoints(
            authorize=doc["authorization_endpoint"],
            token=doc["token_endpoint"],
            userinfo=doc.get("userinfo_endpoint", ""),
            issuer=doc["issuer"],
            jwks=doc["jwks_uri"],
        )

    async def authorization_url(
        self, provider: str, *, state: str, nonce: str, code_verifier: str
    ) -> str:
        """Where to send the browser: with state, and nonce + PKCE for Google."""
        client_id, _ = self.credentials(provider)
        endpoints = await self.endpoints(provider)
        extra: dict[str, str] = {}
        if provider == "google":
            extra = {
                "nonce": nonce,
                "code_challenge": create_s256_code_challenge(code_verifier),
                "code_challenge_method": "S256",
            }
        scope = "openid email profile" if provider == "google" else "identify email"
        return prepare_grant_uri(
            endpoints.authorize,
            client_id,
            "code",
            redirect_uri=redirect_uri(self.settings, provider),
            scope=scope,
            state=state,
            **extra,
        )

    async def identify(
        self, provider: str, *, code: str, nonce: str, code_verifier: str
    ) -> ProviderIdentity:
        """Trade the authorization code and find out who signed in."""
        client_id, client_secret = self.credentials(provider)
        endpoints = await self.endpoints(provider)
        extra = {"code_verifier": code_verifier} if provider == "google" else {}
        body = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=redirect_uri(self.settings, provider),
            client_id=client_id,
            client_secret=client_secret,
            **extra,
        )
        tokens = await self._post_form(endpoints.token, body)
        if provider == "google":
            claims = await self._verified_id_token(tokens, endpoints, client_id, nonce)
            return ProviderIdentity(
                provider="google",
                subject=str(claims["sub"]),
                email=claims.get("email"),
                email_verified=claims.get("email_verified") is True,
                display_name=str(claims.get("name") or ""),
                avatar_url=claims.get("picture"),
            )
        access_token = tokens.get("access_token")
        if not isinstance(access_token, str):
            raise ProviderUnreachable("Discord answered without an access token.")
        me = await self._get_json(endpoints.userinfo, access_token)
        avatar = None
        if me.get("avatar"):
            avatar = f"https://cdn.discordapp.com/avatars/{me['id']}/{me['avatar']}.png"
        return ProviderIdentity(
            provider="discord",
            subject=str(me["id"]),
            email=me.get("email"),
            email_verified=me.get("verified") is True,
            display_name=str(me.get("global_name") or me.get("username") or ""),
            avatar_url=avatar,
        )

    async def _verified_id_token(
        self, tokens: dict[str, Any], endpoints: Endpoints, client_id: str, nonce: str
    ) -> dict[str, Any]:
        raw = tokens.get("id_token")
        if not isinstance(raw, str):
            raise IdTokenInvalid("The provider sent no identity token.")
        keys = await self._key_set(endpoints)
        try:
            try:
                token = jwt.decode(raw, keys, algorithms=["RS256"])
            except jose_errors.InvalidKeyIdError:
                # The provider may have rotated its keys since we fetched them.
                keys = await self._key_set(endpoints, refresh=True)
                token = jwt.decode(raw, keys, algorithms=["RS256"])
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": endpoints.issuer},
                aud={"essential": True, "value": client_id},
                exp={"essential": True},
                sub={"essential": True},
                nonce={"essential": True, "value": nonce},
                leeway=30,
            ).validate(token.claims)
        except jose_errors.ExpiredTokenError:
            raise IdTokenInvalid("The identity token has expired.") from None
        except jose_errors.BadSignatureError:
            raise IdTokenInvalid("The identity token's signature is not the provider's.") from None
        except jose_errors.InvalidKeyIdError:
            raise IdTokenInvalid("The identity token is signed with an unknown key.") from None
        except (jose_errors.InvalidClaimError, jose_errors.MissingClaimError) as exc:
            claim = getattr(exc, "claim", "a claim")
            raise IdTokenInvalid(f"The identity token's {claim} is not as expected.") from None
        except (jose_errors.JoseError, ValueError):
            raise IdTokenInvalid("The identity token is malformed.") from None
        return dict(token.claims)

    async def _discovery_document(self) -> dict[str, Any]:
        now = time.monotonic()
        if self._discovery and now - self._discovery[0] < METADATA_TTL_S:
            return self._discovery[1]
        async with self._lock:
            if self._discovery and now - self._discovery[0] < METADATA_TTL_S:
                return self._discovery[1]
            doc = await self._get_json(self.settings.google_discovery_url)
            needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
            if not all(isinstance(doc.get(name), str) for name in needed):
                raise ProviderUnreachable("The provider's discovery document is incomplete.")
            self._discovery = (now, doc)
            return doc

    async def _key_set(self, endpoints: Endpoints, *, refresh: bool = False) -> KeySet:
        now = time.monotonic()
        if not refresh and self._keys and now - self._keys[0] < METADATA_TTL_S:
            return self._keys[1]
        assert endpoints.jwks is not None
        document = await self._get_json(endpoints.jwks)
        try:
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (ValueError, KeyError, TypeError, jose_errors.JoseError):
            raise ProviderUnreachable("The provider's key set is unreadable.") from None
        self._keys = (now, keys)
        return keys

    async def _get_json(self, url: str, bearer: str | None = None) -> dict[str, Any]:
        assert self.http is not None
        headers = {"Accept": "application/json"}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        try:
            async with self.http.get(url, headers=headers) as response:
                if response.status != 200:
                    raise ProviderUnreachable()
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            raise ProviderUnreachable() from None
        if not isinstance(data, dict):
            raise ProviderUnreachable()
        return data

    async def _post_form(self, url: str, body: str) -> dict[str, Any]:
        assert self.http is not None
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            async with self.http.post(url, data=body, headers=headers) as response:
                data = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError):
            raise ProviderUnreachable() from None
        if status in (400, 401) and isinstance(data, dict):
            raise ProviderRefused(
                "The provider refused the sign-in; start again."
                if data.get("error") != "invalid_client"
                else "This server's client credentials were refused by the provider."
            )
        if status != 200 or not isinstance(data, dict):
            raise ProviderUnreachable()
        return data
