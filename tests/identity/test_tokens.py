"""Bearer tokens for the mobile apps: password grant, every endpoint, refresh rotation."""

from __future__ import annotations

from metacult.identity import credentials
from tests import random_refs
from tests.accounts import sign_up


async def password_grant(client, account):
    return await client.post(
        "/api/v1/auth/token",
        json={"grant_type": "password", "email": account.email, "password": account.password},
    )


async def test_the_password_grant_gives_an_opaque_short_lived_token_and_a_refresh_token(
    client, db, settings
) -> None:
    account = await sign_up(client)
    response = await password_grant(client, account)
    assert response.status == 200
    tokens = await response.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == settings.access_token_ttl
    assert tokens["user_id"] == account.id
    assert tokens["access_token"] != tokens["refresh_token"]
    assert response.headers["Cache-Control"] == "no-store"
    # Stored hashed: the raw token is nowhere in the database.
    stored = await db.fetchval(
        "SELECT count(*) FROM access_tokens WHERE token_hash = $1",
        credentials.token_hash(tokens["access_token"]),
    )
    assert stored == 1
    raw = await db.fetchval(
        "SELECT count(*) FROM access_tokens WHERE encode(token_hash, 'escape') LIKE $1",
        f"%{tokens['access_token']}%",
    )
    assert raw == 0


async def test_a_bearer_token_works_on_any_endpoint(client) -> None:
    account = await sign_up(client)
    response = await client.get("/api/v1/me", headers=account.headers)
    assert response.status == 200
    assert (await response.json())["email"] == account.email


async def test_an_unknown_or_malformed_bearer_token_is_a_401(client) -> None:
    for header in ("Bearer mca_not-a-token", "Bearer nonsense", "Bearer "):
        response = await client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status == 401, header
    response = await client.get("/api/v1/me", headers={"Authorization": "Bearer mca_nope"})
    assert (await response.json())["error"]["code"] == "invalid_token"
    assert "invalid_token" in response.headers["WWW-Authenticate"]


async def test_an_expired_access_token_is_refused(client, db) -> None:
    account = await sign_up(client)
    await db.execute(
        "UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
        credentials.token_hash(account.token),
    )
    assert (await client.get("/api/v1/me", headers=account.headers)).status == 401


async def test_the_password_grant_refuses_wrong_credentials(client) -> None:
    account = await sign_up(client)
    response = await client.post(
        "/api/v1/auth/token",
        json={"grant_type": "password", "email": account.email, "password": "wrong-password!"},
    )
    assert response.status == 401
    missing = await client.post("/api/v1/auth/token", json={"grant_type": "password"})
    assert missing.status == 422
    odd = await client.post("/api/v1/auth/token", json={"grant_type": "client_credentials"})
    assert odd.status == 422


async def test_refresh_rotates_and_the_old_refresh_token_stops_working(client) -> None:
    account = await sign_up(client)
    first = await client.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": account.refresh_token}
    )
    assert first.status == 200
    rotated = await first.json()
    assert rotated["refresh_token"] != account.refresh_token
    headers = {"Authorization": f"Bearer {rotated['access_token']}"}
    assert (await client.get("/api/v1/me", headers=headers)).status == 200
    # The first access token stays valid until it expires (it is short-lived).
    assert (await client.get("/api/v1/me", headers=account.headers)).status == 200


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(client) -> None:
    account = await sign_up(client)
    rotated = await (
        await client.post(
            "/api/v1/auth/token/refresh", json={"refresh_token": account.refresh_token}
        )
    ).json()
    replay = await client.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": account.refresh_token}
    )
    assert replay.status == 401
    assert (await replay.json())["error"]["code"] == "refresh_token_reused"
    # Every token of that sign-in is dead now, the newest ones included.
    newest = {"Authorization": f"Bearer {rotated['access_token']}"}
    assert (await client.get("/api/v1/me", headers=newest)).status == 401
    assert (await client.get("/api/v1/me", headers=account.headers)).status == 401
    again = await client.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert again.status == 401


async def test_other_sign_ins_survive_a_revoked_family(client) -> None:
    account = await sign_up(client)
    other = await (await password_grant(client, account)).json()
    refresh = {"refresh_token": account.refresh_token}
    rotated = await client.post("/api/v1/auth/token/refresh", json=refresh)
    reused = await client.post("/api/v1/auth/token/refresh", json=refresh)

    # The reused sign-in's family is revoked...
    assert rotated.status == 200 and reused.status == 401
    assert (await reused.json())["error"]["code"] == "refresh_token_reused"
    newest = {"Authorization": f"Bearer {(await rotated.json())['access_token']}"}
    assert (await client.get("/api/v1/me", headers=newest)).status == 401
    # ...and the other sign-in of the same account goes on, its refresh token too.
    headers = {"Authorization": f"Bearer {other['access_token']}"}
    assert (await client.get("/api/v1/me", headers=headers)).status == 200
    renewed = await client.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": other["refresh_token"]}
    )
    assert renewed.status == 200


async def test_an_unknown_refresh_token_is_refused(client) -> None:
    response = await client.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": f"mcr_{random_refs.suffix()}"}
    )
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "invalid_token"


async def test_an_expired_refresh_token_is_refused(client, db) -> None:
    account = await sign_up(client)
    await db.execute(
        "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
        credentials.token_hash(account.refresh_token),
    )
    response = await client.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": account.refresh_token}
    )
    assert response.status == 401


async def test_logout_with_a_bearer_token_revokes_that_sign_in(client) -> None:
    account = await sign_up(client)
    assert (await client.post("/api/v1/auth/logout", headers=account.headers)).status == 204
    assert (await client.get("/api/v1/me", headers=account.headers)).status == 401
    refresh = await client.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": account.refresh_token}
    )
    assert refresh.status == 401


async def test_two_apps_racing_with_one_refresh_token_never_both_get_tokens(client) -> None:
    import asyncio

    account = await sign_up(client)
    body = {"refresh_token": account.refresh_token}
    first, second = await asyncio.gather(
        client.post("/api/v1/auth/token/refresh", json=body),
        client.post("/api/v1/auth/token/refresh", json=body),
    )
    statuses = sorted([first.status, second.status])
    assert statuses == [200, 401]
    # The loser's attempt is a reuse: the whole sign-in is revoked, the winner's tokens too.
    winner = first if first.status == 200 else second
    newest = {"Authorization": f"Bearer {(await winner.json())['access_token']}"}
    assert (await client.get("/api/v1/me", headers=newest)).status == 401
