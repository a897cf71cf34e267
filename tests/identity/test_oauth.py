"""Google and Discord sign-in against a real local provider, redirects and all."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest_asyncio
from aiohttp.test_utils import unused_port

from metacult.typedefs import DB
from tests.identity.local_provider import LocalProvider, new_key
from tests.random_refs import email as new_email


@pytest_asyncio.fixture(loop_scope="session")
async def provider(aiohttp_server) -> LocalProvider:
    local = LocalProvider()
    server = await aiohttp_server(local.app())
    local.base_url = str(server.make_url("")).rstrip("/")
    return local


async def metacult(aiohttp_client, make_app, provider: LocalProvider, **changes):
    """Metacult on a known port, so that its public URL (the redirect URI) is real."""
    port = unused_port()
    settings = {"public_url": f"http://127.0.0.1:{port}", **provider.settings(), **changes}
    return await aiohttp_client(make_app(**settings), server_kwargs={"port": port})


async def dance(client, name: str, *, params=None, tamper=None):
    """Start a sign-in, consent at the provider, and come back; the callback's response."""
    start = await client.get(
        f"/api/v1/auth/oauth/{name}/login", params=params or {}, allow_redirects=False
    )
    assert start.status == 302, await start.text()
    at_provider = await client.session.get(start.headers["Location"], allow_redirects=False)
    assert at_provider.status == 302, await at_provider.text()
    callback = at_provider.headers["Location"]
    if tamper is not None:
        callback = tamper(callback)
    return await client.session.get(callback, allow_redirects=False)


async def error_of(response) -> dict:
    return (await response.json())["error"]


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def test_google_sign_in_creates_an_account_and_signs_the_browser_in(
    aiohttp_client, make_app, provider
) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    address = new_email("google")
    provider.consent_as(email=address.upper(), name="Grace Hopper")
    done = await dance(client, "google", params={"next": "/library"})
    assert done.status == 302, await done.text()
    assert done.headers["Location"] == "/library"
    me = await (await client.get("/api/v1/me")).json()
    assert me["email"] == address
    assert me["email_verified"] is True
    assert me["display_name"] == "Grace Hopper"
    assert me["has_password"] is False
    # PKCE and the client credentials went to the token endpoint.
    request = provider.token_requests[-1]
    assert request["code_verifier"] and request["client_secret"]


async def test_the_authorization_request_carries_state_nonce_and_pkce(
    aiohttp_client, make_app, provider
) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    start = await client.get("/api/v1/auth/oauth/google/login", allow_redirects=False)
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 32 and query["nonce"][0] and query["code_challenge"][0]
    assert query["redirect_uri"][0].endswith("/api/v1/auth/oauth/google/callback")
    assert start.cookies["metacult_oauth_state"]["httponly"]


async def test_signing_in_again_opens_the_same_account(aiohttp_client, make_app, provider) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    provider.consent_as()
    await dance(client, "google")
    first = (await (await client.get("/api/v1/me")).json())["id"]
    await client.post("/api/v1/auth/logout")
    await dance(client, "google")
    assert (await (await client.get("/api/v1/me")).json())["id"] == first


async def test_discord_sign_in_creates_an_account(aiohttp_client, make_app, provider) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    address = new_email("discord")
    provider.consent_as(email=address, name="Wumpus")
    start = await client.get("/api/v1/auth/oauth/discord/login", allow_redirects=False)
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["scope"] == ["identify email"] and query["state"][0]
    done = await dance(client, "discord")
    assert done.status == 302, await done.text()
    me = await (await client.get("/api/v1/me")).json()
    assert me["email"] == address
    assert me["display_name"] == "Wumpus"
    assert me["avatar_url"].startswith("https://cdn.discordapp.com/avatars/")


async def test_a_verified_provider_address_links_the_existing_account(
    aiohttp_client, make_app, provider
) -> None:
    from tests.accounts import sign_up

    client = await metacult(aiohttp_client, make_app, provider)
    account = await sign_up(client)
    provider.consent_as(email=account.email)
    done = await dance(client, "google")
    assert done.status == 302
    me = await (await client.get("/api/v1/me")).json()
    assert me["id"] == account.id
    assert me["email_verified"] is True
    # Whoever registered the unverified address can no longer use its password or tokens.
    assert (await client.get("/api/v1/me", headers=account.headers)).status == 401
    login = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert login.status == 401
    links = await client.app[DB].fetchval(
        "SELECT count(*) FROM oauth_links WHERE user_id = $1", account.id
    )
    assert links == 1


