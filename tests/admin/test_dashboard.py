"""The admin dashboard: its snapshot over HTTP and its live figures on ``admin:dashboard``."""

from __future__ import annotations

import uuid

from metacult.infra.queues import namespace
from metacult.typedefs import HUB
from tests.accounts import sign_up
from tests.helpers import eventually
from tests.realtime.live import Live
from tests.titles import new_titles


async def _snapshot(client, admin) -> dict:
    response = await client.get("/api/v1/admin/dashboard", headers=admin.headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def _stats(live: Live) -> dict:
    """The next ``admin.stats`` message (other figures share the channel)."""
    while True:
        data = (await live.expect("publication", channel="admin:dashboard"))["data"]
        if data.get("type") == "admin.stats":
            return data


async def test_only_administrators_see_the_dashboard(client) -> None:
    gamer = await sign_up(client)

    assert (await client.get("/api/v1/admin/dashboard")).status == 401
    refused = await client.get("/api/v1/admin/dashboard", headers=gamer.headers)
    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "forbidden"


async def test_the_snapshot_sums_every_web_nodes_live_figures(aiohttp_client, make_app) -> None:
    first = await aiohttp_client(make_app(realtime_dashboard_interval=0.1))
    second = await aiohttp_client(make_app(realtime_dashboard_interval=0.1))
    admin = await sign_up(first, role="admin")
    await Live.open(first, headers=admin.headers)
    await Live.open(second, headers=admin.headers)
    nodes = {first.app[HUB].node, second.app[HUB].node}

    async def both_nodes_counted():
        stats = (await _snapshot(first, admin))["stats"]
        live = stats["realtime"]
        if not nodes <= set(live["nodes"]):
            return None
        if any(live["nodes"][node].get("connections_websocket", 0) < 1 for node in nodes):
            return None
        return live

    live = await eventually(both_nodes_counted)
    assert live["total"]["connections_websocket"] == sum(
        figures.get("connections_websocket", 0) for figures in live["nodes"].values()
    )
    assert {"messages_in_per_second", "messages_out_per_second", "lag_mean_seconds"} <= set(
        live["total"]
    )


async def test_admins_watch_admin_stats_every_tick_from_one_node(aiohttp_client, make_app) -> None:
    first = await aiohttp_client(make_app(realtime_dashboard_interval=0.2))
    second = await aiohttp_client(make_app(realtime_dashboard_interval=0.2))
    admin = await sign_up(first, role="admin")
    snapshot = await _snapshot(first, admin)
    live = await Live.open(first, headers=admin.headers)
    since = {"offset": snapshot["live"]["offset"], "epoch": snapshot["live"]["epoch"]}
    subscribed = await live.subscribe("admin:dashboard", since=since)
    assert subscribed["type"] == "subscribed"
    other = await Live.open(second, headers=admin.headers)
    assert (await other.subscribe("admin:dashboard"))["type"] == "subscribed"

    ticks = [(await _stats(live))["at"] for _ in range(4)]

    # Both nodes watch, yet each tick is published once.
    assert len(set(ticks)) == len(ticks)
    stats = await _stats(live)
    assert {
        "realtime",
        "votes_per_minute",
        "signals_per_second",
        "signups_today",
        "queues",
        "dead_letters",
        "workers",
    } <= set(stats)


async def test_votes_sign_ups_and_signals_show_on_the_dashboard(client, db) -> None:
    await new_titles(db, 4, kind="series")
    admin = await sign_up(client, role="admin")
    gamer = await sign_up(client)
    duel = await (await client.get("/api/v1/duels/next?kind=series", headers=gamer.headers)).json()
    voted = await client.post(
        f"/api/v1/duels/{duel['id']}/vote", json={"winner": duel["a"]["id"]}, headers=gamer.headers
    )
    assert voted.status == 200, await voted.text()
    signals = [
        {"id": str(uuid.uuid4()), "type": "view", "media_id": duel["a"]["id"]} for _ in range(50)
    ]
    sent = await client.post("/api/v1/signals", json={"events": signals}, headers=gamer.headers)
    assert sent.status == 202

    async def counted():
        stats = (await _snapshot(client, admin))["stats"]
        # Other tests' signals may count too: wait for ours (50 over the 5-second window).
        return stats if stats["signals_per_second"] >= 50 / 5 else None

    stats = await eventually(counted)
    assert stats["votes_per_minute"] >= 1
    assert stats["signups_today"] >= 2


async def test_dead_letters_are_counted_per_queue(client, redis, settings) -> None:
    admin = await sign_up(client, role="admin")
    dead = f"{namespace(settings)}:default.XQ"
    before = (await _snapshot(client, admin))["stats"]["dead_letters"]
    await redis.zadd(dead, {f"message-{uuid.uuid4()}": 1.0})
    try:
        stats = (await _snapshot(client, admin))["stats"]
    finally:
        await redis.delete(dead)

    assert stats["dead_letters"] == before + 1
    default = next(queue for queue in stats["queues"] if queue["name"] == "default")
    assert default["dead"] == before + 1


async def test_a_running_worker_shows_its_heartbeat(client, worker) -> None:
    admin = await sign_up(client, role="admin")

    async def heard():
        return (await _snapshot(client, admin))["stats"]["workers"]

    workers = await eventually(heard)
    assert all(0 <= beat["seconds_ago"] <= 10 for beat in workers)
