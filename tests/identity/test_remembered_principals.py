"""Each web process remembers whom a bearer token speaks for and an account's role, and
forgets them when they change (``metacult/identity/principals.py``)."""

from __future__ import annotations

import asyncio

from metacult.identity import principals
from metacult.typedefs import DB, REDIS, SETTINGS
from tests.accounts import sign_in_with_cookie, sign_up
from tests.helpers import eventually


async def me(client, headers=None) -> tuple[int, dict]:
    response = await client.get("/api/v1/me", headers=headers or {})
    return response.status, await response.json()


async def test_a_remembered_token_is_refused_on_the_next_request_after_its_sign_out(
    client,
) -> None:
    account = await sign_up(client)
    for _ in range(3):  # remembered after the first
        assert (await me(client, account.headers))[0] == 200
    signed_out = await client.post("/api/v1/auth/logout", headers=account.headers)
    assert signed_out.status == 204
    status, body = await me(client, account.headers)
    assert status == 401
    assert body["error"]["code"] == "invalid_token"


async def test_the_memory_is_used_and_a_change_told_through_it_shows_at_once(client) -> None:
    """A role written behind identity's back (here, straight into the table) is not seen
    while the process trusts what it remembers; the same change told as identity tells
    it (``principals.changed``, after its commit) is seen on the next request."""
    account = await sign_up(client)
    await sign_in_with_cookie(client, account)
    assert (await me(client, account.headers))[1]["role"] == "gamer"
    assert (await me(client))[1]["role"] == "gamer"
    app = client.app
    await app[DB].execute("UPDATE users SET role = 'admin' WHERE id = $1", account.id)

    async def admin_page() -> int:
        # Refused as long as the token and the session's role are remembered (they are
        # once the hub's subscription to the bumps is live).
        await me(client, account.headers)
        await me(client)
        return (await client.get("/api/v1/admin/users", headers=account.headers)).status

    async def remembered() -> bool:
        return await admin_page() == 403

    await eventually(remembered)
    assert (await client.get("/api/v1/admin/users")).status == 403
    await principals.changed(app[DB], app[REDIS], app[SETTINGS], account.id)
    assert (await client.get("/api/v1/admin/users", headers=account.headers)).status == 200
    assert (await client.get("/api/v1/admin/users")).status == 200


async def test_a_token_signed_out_through_one_node_is_refused_by_the_other_once_it_heard(
    aiohttp_client, make_app
) -> None:
    first = await aiohttp_client(make_app())
    second = await aiohttp_client(make_app())
    account = await sign_up(first)
    for node in (first, second):
        assert (await me(node, account.headers))[0] == 200
    assert (await first.post("/api/v1/auth/logout", headers=account.headers)).status == 204

    async def refused() -> bool:
        return (await me(second, account.headers))[0] == 401

    await eventually(refused)
    for _ in range(5):
        for node in (first, second):
            assert (await me(node, account.headers))[0] == 401


async def test_a_deleted_account_and_a_revoked_device_lose_their_remembered_tokens(
    aiohttp_client, make_app
) -> None:
    client = await aiohttp_client(make_app())
    kept = await sign_up(client)
    # A second app signed in to the same account, then signed out from the device list.
    response = await client.post(
        "/api/v1/auth/token",
        json={"grant_type": "password", "email": kept.email, "password": kept.password},
    )
    other = {"Authorization": f"Bearer {(await response.json())['access_token']}"}
    assert (await me(client, other))[0] == 200
    devices = await (await client.get("/api/v1/me/sessions", headers=kept.headers)).json()
    others = [device["id"] for device in devices["items"] if not device["current"]]
    assert len(others) == 1
    removed = await client.delete(f"/api/v1/me/sessions/{others[0]}", headers=kept.headers)
    assert removed.status == 204
    assert (await me(client, other))[0] == 401
    assert (await me(client, kept.headers))[0] == 200

    deleted = await client.delete("/api/v1/me", headers=kept.headers)
    assert deleted.status == 204, await deleted.text()
    assert (await me(client, kept.headers))[0] == 401


async def test_a_remembered_token_still_expires(aiohttp_client, make_app) -> None:
    client = await aiohttp_client(make_app(access_token_ttl=1))
    account = await sign_up(client)
    assert (await me(client, account.headers))[0] == 200
    await asyncio.sleep(1.2)
    assert (await me(client, account.headers))[0] == 401
