"""A dependency that refuses or holds traffic is answered with 503 ``unavailable`` and
``Retry-After``, within the configured bounds, never with a 500 or a hang."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiohttp.test_utils import TestClient

from tests.accounts import sign_in_with_cookie, sign_up
from tests.tcp_proxy import TcpProxy
from tests.titles import new_title

# Short bounds, so that a held database answers fast here too (defaults: config.py).
QUICK = {"db_connect_timeout": 0.5, "db_acquire_timeout": 0.5, "db_command_timeout": 0.5}


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
async def postgres_proxy(settings) -> AsyncIterator[TcpProxy]:
    target = urlsplit(settings.database_url)
    proxy = await TcpProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
    yield proxy
    await proxy.restore()
    await proxy.cut()


@pytest.fixture
async def redis_proxy(settings) -> AsyncIterator[TcpProxy]:
    target = urlsplit(settings.redis_url)
    proxy = await TcpProxy(target.hostname or "127.0.0.1", target.port or 6379).start()
    yield proxy
    await proxy.restore()
    await proxy.cut()


async def _assert_unavailable(client: TestClient, method: str, path: str, **options) -> None:
    response = await client.request(method, path, **options)
    assert response.status == 503, (path, response.status, await response.text())
    assert (await response.json())["error"]["code"] == "unavailable"
    assert int(response.headers["Retry-After"]) >= 1


async def test_reads_lists_and_likes_answer_503_while_postgresql_refuses(
    aiohttp_client, make_app, settings, db, postgres_proxy
) -> None:
    client = await aiohttp_client(
        make_app(database_url=_through(settings.database_url, postgres_proxy.port), **QUICK)
    )
    account = await sign_up(client)
    media_id = await new_title(db)
    assert (await client.get(f"/api/v1/media/{media_id}")).status == 200

    await postgres_proxy.cut()

    await _assert_unavailable(client, "GET", f"/api/v1/media/{media_id}")
    await _assert_unavailable(client, "GET", "/api/v1/media")
    await _assert_unavailable(
        client, "PUT", f"/api/v1/media/{media_id}/like", headers=account.headers
    )


async def test_a_database_that_holds_traffic_is_answered_with_503_and_readyz_says_so(
    aiohttp_client, make_app, settings, db, postgres_proxy
) -> None:
    client = await aiohttp_client(
        make_app(database_url=_through(settings.database_url, postgres_proxy.port), **QUICK)
    )
    account = await sign_up(client)
    media_id = await new_title(db)

    await postgres_proxy.hold()

    await _assert_unavailable(client, "GET", f"/api/v1/media/{media_id}")
    await _assert_unavailable(
        client, "PUT", f"/api/v1/media/{media_id}/like", headers=account.headers
    )
    ready = await client.get("/readyz")
    assert ready.status == 503
    assert (await ready.json())["checks"]["postgres"] is False

    await postgres_proxy.restore()

    liked = await client.put(f"/api/v1/media/{media_id}/like", headers=account.headers)
    assert liked.status == 200, await liked.text()


async def test_cookie_sessions_and_leaderboards_answer_503_while_redis_is_down(
    aiohttp_client, make_app, settings, redis_proxy
) -> None:
    client = await aiohttp_client(
        make_app(redis_url=_through(settings.redis_url, redis_proxy.port))
    )
    account = await sign_up(client)
    await sign_in_with_cookie(client, account)
    assert (await client.get("/api/v1/me")).status == 200

    await redis_proxy.cut()

    await _assert_unavailable(client, "GET", "/api/v1/me")
    await _assert_unavailable(client, "GET", "/api/v1/leaderboards/global")


async def test_a_redis_that_holds_traffic_is_answered_with_503(
    aiohttp_client, make_app, settings, redis_proxy
) -> None:
    client = await aiohttp_client(
        make_app(redis_url=_through(settings.redis_url, redis_proxy.port), redis_timeout=0.3)
    )
    account = await sign_up(client)
    await sign_in_with_cookie(client, account)

    await redis_proxy.hold()

    await _assert_unavailable(client, "GET", "/api/v1/me")
    await _assert_unavailable(client, "GET", "/api/v1/leaderboards/global")
    client.session.cookie_jar.clear()  # a load balancer's probe carries no session
    ready = await client.get("/readyz")
    assert ready.status == 503
    assert (await ready.json())["checks"]["redis"] is False
