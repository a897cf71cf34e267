"""Small tools the tests share."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp

T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T]], *, within: float = 15.0) -> T:
    """Await ``check`` until it returns something truthy; fail with its last answer otherwise.

    Asynchronous work (actors, relays) finishes "soon": this waits for the outcome,
    it does not assert how long it took.
    """
    deadline = time.monotonic() + within
    last: T | None = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not met; last answer: {last!r}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    """A ``python -m metacult serve`` process and the port it listens on."""

    process: asyncio.subprocess.Process
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.asynccontextmanager
async def serve_process(
    *, output: int = asyncio.subprocess.DEVNULL, **env: str
) -> AsyncIterator[ServerProcess]:
    """Start the real server on a free port with ``env`` added, and wait until ``/readyz``
    answers 200; ``output`` receives its stdout and stderr. Stopped (SIGTERM, then SIGKILL
    after 10 s) if still running at the end."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "metacult",
        "serve",
        env={**os.environ, "PORT": str(port), "HOST": "127.0.0.1", **env},
        stdout=output,
        stderr=output,
    )
    server = ServerProcess(process, port)
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{server.url}/readyz") as response:
                        return response.status == 200
                return False

            assert await eventually(ready, within=30)
        yield server
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


def redis_address(redis_url: str) -> tuple[str, int]:
    """The host and port of the Redis that ``redis_url`` names (the configured one)."""
    parts = urlsplit(redis_url)
    return parts.hostname or "127.0.0.1", parts.port or 6379


def redis_url_via(redis_url: str, port: int) -> str:
    """``redis_url`` (its database, credentials and options) reached on 127.0.0.1:``port``
    instead, such as a TCP proxy in front of it."""
    parts = urlsplit(redis_url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))
