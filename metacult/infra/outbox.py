"""The outbox relay: moves committed events to Dramatiq and sees them processed.

Every web node runs one; ``FOR UPDATE SKIP LOCKED`` lets them share the table.
When the broker cannot be reached the batch rolls back and waits, so nothing
committed is ever lost; a wake-up from ``pg_notify`` keeps the usual delay short.

Delivery is end to end: a message handed to the broker can still be lost there (an
empty Redis restart, a worker killed before it acknowledged), so an event leaves the
outbox's responsibility only when every consumer subscribed to it has recorded its
processed-event claim (:func:`metacult.infra.events.claim`). The sweep re-sends an event
to the consumers whose claim is missing ``resend_after`` seconds after it was sent, then
after twice that, and so on, up to ``MAX_RESENDS`` times; then it gives up and logs an
error. Consumers are idempotent by
event id, so a re-send that crosses a slow first delivery changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime

import asyncpg

from metacult.infra.events import OUTBOX_CHANNEL, Event

log = logging.getLogger("metacult.outbox")

Dispatch = Callable[[Sequence[Event]], None]
# The processed-event claim names of the consumers subscribed to an event type.
Consumers = Callable[[str], Collection[str]]
# Send one event again, to the named consumers only.
Resend = Callable[[Event, Collection[str]], None]
# Told, for each event sent, the seconds from its commit to its hand-off to the broker.
Observe = Callable[[float], None]

BATCH = 200
IDLE_WAIT = 1.0
MAX_BACKOFF = 10.0
SWEEP_EVERY = 5.0
MAX_RESENDS = 10
# Each re-send waits twice as long as the one before (up to 64 × ``resend_after``), so a
# consumer that keeps failing is not flooded, and the last one comes hours later.
MAX_DOUBLINGS = 6

_UNSENT = """
SELECT id, type, version, data, occurred_at FROM outbox
WHERE sent_at IS NULL
ORDER BY occurred_at
LIMIT $1
FOR UPDATE SKIP LOCKED
"""

_UNDELIVERED = """
SELECT id, type, version, data, occurred_at, resends FROM outbox
WHERE sent_at IS NOT NULL AND delivered_at IS NULL AND gave_up_at IS NULL
  AND sent_at < now() - make_interval(secs => $1 * power(2, least(resends, $3)))
ORDER BY sent_at
LIMIT $2
FOR UPDATE SKIP LOCKED
"""

_CLAIMS = "SELECT consumer, event_id FROM processed_events WHERE event_id = ANY($1::uuid[])"


def _event(row: asyncpg.Record) -> Event:
    return Event(
        type=row["type"],
        data=row["data"],
        version=row["version"],
        id=row["id"],
        occurred_at=row["occurred_at"],
    )


async def relay_once(
    pool: asyncpg.Pool,
    dispatch: Dispatch,
    *,
    consumers: Consumers | None = None,
    observe: Observe | None = None,
) -> int:
    """Send one batch of unsent events; return how many were sent. Raises if dispatch fails.

    With ``consumers``, an event no consumer tracks is delivered once sent; the others
    wait for their consumers' claims (see :func:`sweep_once`).
    """
    failure: Exception | None = None
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(_UNSENT, BATCH)
        if not rows:
            return 0
        events = [_event(row) for row in rows]
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
            if observe is not None:
                # ``occurred_at`` is stamped in the emitting transaction, just before commit.
                now = datetime.now(UTC)
                for event in events:
                    observe(max(0.0, (now - event.occurred_at).total_seconds()))
            if consumers is not None:
                untracked = [event.id for event in events if not consumers(event.type)]
                await conn.execute(
                    "UPDATE outbox SET delivered_at = sent_at WHERE id = ANY($1::uuid[])",
                    untracked,
                )
    if failure is not None:
        raise failure
    return len(events)


async def sweep_once(
    pool: asyncpg.Pool, consumers: Consumers, resend: Resend, *, resend_after: float
) -> int:
    """Settle one batch of events sent more than ``resend_after`` s ago (doubled with each
    re-send) and not yet seen processed: delivered when every consumer claimed it, else
    re-sent to those missing (or given up after ``MAX_RESENDS``). Returns how many rows it
    looked at."""
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(_UNDELIVERED, resend_after, BATCH, MAX_DOUBLINGS)
        if not rows:
            return 0
        claimed: dict[uuid.UUID, set[str]] = {row["id"]: set() for row in rows}
        for claim in await conn.fetch(_CLAIMS, list(claimed)):
            claimed[claim["event_id"]].add(claim["consumer"])
        delivered, gave_up, again = [], [], []
        for row in rows:
            missing = set(consumers(row["type"])) - claimed[row["id"]]
            if not missing:
                delivered.append(row["id"])
            elif row["resends"] >= MAX_RESENDS:
                gave_up.append(row["id"])
                log.error(
                    "event never processed; gave up re-sending it",
                    extra={
                        "event_id": str(row["id"]),
                        "type": row["type"],
                        "missing": sorted(missing),
                    },
                )
            else:
                again.append((_event(row), missing))
        if again:
            # Raises when the broker is down: the transaction rolls back, nothing changes.
            await asyncio.to_thread(_resend_all, resend, again)
            await conn.execute(
                "UPDATE outbox SET sent_at = now(), resends = resends + 1 "
                "WHERE id = ANY($1::uuid[])",
                [event.id for event, _ in again],
            )
            log.warning(
                "events re-sent to consumers that had not processed them",
                extra={"count": len(again)},
            )
        await conn.execute(
            "UPDATE outbox SET delivered_at = now() WHERE id = ANY($1::uuid[])", delivered
        )
        await conn.execute(
            "UPDATE outbox SET gave_up_at = now() WHERE id = ANY($1::uuid[])", gave_up
        )
    return len(rows)


def _resend_all(resend: Resend, again: list[tuple[Event, set[str]]]) -> None:
    for event, missing in again:
        resend(event, missing)


async def run_relay(
    pool: asyncpg.Pool,
    dsn: str,
    dispatch: Dispatch,
    *,
    consumers: Consumers | None = None,
    resend: Resend | None = None,
    resend_after: float = 30.0,
    connect_timeout: float = 2.0,
    observe: Observe | None = None,
) -> None:
    """Relay forever: on every commit notice, and at least once a second; with
    ``consumers`` and ``resend``, sweep unprocessed events every ``SWEEP_EVERY`` s."""
    wake = asyncio.Event()
    listener: asyncpg.Connection | None = None
    backoff = 0.5
    loop = asyncio.get_running_loop()
    next_sweep = loop.time() + SWEEP_EVERY
    try:
        while True:
            if listener is None or listener.is_closed():
                listener = await _listen(dsn, wake, connect_timeout)
            try:
                while (
                    await relay_once(pool, dispatch, consumers=consumers, observe=observe) == BATCH
                ):
                    pass
                if consumers is not None and resend is not None and loop.time() >= next_sweep:
                    while (
                        await sweep_once(pool, consumers, resend, resend_after=resend_after)
                        == BATCH
                    ):
                        pass
                    next_sweep = loop.time() + SWEEP_EVERY
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


async def _listen(
    dsn: str, wake: asyncio.Event, connect_timeout: float
) -> asyncpg.Connection | None:
    try:
        conn = await asyncpg.connect(dsn, timeout=connect_timeout)
        await conn.add_listener(OUTBOX_CHANNEL, lambda *_: wake.set())
        return conn
    except (OSError, asyncpg.PostgresError) as exc:
        log.warning("outbox listener unavailable; polling", extra={"error": repr(exc)})
        return None
