"""Lookups made in one turn of the event loop, answered by one call (one round trip).

Under load many requests need the same kind of small read at about the same moment — a
signed-in title page needs its viewer's marks — and each round trip to PostgreSQL costs a
pool checkout, a ``send()`` to the server and its wake-up, more than the lookup itself.
``Batched`` gathers the keys asked for while the loop runs the callbacks that are ready,
and answers them all with one ``fetch`` on the next turn: one query per turn instead of
one per request. A quiet server sees batches of one, answered one turn later.

What a read promises is unchanged: every key is fetched after it was asked for, so a
lookup started after a commit sees it (the batch's query starts later still).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# The most keys one call is given: a larger turn is split into several calls.
MOST = 256


class Batched(Generic[K, V]):
    """``load(key)`` now, answered with the other keys of this turn by one ``fetch``.

    ``fetch`` receives distinct keys and returns a value for each (a key it leaves out
    fails its callers with ``KeyError``); if it raises, every caller of that batch gets the
    exception. A caller that stops waiting cancels its future; the others are unaffected.
    """

    def __init__(self, fetch: Callable[[list[K]], Awaitable[dict[K, V]]], most: int = MOST):
        self._fetch = fetch
        self._most = most
        self._pending: dict[K, list[asyncio.Future[V]]] = {}
        self._flushing: set[asyncio.Task[None]] = set()

    def load(self, key: K) -> asyncio.Future[V]:
        """The value of ``key``, fetched with the other keys asked for in this turn."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[V] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.setdefault(key, []).append(future)
        return future

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        keys = list(pending)
        for start in range(0, len(keys), self._most):
            batch = {key: pending[key] for key in keys[start : start + self._most]}
            task = asyncio.ensure_future(self._answer(batch))
            self._flushing.add(task)
            task.add_done_callback(self._flushing.discard)

    async def _answer(self, batch: dict[K, list[asyncio.Future[V]]]) -> None:
        waiting = [key for key, futures in batch.items() if not all(f.done() for f in futures)]
        if not waiting:
            return
        try:
            found = await self._fetch(waiting)
        except Exception as exc:
            for key in waiting:
                for future in batch[key]:
                    if not future.done():
                        future.set_exception(exc)
            return
        except BaseException:
            # Cancelled (the process stops): nobody is left waiting forever.
            for key in waiting:
                for future in batch[key]:
                    future.cancel()
            raise
        for key in waiting:
            for future in batch[key]:
                if future.done():
                    continue
                if key in found:
                    future.set_result(found[key])
                else:
                    future.set_exception(KeyError(key))

    async def close(self) -> None:
        """Wait for the calls under way (at shutdown, before the pool closes)."""
        if self._flushing:
            await asyncio.gather(*self._flushing, return_exceptions=True)
