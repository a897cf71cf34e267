"""No password, token or session id reaches the logs; bearer tokens open websockets too."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from metacult.identity.sessions import COOKIE_NAME
from tests.accounts import sign_in_with_cookie, sign_up
from tests.realtime.live import Live


async def test_no_secret_is_logged_during_sign_in_flows(client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    account = await sign_up(client)
    await sign_in_with_cookie(client, account)
    session_id = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    await client.get("/api/v1/me", headers=account.headers)
    refreshed = await client.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": account.refresh_token}
    )
    new_refresh = (await refreshed.json())["refresh_token"]
    await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": "wrong-password-1"}
    )
    await client.post("/api/v1/auth/logout")
    logged = "\n".join(repr(vars(record)) for record in caplog.records)
    assert "request" in logged  # the requests were logged...
    for secret in (account.password, account.token, account.refresh_token, new_refresh):
        assert secret not in logged  # ...without their secrets
    assert session_id not in logged
    assert "wrong-password-1" not in logged


async def test_a_bearer_token_opens_the_websocket_as_its_user(client) -> None:
    account = await sign_up(client)
    channel = f"user:{account.id}"

    signed_in = await Live.open(client, headers=account.headers)
    anonymous = await Live.open(client)

    # Only the token's user may read their own channel: the token made the connection theirs.
    assert (await signed_in.subscribe(channel))["type"] == "subscribed"
    refused_anonymous = await anonymous.subscribe(channel)
    assert refused_anonymous["type"] == "error"
    await signed_in.close()
    await anonymous.close()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws", headers={"Authorization": "Bearer mca_forged"})
    assert refused.value.status == 401
