"""Signed-in connections: a user's own channel, tickets, cookies, and the admin dashboard."""

from __future__ import annotations

import pytest
from aiohttp import WSServerHandshakeError

from metacult.realtime import publish
from metacult.typedefs import HUB
from tests.accounts import sign_in_with_cookie, sign_up
from tests.helpers import eventually
from tests.realtime.live import Live, never_reading_client


async def test_a_user_reads_their_own_channel_and_no_one_elses(client, redis, settings) -> None:
    alice, bob = await sign_up(client), await sign_up(client)
    live = await Live.open(client, headers=alice.headers)
    assert (await live.subscribe(f"user:{alice.id}"))["type"] == "subscribed"
    refused = await live.subscribe(f"user:{bob.id}")
    assert refused["code"] == "forbidden"
    assert (await live.subscribe("admin:dashboard"))["code"] == "forbidden"

    await publish(redis, settings, f"user:{alice.id}", {"xp": 10})
    assert (await live.expect("publication"))["data"] == {"xp": 10}


async def test_a_browser_session_cookie_authenticates_the_websocket(client) -> None:
    carol = await sign_up(client)
    await sign_in_with_cookie(client, carol)
    live = await Live.open(client)
    assert (await live.subscribe(f"user:{carol.id}"))["type"] == "subscribed"


async def test_a_ticket_opens_one_websocket_once(client) -> None:
    dave = await sign_up(client)
    response = await client.post("/api/v1/realtime/ticket", headers=dave.headers)
    assert response.status == 201
    ticket = (await response.json())["ticket"]

    live = await Live.open(client, f"/ws?ticket={ticket}")
    assert (await live.subscribe(f"user:{dave.id}"))["type"] == "subscribed"

    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect(f"/ws?ticket={ticket}")
    assert refused.value.status == 401


async def test_tickets_are_for_signed_in_users(client) -> None:
    assert (await client.post("/api/v1/realtime/ticket")).status == 401


async def test_admins_watch_live_stats_on_the_dashboard(aiohttp_client, make_app) -> None:
    client = await aiohttp_client(make_app(realtime_dashboard_interval=0.1))
    admin = await sign_up(client, role="admin")
    live = await Live.open(client, headers=admin.headers)
    assert (await live.subscribe("admin:dashboard"))["type"] == "subscribed"
    data = (await live.expect("publication"))["data"]
    while data.get("type") != "realtime.stats":  # other contexts report there too
        data = (await live.expect("publication"))["data"]
    assert data["connections_websocket"] >= 1
    assert {"subscriptions", "messages_in_total", "pubsub_reconnects_total"} <= set(data)


async def test_the_fallbacks_apply_the_users_permissions(client, redis, settings) -> None:
    erin, frank = await sign_up(client), await sign_up(client)
    mine = await client.get(
        "/api/v1/events", params={"channels": f"user:{erin.id}"}, headers=erin.headers
    )
    assert mine.status == 200
    theirs = await client.get(
        "/api/v1/events", params={"channels": f"user:{frank.id}"}, headers=erin.headers
    )
    assert theirs.status == 403
    stream = await client.get(
        "/api/v1/stream", params={"channels": f"user:{frank.id}"}, headers=erin.headers
    )
    assert stream.status == 403


async def test_a_busy_dashboard_skips_live_stats_instead_of_being_dropped(
    aiohttp_client, make_app, redis, settings
) -> None:
    app = make_app(realtime_send_queue_bytes=64 * 1024, realtime_dashboard_interval=3600)
    client = await aiohttp_client(app)
    admin = await sign_up(client, role="admin")
    stuck = await never_reading_client(client.port, "admin:dashboard", admin.headers)

    async def subscribed() -> bool:
        return app[HUB].local_subscribers("admin:dashboard") == 1

    await eventually(subscribed)
    blob = "x" * 20_000
    for n in range(600):  # far more than the socket and the queue hold
        await publish(redis, settings, "admin:dashboard", {"n": n, "blob": blob})

    async def skipped() -> bool:
        return app[HUB].metrics.droppable_skipped._value.get() > 0

    await eventually(skipped)
    assert app[HUB].metrics.slow_clients_dropped._value.get() == 0
    assert app[HUB].local_subscribers("admin:dashboard") == 1
    stuck.close()
