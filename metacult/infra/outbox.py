"""The outbox relay: moves committed events to Dramatiq and marks them sent.

Every web node runs one; ``FOR UPDATE SKIP LOCKED`` lets them share the table.
When the broker cannot be reached the batch rolls back and waits, so nothing
committed is ever lost; a wake-up from ``pg_notify`` keeps the usual delay short.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

import asyncpg

from metacult.infra.events import OUTBOX_CHANNEL, Event

log = logging.getLogger("metacult.outbox")

Dispatch = Callable[[Sequence[Event]], None]

BATCH = 200
IDLE_WAIT = 1.0
MAX_BACKOFF = 10.0

_UNSENT = """
SELECT id, type, version, data, occurred_at FROM outbox
WHERE sent_at IS NULL
ORDER BY occurred_at
LIMIT $1
FOR UPDATE SKIP LOCKED
"""


async def relay_once(pool: asyncpg.Pool, dispatch: Dispatch) -> int:
    """Send one batch of unsent events; return how many were sent. Raises if dispatch fails."""
    failure: Exception | None = None
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(_UNSENT, BATCH)
        if not rows:
            return 0
        events = [
            Event(
                type=row["type"],
                data=row["data"],
                version=row["version"],
                id=row["id"],
                occurred_at=row["occurred_at"],
            )
            for row in rows
        ]
        ids = [event.id for event in events]
        try:
            # Dramatiq's broker client is synchronous: keep it off the event loop.
            await asyncio.to_thread(dispatch, events)
        except Exception as exc:
            failure = exc
            await conn.execute(
                "UPDATE outbox SET attempts = attempts + 1 WHERE id = ANY($1::uuid[])", ids
            )
        else:
            await conn.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY($1::uuid[])", ids)
    if failure is not None:
        raise failure
    return len(events)


async def run_relay(pool: asyncpg.Pool, dsn: str, dispatch: Dispatch) -> None:
    """Relay forever: on every commit notice, and at least once a second."""
    wake = asyncio.Event()
    listener: asyncpg.Connection | None = None
    backoff = 0.5
    try:
        while True:
            if listener is None or listener.is_closed():
                listener = await _listen(dsn, wake)
            try:
                while await relay_once(pool, dispatch) == BATCH:
                    pass
                backoff = 0.5
            except Exception as exc:
                # Broker or database unreachable: the batch rolled back and waits.
                log.warning("outbox relay failed; will retry", extra={"error": repr(exc)})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            # asyncio.timeout, not wait_for: on Python 3.11 a cancel that lands as wait_for
            # times out is lost, and the relay then never stops (seen as hung shutdowns).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(IDLE_WAIT):
                    await wake.wait()
            wake.clear()
    finally:
        if listener is not None and not listener.is_closed():
            await listener.close()


async def _listen(dsn: str, wake: asyncio.Event) -> asyncpg.Connection | None:
    try:
        conn = await asyncpg.connect(dsn)
        await conn.add_listener(OUTBOX_CHANNEL, lambda *_: wake.set())
        return conn
    except (OSError, asyncpg.PostgresError) as exc:
        log.warning("outbox listener unavailable; polling", extra={"error": repr(exc)})
        return None
