"""Signed out everywhere at once: live connections close on every web process, tickets die."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest
from aiohttp import WSServerHandshakeError

from metacult import realtime
from metacult.realtime import protocol
from tests.accounts import sign_in_with_cookie, sign_up
from tests.helpers import eventually
from tests.realtime.live import Live
from tests.realtime.test_fallbacks import EventStream
from tests.tcp_proxy import TcpProxy


async def _ticket(client, **options) -> str:
    response = await client.post("/api/v1/realtime/ticket", **options)
    assert response.status == 201, await response.text()
    return (await response.json())["ticket"]


async def _still_open(live: Live) -> bool:
    await live.send({"type": "ping", "id": "still-there"})
    return (await live.expect("pong"))["id"] == "still-there"


async def test_deleting_an_account_closes_its_websockets_on_every_process(
    aiohttp_client, make_app
) -> None:
    first = await aiohttp_client(make_app())
    second = await aiohttp_client(make_app())
    account = await sign_up(first)
    here = await Live.open(first, headers=account.headers)
    there = await Live.open(second, headers=account.headers)
    assert (await here.subscribe(f"user:{account.id}"))["type"] == "subscribed"
    assert (await there.subscribe(f"user:{account.id}"))["type"] == "subscribed"
    bystander = await sign_up(first)
    unrelated = await Live.open(second, headers=bystander.headers)

    deleted = await second.delete("/api/v1/me", headers=account.headers)

    assert deleted.status == 204
    assert await here.closed() == protocol.CLOSE_SIGNED_OUT
    assert await there.closed() == protocol.CLOSE_SIGNED_OUT
    assert await _still_open(unrelated)


async def test_a_ticket_minted_before_the_account_was_deleted_opens_nothing(
    aiohttp_client, make_app
) -> None:
    first = await aiohttp_client(make_app())
    second = await aiohttp_client(make_app())
    account = await sign_up(first)
    ticket = await _ticket(first, headers=account.headers)

    assert (await first.delete("/api/v1/me", headers=account.headers)).status == 204

    with pytest.raises(WSServerHandshakeError) as refused:
        await second.ws_connect(f"/ws?ticket={ticket}")
    assert refused.value.status == 401


async def test_logging_out_closes_that_browsers_socket_but_not_another_devices(
    aiohttp_client, make_app
) -> None:
    browser = await aiohttp_client(make_app())
    phone = await aiohttp_client(make_app())
    account = await sign_up(browser)
    await sign_in_with_cookie(browser, account)
    by_cookie = await Live.open(browser)
    browser_ticket = await _ticket(browser)
    by_browser_ticket = await Live.open(browser, f"/ws?ticket={await _ticket(browser)}")
    by_token = await Live.open(phone, headers=account.headers)
    phone_ticket = await _ticket(phone, headers=account.headers)
    for live in (by_cookie, by_browser_ticket, by_token):
        assert (await live.subscribe(f"user:{account.id}"))["type"] == "subscribed"

    assert (await browser.post("/api/v1/auth/logout")).status == 204

    assert await by_cookie.closed() == protocol.CLOSE_SIGNED_OUT
    assert await by_browser_ticket.closed() == protocol.CLOSE_SIGNED_OUT
    with pytest.raises(WSServerHandshakeError) as refused:
        await phone.ws_connect(f"/ws?ticket={browser_ticket}")
    assert refused.value.status == 401
    assert await _still_open(by_token)
    by_phone_ticket = await Live.open(phone, f"/ws?ticket={phone_ticket}")
    assert (await by_phone_ticket.subscribe(f"user:{account.id}"))["type"] == "subscribed"


async def test_an_app_logging_out_closes_only_its_own_sockets(aiohttp_client, make_app) -> None:
    first = await aiohttp_client(make_app())
    second = await aiohttp_client(make_app())
    account = await sign_up(first)
    other_app = await sign_up_again(first, account)
    mine = await Live.open(first, headers=account.headers)
    theirs = await Live.open(second, headers=other_app)

    assert (await second.post("/api/v1/auth/logout", headers=account.headers)).status == 204

    assert await mine.closed() == protocol.CLOSE_SIGNED_OUT
    assert await _still_open(theirs)


async def test_a_reused_refresh_token_closes_the_sockets_of_its_sign_in(
    aiohttp_client, make_app
) -> None:
    first = await aiohttp_client(make_app())
    second = await aiohttp_client(make_app())
    account = await sign_up(first)
    rotated = await first.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": account.refresh_token}
    )
    assert rotated.status == 200
    fresh = (await rotated.json())["access_token"]
    live = await Live.open(second, headers={"Authorization": f"Bearer {fresh}"})
    other_app = await sign_up_again(first, account)
    unaffected = await Live.open(second, headers=other_app)

    reused = await first.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": account.refresh_token}
    )

    assert reused.status == 401
    assert (await reused.json())["error"]["code"] == "refresh_token_reused"
    assert await live.closed() == protocol.CLOSE_SIGNED_OUT
    assert await _still_open(unaffected)


async def test_deleting_an_account_ends_its_event_streams_and_long_polls(
    aiohttp_client, make_app
) -> None:
    first = await aiohttp_client(make_app())
    second = await aiohttp_client(make_app())
    account = await sign_up(first)
    channels = {"channels": f"user:{account.id}"}
    stream = EventStream(
        await first.get("/api/v1/stream", params=channels, headers=account.headers)
    )
    await stream.next("subscribed")
    start = await first.get("/api/v1/events", params=channels, headers=account.headers)
    cursor = (await start.json())["cursor"]
    polling = asyncio.create_task(
        first.get("/api/v1/events", params={**channels, "since": cursor}, headers=account.headers)
    )
    await asyncio.sleep(0.2)
    assert not polling.done()

    assert (await second.delete("/api/v1/me", headers=account.headers)).status == 204

    with pytest.raises(AssertionError, match="the stream ended"):
        await stream.next()
    answer = await asyncio.wait_for(polling, 15)
    assert answer.status == 401
    assert (await answer.json())["error"]["code"] == "signed_out"


@pytest.mark.slow
async def test_a_sign_out_sent_while_a_process_could_not_hear_it_still_closes_its_sockets(
    aiohttp_client, make_app, redis, settings
) -> None:
    target = urlsplit(settings.redis_url)
    proxy = await TcpProxy(target.hostname, target.port or 6379).start()
    app = make_app(redis_url=f"redis://127.0.0.1:{proxy.port}/0", realtime_canary_interval=0.2)
    client = await aiohttp_client(app)
    account = await sign_up(client)
    live = await Live.open(client, headers=account.headers)
    assert (await live.subscribe(f"user:{account.id}"))["type"] == "subscribed"

    async def ready() -> bool:
        return (await client.get("/readyz")).status == 200

    async def deaf() -> bool:
        return (await client.get("/readyz")).status == 503

    await proxy.cut()
    await eventually(deaf)
    # Another process signs the user out while this one's pub/sub connection is down.
    await realtime.disconnect(redis, settings, user_id=account.id)
    await proxy.restore()
    await eventually(ready)

    assert await live.closed() == protocol.CLOSE_SIGNED_OUT
    await proxy.cut()


async def sign_up_again(client, account) -> dict[str, str]:
    """The headers of a second app signed in to ``account`` (another token family)."""
    response = await client.post(
        "/api/v1/auth/token",
        json={"grant_type": "password", "email": account.email, "password": account.password},
    )
    assert response.status == 200, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['access_token']}"}
