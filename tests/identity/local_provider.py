"""A real OAuth2 / OpenID Connect provider on loopback, speaking Google's and Discord's shapes.

It serves discovery, authorize, token, userinfo and JWKS, and signs id_tokens with an
RSA key generated for the test. ``authorize`` plays a user who consents at once as
``provider.user``. Tests change ``id_token_claims`` / ``sign_with`` to make it misbehave.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests import random_refs

ISSUER_PATH = "/google"
CLIENT_ID = "metacult-test-client"
CLIENT_SECRET = "metacult-test-secret"


def new_key(kid: str = "test-key") -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@dataclass
class LocalProvider:
    """Both providers on one server: Google under ``/google``, Discord under ``/discord/api``."""

    base_url: str = ""
    key: RSAKey = field(default_factory=new_key)
    # The person who consents at the provider.
    user: dict[str, Any] = field(default_factory=dict)
    # Tampering: claims merged into the next id_tokens, and the key that signs them.
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    sign_with: RSAKey | None = None
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return self.base_url + ISSUER_PATH

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    @property
    def discord_api_url(self) -> str:
        return self.base_url + "/discord/api"

    def settings(self) -> dict[str, str]:
        """The settings that point Metacult at this provider."""
        return {
            "google_client_id": CLIENT_ID,
            "google_client_secret": CLIENT_SECRET,
            "google_discovery_url": self.discovery_url,
            "discord_client_id": CLIENT_ID,
            "discord_client_secret": CLIENT_SECRET,
            "discord_api_url": self.discord_api_url,
        }

    def consent_as(self, *, email: str | None = None, verified: bool = True, name: str = "") -> str:
        """Make the next sign-in a person with this address; returns their subject."""
        subject = random_refs.suffix()
        self.user = {
            "sub": subject,
            "email": email or random_refs.email("oauth"),
            "email_verified": verified,
            "name": name or f"Person {subject[:4]}",
        }
        return subject

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(ISSUER_PATH + "/.well-known/openid-configuration", self.discovery)
        app.router.add_get(ISSUER_PATH + "/authorize", self.authorize)
        app.router.add_post(ISSUER_PATH + "/token", self.token)
        app.router.add_get(ISSUER_PATH + "/userinfo", self.userinfo)
        app.router.add_get(ISSUER_PATH + "/jwks", self.jwks)
        app.router.add_get("/discord/api/oauth2/authorize", self.authorize)
        app.router.add_post("/discord/api/oauth2/token", self.token)
        app.router.add_get("/discord/api/users/@me", self.discord_me)
        return app

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token",
                "userinfo_endpoint": self.issuer + "/userinfo",
                "jwks_uri": self.issuer + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            return web.json_response({"error": "invalid_request"}, status=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": q["redirect_uri"],
            "nonce": q.get("nonce"),
            "challenge": q.get("code_challenge"),
            "scope": q.get("scope", ""),
            "user": dict(self.user),
            "google": request.path.startswith(ISSUER_PATH),
        }
        separator = "&" if "?" in q["redirect_uri"] else "?"
        location = f"{q['redirect_uri']}{separator}code={code}&state={q.get('state', '')}"
        return web.Response(status=302, headers={"Location": location})

    async def token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_requests.append({k: str(v) for k, v in form.items()})
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return web.json_response({"error": "invalid_client"}, status=401)
        grant = self.codes.pop(str(form.get("code")), None)
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return web.json_response({"error": "invalid_grant"}, status=400)
        if grant["challenge"] is not None:
            verifier = str(form.get("code_verifier", ""))
            if create_s256_code_challenge(verifier) != grant["challenge"]:
                return web.json_response({"error": "invalid_grant"}, status=400)
        access = secrets.token_urlsafe(16)
        self.access_tokens[access] = grant["user"]
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": 3600}
        if grant["google"]:
            body["id_token"] = self.id_token(grant["user"], grant["nonce"])
        return web.json_response(body)

    def id_token(self, user: dict[str, Any], nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": user["sub"],
            "email": user["email"],
            "email_verified": user["email_verified"],
            "name": user["name"],
            "picture": "https://img.example/avatar.png",
            "iat": now,
            "exp": now + 3600,
            "nonce": nonce,
            **self.id_token_claims,
        }
        key = self.sign_with or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def _bearer_user(self, request: web.Request) -> dict[str, Any] | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return self.access_tokens.get(token)

    async def userinfo(self, request: web.Request) -> web.Response:
        user = self._bearer_user(request)
        if user is None:
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response(user)

    async def discord_me(self, request: web.Request) -> web.Response:
        user = self._bearer_user(request)
        if user is None:
            return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        return web.json_response(
            {
                "id": user["sub"],
                "username": user["name"].lower().replace(" ", ""),
                "global_name": user["name"],
                "avatar": "a1b2c3",
                "email": user["email"],
                "verified": user["email_verified"],
            }
        )
