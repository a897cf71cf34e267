"""Graceful shutdown: readiness turns 503, live connections close with 1001, the process exits."""

from __future__ import annotations

import asyncio
import signal
import time

import aiohttp
import pytest

from tests.helpers import serve_process
from tests.realtime.live import Live, media_channel


async def test_shutdown_turns_readiness_off_and_closes_websockets_going_away(
    aiohttp_client, make_app
) -> None:
    app = make_app()
    client = await aiohttp_client(app)
    live = await Live.open(client)
    await live.subscribe(media_channel())
    stream = await client.get("/api/v1/stream", params={"channels": media_channel()})
    channel = media_channel()
    start = await (await client.get("/api/v1/events", params={"channels": channel})).json()
    polling = asyncio.create_task(
        client.get("/api/v1/events", params={"channels": channel, "since": start["cursor"]})
    )
    await asyncio.sleep(0.2)

    await app.shutdown()

    assert await live.closed() == 1001
    assert await asyncio.wait_for(stream.content.read(), 15) is not None
    answered = await asyncio.wait_for(polling, 15)  # not after its 25 s
    assert (await answered.json())["publications"] == []
    ready = await client.get("/readyz")
    assert ready.status == 503
    assert (await ready.json())["checks"]["accepting"] is False
    refused = await client.get("/api/v1/events", params={"channels": media_channel()})
    assert refused.status == 503


@pytest.mark.slow
async def test_the_server_process_closes_websockets_and_exits_within_five_seconds() -> None:
    async with serve_process() as server, aiohttp.ClientSession() as http:
        clients = [Live(await http.ws_connect(f"{server.url}/ws")) for _ in range(3)]
        for live in clients:
            assert (await live.subscribe(media_channel()))["type"] == "subscribed"

        server.process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        codes = [await live.closed() for live in clients]
        assert await asyncio.wait_for(server.process.wait(), 15) == 0
        stopped_in = time.monotonic() - started
    assert codes == [1001, 1001, 1001]
    assert stopped_in < 5, f"the process took {stopped_in:.1f} s to exit"
