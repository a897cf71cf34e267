"""Devices: the browser sessions and app sign-ins of an account, signed out one by one."""

from __future__ import annotations

from metacult.realtime import protocol
from tests.accounts import sign_in_with_cookie, sign_up
from tests.realtime.live import Live


async def devices_of(client, **options) -> list[dict]:
    response = await client.get("/api/v1/me/sessions", **options)
    assert response.status == 200, await response.text()
    return (await response.json())["items"]


async def test_the_list_shows_browsers_and_apps_with_agent_and_network(
    client, aiohttp_client, make_app
) -> None:
    account = await sign_up(client)  # an app sign-in (bearer token)
    browser = await aiohttp_client(make_app())
    browser.session.headers["User-Agent"] = "Firefox/140 test"
    await sign_in_with_cookie(browser, account)

    seen_by_browser = await devices_of(browser)
    kinds = sorted(device["kind"] for device in seen_by_browser)
    assert kinds == ["app", "browser"]
    this = next(device for device in seen_by_browser if device["current"])
    assert this["kind"] == "browser"
    assert this["id"].startswith("session:")
    assert this["user_agent"] == "Firefox/140 test"
    assert this["ip_prefix"] == "127.0.0.0/24"
    assert this["created_at"] and this["last_used_at"]
    app = next(device for device in seen_by_browser if device["kind"] == "app")
    assert app["id"].startswith("family:") and app["current"] is False
    assert app["ip_prefix"] == "127.0.0.0/24"

    seen_by_app = await devices_of(client, headers=account.headers)
    assert {d["id"] for d in seen_by_app} == {d["id"] for d in seen_by_browser}
    assert next(d for d in seen_by_app if d["current"])["kind"] == "app"


async def test_signing_out_a_browser_ends_its_session_and_closes_its_websocket(
    client, aiohttp_client, make_app
) -> None:
    account = await sign_up(client)
    browser = await aiohttp_client(make_app())
    await sign_in_with_cookie(browser, account)
    browser_socket = await Live.open(browser)
    app_socket = await Live.open(client, headers=account.headers)
    for live in (browser_socket, app_socket):
        assert (await live.subscribe(f"user:{account.id}"))["type"] == "subscribed"
    [session] = [d for d in await devices_of(browser) if d["current"]]

    response = await client.delete(f"/api/v1/me/sessions/{session['id']}", headers=account.headers)

    assert response.status == 204
    assert await browser_socket.closed() == protocol.CLOSE_SIGNED_OUT
    assert (await browser.get("/api/v1/me")).status == 401
    # The app that did it stays signed in, its socket open.
    assert (await client.get("/api/v1/me", headers=account.headers)).status == 200
    await app_socket.send({"type": "ping", "id": "still-there"})
    assert (await app_socket.expect("pong"))["id"] == "still-there"
    assert [d["kind"] for d in await devices_of(client, headers=account.headers)] == ["app"]


async def test_signing_out_an_app_revokes_its_tokens_and_closes_its_websocket(
    client, aiohttp_client, make_app
) -> None:
    account = await sign_up(client)
    browser = await aiohttp_client(make_app())
    await sign_in_with_cookie(browser, account)
    app_socket = await Live.open(client, headers=account.headers)
    assert (await app_socket.subscribe(f"user:{account.id}"))["type"] == "subscribed"
    [app] = [d for d in await devices_of(browser) if d["kind"] == "app"]

    assert (await browser.delete(f"/api/v1/me/sessions/{app['id']}")).status == 204

    assert await app_socket.closed() == protocol.CLOSE_SIGNED_OUT
    assert (await client.get("/api/v1/me", headers=account.headers)).status == 401
    refresh = await client.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": account.refresh_token}
    )
    assert refresh.status == 401
    assert (await browser.get("/api/v1/me")).status == 200


async def test_another_accounts_device_cannot_be_signed_out(client) -> None:
    account = await sign_up(client)
    other = await sign_up(client)
    [theirs] = await devices_of(client, headers=other.headers)
    response = await client.delete(f"/api/v1/me/sessions/{theirs['id']}", headers=account.headers)
    assert response.status == 404
    assert (await client.get("/api/v1/me", headers=other.headers)).status == 200
    for bad in ("nonsense", "session:xyz", "family:abc"):
        response = await client.delete(f"/api/v1/me/sessions/{bad}", headers=account.headers)
        assert response.status == 404, bad


async def test_an_apps_last_use_is_its_last_refresh(client, db) -> None:
    account = await sign_up(client)
    await db.execute(
        "UPDATE token_families SET last_used_at = now() - interval '3 days' WHERE user_id = $1",
        account.id,
    )
    [before] = await devices_of(client, headers=account.headers)
    refreshed = await client.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": account.refresh_token}
    )
    tokens = await refreshed.json()
    [after] = await devices_of(
        client, headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert after["id"] == before["id"]
    assert after["last_used_at"] > before["last_used_at"]
