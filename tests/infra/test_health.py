"""Liveness and readiness tell a load balancer the truth."""

from __future__ import annotations


async def test_healthz_and_readyz_answer_when_everything_runs(client) -> None:
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200
    body = await ready.json()
    assert body["status"] == "ready"
    assert body["checks"]["postgres"] and body["checks"]["redis"]


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