async def test_a_verified_provider_address_closes_the_unverified_owners_live_connections(
    aiohttp_client, make_app, provider
) -> None:
    from metacult.realtime import protocol
    from tests.accounts import sign_up
    from tests.realtime.live import Live

    client = await metacult(aiohttp_client, make_app, provider)
    account = await sign_up(client)
    live = await Live.open(client, headers=account.headers)
    assert (await live.subscribe(f"user:{account.id}"))["type"] == "subscribed"
    provider.consent_as(email=account.email)

    assert (await dance(client, "google")).status == 302

    assert await live.closed() == protocol.CLOSE_SIGNED_OUT


async def test_an_unverified_provider_address_neither_links_nor_creates(
    aiohttp_client, make_app, provider
) -> None:
    from tests.accounts import sign_up

    client = await metacult(aiohttp_client, make_app, provider)
    account = await sign_up(client)
    provider.consent_as(email=account.email, verified=False)
    done = await dance(client, "discord")
    assert done.status == 403
    assert (await error_of(done))["code"] == "oauth_email_unverified"
    provider.consent_as(verified=False)
    assert (await dance(client, "google")).status == 403
    assert (await client.get("/api/v1/me")).status == 401


async def test_a_tampered_state_is_refused(aiohttp_client, make_app, provider) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    provider.consent_as()

    def tamper(url: str) -> str:
        return url.replace("state=", "state=x")

    done = await dance(client, "google", tamper=tamper)
    assert done.status == 400
    assert (await error_of(done))["code"] == "oauth_state_invalid"
    assert (await client.get("/api/v1/me")).status == 401


async def test_a_callback_in_another_browser_or_a_replayed_one_is_refused(
    aiohttp_client, make_app, provider
) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    provider.consent_as()
    start = await client.get("/api/v1/auth/oauth/google/login", allow_redirects=False)
    at_provider = await client.session.get(start.headers["Location"], allow_redirects=False)
    callback = at_provider.headers["Location"]
    # Another browser (no state cookie): a victim lured to an attacker's callback link.
    import aiohttp

    async with aiohttp.ClientSession() as stranger:
        elsewhere = await stranger.get(callback, allow_redirects=False)
        assert elsewhere.status == 400
        assert (await error_of(elsewhere))["code"] == "oauth_state_invalid"
    first = await client.session.get(callback, allow_redirects=False)
    assert first.status == 302
    client.session.cookie_jar.update_cookies(
        {"metacult_oauth_state": parse_qs(urlsplit(callback).query)["state"][0]},
        response_url=client.make_url("/api/v1/auth/oauth/"),
    )
    replay = await client.session.get(callback, allow_redirects=False)
    assert replay.status == 400
    assert (await error_of(replay))["code"] == "oauth_state_invalid"


async def test_an_id_token_with_the_wrong_nonce_is_refused(
    aiohttp_client, make_app, provider
) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    provider.consent_as()
    provider.id_token_claims = {"nonce": "someone-elses-nonce"}
    done = await dance(client, "google")
    assert done.status == 401
    error = await error_of(done)
    assert error["code"] == "oauth_id_token_invalid"
    assert "nonce" in error["message"]


async def test_an_expired_id_token_is_refused(aiohttp_client, make_app, provider) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    provider.consent_as()
    provider.id_token_claims = {"exp": 1_000_000_000, "iat": 999_999_000}
    done = await dance(client, "google")
    assert done.status == 401
    assert "expired" in (await error_of(done))["message"]


async def test_an_id_token_signed_with_another_key_is_refused(
    aiohttp_client, make_app, provider
) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    provider.consent_as()
    provider.sign_with = new_key(kid=provider.key.kid)
    done = await dance(client, "google")
    assert done.status == 401
    assert "signature" in (await error_of(done))["message"]
    provider.sign_with = new_key(kid="unknown-key")
    done = await dance(client, "google")
    assert done.status == 401
    assert "unknown key" in (await error_of(done))["message"]


