"""Liveness and readiness tell a load balancer the truth."""

from __future__ import annotations


async def test_healthz_and_readyz_answer_when_everything_runs(client) -> None:
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200
    body = await ready.json()
    assert body["status"] == "ready"
    assert body["checks"]["postgres"] and body["checks"]["redis"]


async def test_healthz_is_answered_before_the_middlewares_with_the_routes_answer(client) -> None:
    """The probe a load balancer sends every second costs no id, log line or session: it
    is answered in the outermost layer, with the same bytes and policy headers as ever."""
    probe = await client.get("/healthz")
    assert probe.status == 200
    assert probe.content_type == "application/json"
    body = await probe.json()
    assert body["status"] == "ok" and body["node"]
    assert "X-Request-Id" not in probe.headers
    assert probe.headers["X-Content-Type-Options"] == "nosniff"
    assert (await client.head("/healthz")).status == 200
    # Anything but a read still goes the whole way, and errors keep their one shape.
    refused = await client.post("/healthz")
    assert refused.status == 405
    assert (await refused.json())["error"]["code"] == "method_not_allowed"
    # Other reads keep their request id.
    assert "X-Request-Id" in (await client.get("/readyz")).headers


async def test_readyz_is_503_and_names_redis_when_redis_is_unreachable(
    aiohttp_client, make_app
) -> None:
    client = await aiohttp_client(
        make_app(redis_url="redis://127.0.0.1:1/0"),
    )
    ready = await client.get("/readyz")
    assert ready.status == 503
    body = await ready.json()
    assert body["checks"]["redis"] is False
    assert body["checks"]["postgres"] is True
    assert "redis" in body["error"]["message"]


async def test_the_home_page_is_served(client) -> None:
    response = await client.get("/")
    assert response.status == 200
    assert "Metacult" in await response.text()
