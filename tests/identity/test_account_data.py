"""Account data: the export, deletion (signed out everywhere) and the purge by the worker."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from metacult import identity
from metacult.identity.sessions import COOKIE_NAME
from metacult.typedefs import USER_DATA_EXPORTERS
from tests.accounts import sign_in_with_cookie, sign_up
from tests.helpers import eventually


async def test_the_export_holds_the_account_follows_and_other_contexts_data(
    aiohttp_client, make_app
) -> None:
    app = make_app()

    async def wishlist(conn, user_id: int) -> dict:
        return {"titles": [user_id]}

    app[USER_DATA_EXPORTERS]["probe"] = wishlist
    client = await aiohttp_client(app)
    account = await sign_up(client, display_name="Exported")
    friend = await sign_up(client)
    await client.put(f"/api/v1/users/{friend.id}/follow", headers=account.headers)
    response = await client.get("/api/v1/me/export", headers=account.headers)
    assert response.status == 200
    data = await response.json()
    assert data["identity"]["account"]["email"] == account.email
    assert data["identity"]["account"]["display_name"] == "Exported"
    assert "password_hash" not in data["identity"]["account"]
    assert [f["user_id"] for f in data["identity"]["following"]] == [friend.id]
    assert len(data["identity"]["app_sign_ins"]) == 1
    assert data["probe"] == {"titles": [account.id]}
    assert account.token not in response_text(data)


def response_text(data: dict) -> str:
    import orjson

    return orjson.dumps(data).decode()


async def test_deleting_the_account_signs_out_everywhere_at_once(
    client, aiohttp_client, make_app, db
) -> None:
    account = await sign_up(client)
    await sign_in_with_cookie(client, account)
    other_browser = await aiohttp_client(make_app())
    await sign_in_with_cookie(other_browser, account)
    response = await client.delete("/api/v1/me", headers=account.headers)
    assert response.status == 204
    assert (await client.get("/api/v1/me", headers=account.headers)).status == 401
    assert (await client.get("/api/v1/me")).status == 401
    assert (await other_browser.get("/api/v1/me")).status == 401
    refresh = await client.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": account.refresh_token}
    )
    assert refresh.status == 401
    login = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert login.status == 401
    events = await db.fetch(
        "SELECT data FROM outbox WHERE type = $1 AND (data->>'user_id')::bigint = $2",
        identity.ACCOUNT_DELETED.name,
        account.id,
    )
    assert [row["data"] for row in events] == [{"user_id": account.id}]


async def test_a_cookie_deletion_clears_the_cookie(client) -> None:
    account = await sign_up(client)
    await sign_in_with_cookie(client, account)
    response = await client.delete("/api/v1/me")
    assert response.status == 204
    assert response.cookies[COOKIE_NAME].value == ""


async def test_the_worker_purges_personal_data_and_leaves_a_deleted_user(
    client, db, worker
) -> None:
    account = await sign_up(client, display_name="Soon Gone")
    friend = await sign_up(client)
    await client.patch("/api/v1/me", headers=account.headers, json={"bio": "about me"})
    await client.put(f"/api/v1/users/{friend.id}/follow", headers=account.headers)
    await client.put(f"/api/v1/users/{account.id}/follow", headers=friend.headers)
    assert (await client.delete("/api/v1/me", headers=account.headers)).status == 204

    async def purged():
        row = await db.fetchrow("SELECT * FROM users WHERE id = $1", account.id)
        return row if row["email"] is None else None

    row = await eventually(purged)
    assert row["display_name"] == identity.DELETED_USER_NAME
    assert row["password_hash"] is None and row["bio"] == "" and row["deleted_at"] is not None
    follows = await db.fetchval(
        "SELECT count(*) FROM follows WHERE follower_id = $1 OR followee_id = $1", account.id
    )
    assert follows == 0
    async with db.acquire() as conn:
        summary = (await identity.user_summaries(conn, [account.id]))[account.id]
    assert summary["display_name"] == identity.DELETED_USER_NAME
    assert (await client.get(f"/api/v1/users/{account.id}")).status == 404
    # The address is free again.
    again = await client.post(
        "/api/v1/auth/signup",
        json={"email": account.email, "password": account.password, "display_name": "Back"},
    )
    assert again.status == 201


def create_admin(email: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metacult", "create-admin", email],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )


async def test_create_admin_promotes_an_account_from_the_command_line(client) -> None:
    account = await sign_up(client)
    done = await asyncio.to_thread(create_admin, account.email.upper())
    assert done.returncode == 0, done.stderr
    assert "is now an administrator" in done.stdout
    me = await (await client.get("/api/v1/me", headers=account.headers)).json()
    assert me["role"] == "admin"
    missing = await asyncio.to_thread(create_admin, "nobody@example.test")
    assert missing.returncode == 1
    assert "no account uses" in missing.stderr
