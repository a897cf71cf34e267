"""Email + password accounts: signup, login with a session cookie, logout, /me."""

from __future__ import annotations

import pytest

from metacult.identity import credentials
from metacult.identity.sessions import COOKIE_NAME
from tests import random_refs
from tests.accounts import sign_in_with_cookie, sign_up

STRONG = "a-long-Secret-phrase"


async def signup(client, email, password=STRONG, display_name="Ada"):
    return await client.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": password, "display_name": display_name},
    )


async def test_signup_creates_an_account_with_a_normalised_email(client, db) -> None:
    email = random_refs.email("Ada")
    response = await signup(client, f"  {email.upper()} ")
    assert response.status == 201
    body = await response.json()
    assert body["email"] == email.lower()
    assert body["role"] == "gamer"
    assert body["display_name"] == "Ada"
    stored = await db.fetchval("SELECT password_hash FROM users WHERE id = $1", body["id"])
    assert stored.startswith("$argon2id$")
    assert STRONG not in stored


async def test_signup_does_not_sign_the_browser_in(client) -> None:
    response = await signup(client, random_refs.email())
    assert response.status == 201
    assert COOKIE_NAME not in response.cookies
    assert (await client.get("/api/v1/me")).status == 401


async def test_an_email_can_only_be_registered_once_whatever_its_case(client) -> None:
    email = random_refs.email()
    assert (await signup(client, email)).status == 201
    again = await signup(client, email.upper())
    assert again.status == 409
    error = (await again.json())["error"]
    assert error["code"] == "email_taken"
    assert "email" in error["fields"]


async def test_password_rules_answer_with_field_errors(client) -> None:
    email = random_refs.email()
    short = await signup(client, email, password="short")
    assert short.status == 422
    assert "at least 10" in (await short.json())["error"]["fields"]["password"]
    common = await signup(client, email, password="password123")
    assert (await common.json())["error"]["fields"]["password"] == "is too easy to guess"
    same = await signup(client, email, password=email)
    assert "email" in (await same.json())["error"]["fields"]["password"]


async def test_bad_email_and_empty_name_are_both_reported(client) -> None:
    response = await signup(client, "not-an-email", display_name="   ")
    assert response.status == 422
    fields = (await response.json())["error"]["fields"]
    assert set(fields) == {"email", "display_name"}


async def test_login_sets_an_httponly_lax_session_cookie_and_me_answers(client) -> None:
    account = await sign_up(client, display_name="Grace")
    response = await client.post(
        "/api/v1/auth/login", json={"email": account.email.upper(), "password": account.password}
    )
    assert response.status == 200
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]
    me = await client.get("/api/v1/me")
    assert me.status == 200
    assert (await me.json())["display_name"] == "Grace"


async def test_cookies_are_secure_when_served_over_https(aiohttp_client, make_app) -> None:
    client = await aiohttp_client(make_app(public_url="https://metacult.example"))
    account = await sign_up(client)
    response = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert response.cookies[COOKIE_NAME]["secure"]


async def test_login_rotates_the_session_id(client, redis, settings) -> None:
    first = await sign_up(client)
    second = await sign_up(client)
    await sign_in_with_cookie(client, first)
    old_id = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    await sign_in_with_cookie(client, second)
    new_id = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    assert new_id != old_id
    from metacult.infra.redis import rkey

    assert await redis.get(rkey(settings, "session", old_id)) is None
    assert (await (await client.get("/api/v1/me")).json())["id"] == second.id


async def test_a_wrong_password_or_unknown_email_is_the_same_401(client) -> None:
    account = await sign_up(client)
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": "not-the-password"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": random_refs.email(), "password": account.password}
    )
    assert wrong.status == unknown.status == 401
    assert (await wrong.json()) == (await unknown.json())
    assert (await wrong.json())["error"]["code"] == "invalid_credentials"


async def test_logout_ends_the_session(client, redis, settings) -> None:
    account = await sign_up(client)
    await sign_in_with_cookie(client, account)
    session_id = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    assert (await client.post("/api/v1/auth/logout")).status == 204
    assert (await client.get("/api/v1/me")).status == 401
    from metacult.infra.redis import rkey

    assert await redis.get(rkey(settings, "session", session_id)) is None


async def test_a_stolen_cookie_stops_working_after_logout(client, aiohttp_client, make_app) -> None:
    account = await sign_up(client)
    await sign_in_with_cookie(client, account)
    session_id = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    await client.post("/api/v1/auth/logout")
    other = await aiohttp_client(make_app())
    replay = await other.get("/api/v1/me", cookies={COOKIE_NAME: session_id})
    assert replay.status == 401


async def test_me_needs_a_signed_in_user(client) -> None:
    response = await client.get("/api/v1/me")
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthenticated"


@pytest.mark.unit
def test_password_rules_are_pure_functions() -> None:
    assert credentials.password_problem("correct horse battery") is None
    assert credentials.password_problem("x" * 200) is not None
    assert credentials.password_problem("          ") is not None
    assert credentials.normalise_email("  Ada@Example.COM ") == "ada@example.com"
    assert credentials.email_problem("ada@example") is not None
    hashed = credentials.hash_password("correct horse battery", credentials.HashCost(1, 8192, 1))
    assert credentials.verify_password(hashed, "correct horse battery")
    assert not credentials.verify_password(hashed, "wrong horse battery")
    assert not credentials.verify_password(None, "anything at all")


async def test_two_signups_racing_for_one_address_make_one_account(client, db) -> None:
    import asyncio

    email = random_refs.email("race")
    first, second = await asyncio.gather(signup(client, email), signup(client, email))
    assert sorted([first.status, second.status]) == [201, 409]
    assert await db.fetchval("SELECT count(*) FROM users WHERE email = $1", email) == 1
