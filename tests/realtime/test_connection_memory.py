"""What an open websocket keeps of the request that opened it: not its middlewares' frames."""

from __future__ import annotations

import asyncio
import base64
import gc
import os
import weakref

from aiohttp import web

from metacult.realtime import publish
from tests.realtime.live import Live, media_channel


class RequestScoped:
    """Stands for what a middleware holds while it waits for its handler (a log context,
    a loaded session, a timer)."""


async def test_an_open_websocket_lets_its_middlewares_request_scoped_objects_go(
    aiohttp_client, make_app, redis, settings
) -> None:
    held: list[weakref.ref[RequestScoped]] = []

    @web.middleware
    async def holds_a_request_scoped_object(request: web.Request, handler):
        scoped = RequestScoped()
        held.append(weakref.ref(scoped))
        return await handler(request)

    app = make_app()
    app.middlewares.append(holds_a_request_scoped_object)
    client = await aiohttp_client(app)
    live = await Live.open(client)
    channel = media_channel()
    await live.subscribe(channel)

    # Given a socket that is open and served, when the garbage is collected,
    gc.collect()

    # then what its request's middleware held is gone,
    assert len(held) == 1 and held[0]() is None
    # and the socket still receives what is published.
    published = await publish(redis, settings, channel, {"likes": 1})
    assert (await live.expect("publication"))["offset"] == published.offset


async def test_a_websocket_upgrade_carries_no_page_policy(client) -> None:
    # A raw upgrade, to read the 101's own headers: they stay in memory with the socket.
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /ws HTTP/1.1\r\nHost: {client.server.host}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)).decode().lower()
    writer.close()
    assert head.startswith("http/1.1 101")
    assert "content-security-policy" not in head
    # Pages keep it.
    page = await client.get("/")
    assert "Content-Security-Policy" in page.headers