async def test_an_id_token_for_another_client_or_issuer_is_refused(
    aiohttp_client, make_app, provider
) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    for claims, named in (
        ({"aud": "another-app"}, "aud"),
        ({"iss": "https://evil.example"}, "iss"),
    ):
        provider.consent_as()
        provider.id_token_claims = claims
        done = await dance(client, "google")
        assert done.status == 401
        assert named in (await error_of(done))["message"]
    assert (await client.get("/api/v1/me")).status == 401


async def test_a_cancelled_sign_in_says_so(aiohttp_client, make_app, provider) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    provider.consent_as()

    def cancelled(url: str) -> str:
        state = parse_qs(urlsplit(url).query)["state"][0]
        return url.split("?")[0] + f"?error=access_denied&state={state}"

    done = await dance(client, "discord", tamper=cancelled)
    assert done.status == 400
    assert (await error_of(done))["code"] == "oauth_denied"


async def test_next_never_redirects_to_another_site(aiohttp_client, make_app, provider) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        provider.consent_as()
        done = await dance(client, "google", params={"next": target})
        assert done.headers["Location"] == "/", target


async def test_a_mobile_app_exchanges_its_sign_in_result_for_tokens(
    aiohttp_client, make_app, provider
) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    address = new_email("mobile")
    provider.consent_as(email=address)
    verifier = secrets.token_urlsafe(48)
    done = await dance(
        client, "google", params={"client": "app", "code_challenge": challenge_of(verifier)}
    )
    assert done.status == 302
    location = urlsplit(done.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "metacult://oauth-result"
    code = parse_qs(location.query)["code"][0]
    # The browser that carried the dance is not signed in: the app is.
    assert (await client.get("/api/v1/me")).status == 401
    wrong = await client.post(
        "/api/v1/auth/token",
        json={"grant_type": "oauth_result", "code": code, "code_verifier": "x" * 64},
    )
    assert wrong.status == 400
    # A wrong verifier burns the code: an interceptor gets one try, and so does nobody else.
    provider.consent_as(email=address)
    done = await dance(
        client, "google", params={"client": "app", "code_challenge": challenge_of(verifier)}
    )
    code = parse_qs(urlsplit(done.headers["Location"]).query)["code"][0]
    grant = {"grant_type": "oauth_result", "code": code, "code_verifier": verifier}
    tokens = await client.post("/api/v1/auth/token", json=grant)
    assert tokens.status == 200, await tokens.text()
    access = (await tokens.json())["access_token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"})
    assert (await me.json())["email"] == address
    again = await client.post("/api/v1/auth/token", json=grant)
    assert again.status == 400
    assert (await error_of(again))["code"] == "oauth_result_invalid"


async def test_an_app_sign_in_needs_a_pkce_challenge(aiohttp_client, make_app, provider) -> None:
    client = await metacult(aiohttp_client, make_app, provider)
    start = await client.get(
        "/api/v1/auth/oauth/google/login", params={"client": "app"}, allow_redirects=False
    )
    assert start.status == 422
    assert "code_challenge" in (await error_of(start))["fields"]


async def test_an_unconfigured_or_unknown_provider_is_a_404(
    aiohttp_client, make_app, provider
) -> None:
    client = await metacult(aiohttp_client, make_app, provider, discord_client_id="")
    off = await client.get("/api/v1/auth/oauth/discord/login", allow_redirects=False)
    assert off.status == 404
    assert (await error_of(off))["code"] == "oauth_provider_unavailable"
    unknown = await client.get("/api/v1/auth/oauth/myspace/login", allow_redirects=False)
    assert unknown.status == 404


async def test_a_provider_that_does_not_answer_is_a_503(aiohttp_client, make_app) -> None:
    port = unused_port()
    client = await aiohttp_client(
        make_app(
            public_url=f"http://127.0.0.1:{port}",
            google_client_id="id",
            google_discovery_url=f"http://127.0.0.1:{unused_port()}/.well-known/openid-configuration",
        ),
        server_kwargs={"port": port},
    )
    response = await client.get("/api/v1/auth/oauth/google/login", allow_redirects=False)
    assert response.status == 503
    assert (await error_of(response))["code"] == "oauth_provider_unreachable"
