"""Small tools the tests share."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

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
