"""The authenticator: bearer first, then the cookie; CSRF; roles; several web processes."""

from __future__ import annotations

from aiohttp import web

from metacult.identity.sessions import COOKIE_NAME
from metacult.infra.web import Api, Schema
from metacult.typedefs import DB, REDIS, SETTINGS
from tests.accounts import sign_in_with_cookie, sign_up


class Who(Schema):
    user_id: int | None
    via: str | None


probe = Api("probe")


@probe.post("/api/v1/probe/who", auth="public", reply=Who)
async def who(request: web.Request, user) -> Who:
    return Who(user_id=user and user.user_id, via=user and user.via)


@probe.get("/api/v1/probe/admin-only", auth="admin", reply=Who)
async def admin_only(request: web.Request, user) -> Who:
    return Who(user_id=user.user_id, via=user.via)


async def probed_client(aiohttp_client, make_app, **changes):
    app = make_app(**changes)
    probe.register(app)
    return await aiohttp_client(app)


async def test_the_bearer_header_wins_over_the_cookie(aiohttp_client, make_app) -> None:
    client = await probed_client(aiohttp_client, make_app)
    browser_user = await sign_up(client)
    app_user = await sign_up(client)
    await sign_in_with_cookie(client, browser_user)
    by_cookie = await (await client.post("/api/v1/probe/who")).json()
    assert by_cookie == {"user_id": browser_user.id, "via": "session"}
    by_token = await (await client.post("/api/v1/probe/who", headers=app_user.headers)).json()
    assert by_token == {"user_id": app_user.id, "via": "bearer"}


async def test_a_cookie_request_from_another_site_is_refused(aiohttp_client, make_app) -> None:
    client = await probed_client(aiohttp_client, make_app)
    account = await sign_up(client)
    await sign_in_with_cookie(client, account)
    foreign = await client.post("/api/v1/probe/who", headers={"Origin": "https://evil.example"})
    assert foreign.status == 403
    assert (await foreign.json())["error"]["code"] == "csrf"
    by_referer = await client.post(
        "/api/v1/probe/who", headers={"Referer": "https://evil.example/page"}
    )
    assert by_referer.status == 403
    null_origin = await client.post("/api/v1/probe/who", headers={"Origin": "null"})
    assert null_origin.status == 403


async def test_same_origin_and_origin_less_cookie_requests_pass(
    aiohttp_client, make_app, settings
) -> None:
    client = await probed_client(aiohttp_client, make_app)
    account = await sign_up(client)
    await sign_in_with_cookie(client, account)
    own_host = f"http://{client.host}:{client.port}"
    for headers in ({}, {"Origin": settings.public_url}, {"Origin": own_host}):
        response = await client.post("/api/v1/probe/who", headers=headers)
        assert response.status == 200, headers
        assert (await response.json())["user_id"] == account.id
    # Safe methods are never refused.
    assert (
        await client.get("/api/v1/me", headers={"Origin": "https://evil.example"})
    ).status == 200


async def test_bearer_requests_from_anywhere_are_not_subject_to_csrf(
    aiohttp_client, make_app
) -> None:
    client = await probed_client(aiohttp_client, make_app)
    account = await sign_up(client)
    await sign_in_with_cookie(client, account)
    response = await client.post(
        "/api/v1/probe/who", headers={**account.headers, "Origin": "https://app.example"}
    )
    assert response.status == 200


async def test_nobody_can_sign_a_visitor_in_from_another_site(client) -> None:
    account = await sign_up(client)
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": account.email, "password": account.password},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "csrf"


async def test_admin_endpoints_need_the_admin_role(aiohttp_client, make_app) -> None:
    client = await probed_client(aiohttp_client, make_app)
    gamer = await sign_up(client)
    admin = await sign_up(client, role="admin")
    assert (await client.get("/api/v1/probe/admin-only", headers=gamer.headers)).status == 403
    assert (await client.get("/api/v1/probe/admin-only", headers=admin.headers)).status == 200
    assert (await (await client.get("/api/v1/me", headers=admin.headers)).json())["role"] == "admin"


async def test_a_promotion_applies_to_tokens_and_sessions_already_issued(client) -> None:
    from metacult.identity import service

    account = await sign_up(client)
    await sign_in_with_cookie(client, account)
    # Read first as a gamer, so that this process remembers the token and the role.
    for headers in ({}, account.headers):
        assert (await (await client.get("/api/v1/me", headers=headers)).json())["role"] == "gamer"
    await service.promote_to_admin(
        client.app[DB], client.app[REDIS], client.app[SETTINGS], account.email
    )
    assert (await (await client.get("/api/v1/me")).json())["role"] == "admin"
    me = await client.get("/api/v1/me", headers=account.headers)
    assert (await me.json())["role"] == "admin"


async def test_a_session_survives_a_restart_and_works_on_another_process(
    aiohttp_client, make_app
) -> None:
    first = await aiohttp_client(make_app())
    account = await sign_up(first)
    await sign_in_with_cookie(first, account)
    session_id = first.session.cookie_jar.filter_cookies(first.make_url("/"))[COOKIE_NAME].value
    await first.close()
    # A new process on the same Redis (after a restart, or a second node behind a balancer).
    second = await aiohttp_client(make_app())
    me = await second.get("/api/v1/me", cookies={COOKIE_NAME: session_id})
    assert me.status == 200
    assert (await me.json())["id"] == account.id
    third = await aiohttp_client(make_app())
    by_token = await third.get("/api/v1/me", headers=account.headers)
    assert (await by_token.json())["id"] == account.id
