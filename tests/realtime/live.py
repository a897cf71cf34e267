"""A websocket client speaking the hub's protocol, for the realtime tests."""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import socket
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from tests.random_refs import suffix

WAIT = 15.0


def media_channel() -> str:
    return f"media:{int(suffix(), 16) % 10**12 + 1}"


def leaderboard_channel() -> str:
    return f"leaderboard:genre:{suffix()}"


class Live:
    """One websocket connection; frames not yet asked for wait in ``pending``."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.pending: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    @classmethod
    async def open(cls, client: TestClient, path: str = "/ws", **options: Any) -> Live:
        return cls(await client.ws_connect(path, **options))

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send_json(frame)

    async def receive(self, *, within: float = WAIT) -> dict[str, Any]:
        if self.pending:
            return self.pending.pop(0)
        message = await self.ws.receive(timeout=within)
        if message.type != aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"connection ended: {message!r}")
        return message.json()

    async def expect(self, kind: str, *, within: float = WAIT, **fields: Any) -> dict[str, Any]:
        """The next frame of type ``kind`` (and these fields); others are kept for later."""
        skipped = []
        try:
            while True:
                frame = await self.receive(within=within)
                if frame["type"] == kind and all(frame.get(k) == v for k, v in fields.items()):
                    return frame
                if frame["type"] != "ping":
                    skipped.append(frame)
        finally:
            self.pending[:0] = skipped

    async def subscribe(self, channel: str, since: dict[str, Any] | None = None) -> dict[str, Any]:
        """Subscribe and return the ``subscribed`` or ``error`` reply."""
        frame_id = next(self._ids)
        frame: dict[str, Any] = {"type": "subscribe", "id": frame_id, "channel": channel}
        if since is not None:
            frame["since"] = since
        await self.send(frame)
        while True:
            reply = await self.receive()
            if reply.get("id") == frame_id and reply["type"] in ("subscribed", "error"):
                return reply
            self.pending.append(reply)

    async def publications(self, count: int, channel: str | None = None) -> list[dict[str, Any]]:
        found = []
        while len(found) < count:
            frame = await self.expect("publication", **({"channel": channel} if channel else {}))
            found.append(frame)
        return found

    async def closed(self, *, within: float = WAIT) -> int | None:
        """Read until the server closes the connection; its close code."""
        while True:
            message = await self.ws.receive(timeout=within)
            if message.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.ERROR,
            ):
                if message.type is aiohttp.WSMsgType.CLOSE:
                    return message.data
                return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()


async def never_reading_client(
    port: int, channel: str, headers: dict[str, str] | None = None
) -> socket.socket:
    """A websocket client with a tiny receive buffer that subscribes and then never reads."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    handshake = (
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"{extra}\r\n"
    )
    await loop.sock_sendall(sock, handshake.encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += await loop.sock_recv(sock, 1)
    assert response.startswith(b"HTTP/1.1 101"), response
    payload = b'{"type":"subscribe","channel":"' + channel.encode() + b'"}'
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    await loop.sock_sendall(sock, bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    return sock
