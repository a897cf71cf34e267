"""Open websockets are limited per IP and per account, counted for every node together."""

from __future__ import annotations

import aiohttp
import pytest

from tests import random_refs
from tests.accounts import sign_up
from tests.helpers import eventually


def own_prefix(settings) -> str:
    return f"{settings.redis_prefix}-conns-{random_refs.suffix()}"


async def refused_status(client, **options) -> int | None:
    """The HTTP status a websocket upgrade was refused with (None: it was accepted)."""
    try:
        ws = await client.ws_connect("/ws", **options)
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    await ws.close()
    return None


async def test_an_ip_beyond_its_websockets_is_refused_until_one_closes(
    aiohttp_client, make_app, settings
) -> None:
    client = await aiohttp_client(
        make_app(redis_prefix=own_prefix(settings), realtime_max_websockets_per_ip=2)
    )
    first = await client.ws_connect("/ws")
    second = await client.ws_connect("/ws")

    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws")
    assert refused.value.status == 429

    await first.close()

    async def admitted() -> bool:
        try:
            ws = await client.ws_connect("/ws")
        except aiohttp.WSServerHandshakeError:
            return False
        await ws.close()
        return True

    assert await eventually(admitted)
    await second.close()


async def test_an_account_beyond_its_websockets_is_refused_and_others_are_not(
    aiohttp_client, make_app, settings
) -> None:
    client = await aiohttp_client(
        make_app(redis_prefix=own_prefix(settings), realtime_max_websockets_per_user=1)
    )
    account = await sign_up(client)
    held = await client.ws_connect("/ws", headers=account.headers)

    assert await refused_status(client, headers=account.headers) == 429
    assert await refused_status(client) is None  # anonymous, same IP
    other = await sign_up(client)
    assert await refused_status(client, headers=other.headers) is None
    await held.close()


async def test_the_count_is_shared_by_the_nodes(aiohttp_client, make_app, settings) -> None:
    prefix = own_prefix(settings)
    one = await aiohttp_client(make_app(redis_prefix=prefix, realtime_max_websockets_per_ip=1))
    two = await aiohttp_client(make_app(redis_prefix=prefix, realtime_max_websockets_per_ip=1))
    held = await one.ws_connect("/ws")

    assert await refused_status(two) == 429
    await held.close()
