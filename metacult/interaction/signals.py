"""Signals (views, clicks, dwell, searches): checked one by one, appended to a Redis stream,
written to PostgreSQL in batches.

The web side only appends (``XADD``), so a burst of signals costs PostgreSQL nothing.
The writer reads the stream with a consumer group: an entry stays pending until the
batch holding it is committed, then it is acknowledged and deleted. A writer that dies
mid-batch leaves its entries pending; the next run claims them once they have been
idle for ``claim_idle_ms`` (``XAUTOCLAIM``) and writes them. Rows are keyed by the
client's event id, so an entry written twice, or sent twice by a client, is stored once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import asyncpg
import orjson
import pydantic
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from metacult.config import Settings
from metacult.infra.errors import Unavailable
from metacult.infra.redis import rkey
from metacult.interaction import store

log = logging.getLogger("metacult.interaction.signals")

MAX_BATCH = 500
GROUP = "signal-writer"
# An entry pending this long belongs to a writer that died: another one takes it over.
CLAIM_IDLE_MS = 60_000
# Consumers of writers gone this long, with nothing pending, are removed from the group.
STALE_CONSUMER_MS = 86_400_000
# How far a client clock may run ahead, and how old a buffered signal may be.
MAX_CLOCK_SKEW = timedelta(minutes=10)
MAX_AGE = timedelta(days=7)


class Signal(pydantic.BaseModel):
    """One client event. ``id`` is the client's event id (a UUID): a retry sends the same."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    id: uuid.UUID
    type: Literal["view", "click", "dwell", "search"]
    media_id: int | None = pydantic.Field(default=None, ge=1, le=2**63 - 1)
    at: datetime | None = None
    dwell_ms: int | None = pydantic.Field(default=None, ge=0, le=86_400_000)
    query: str | None = pydantic.Field(default=None, min_length=1, max_length=200)
    # Where the signal happened (``feed``, ``search``, ``media``, ...) and the rank shown.
    source: str | None = pydantic.Field(default=None, max_length=64)
    position: int | None = pydantic.Field(default=None, ge=0, le=10_000)

    @pydantic.model_validator(mode="after")
    def _fields_of_type(self) -> Signal:
        if self.type in ("view", "click", "dwell") and self.media_id is None:
            raise ValueError(f"a {self.type} needs media_id")
        if self.type == "dwell" and self.dwell_ms is None:
            raise ValueError("a dwell needs dwell_ms")
        if self.type == "search" and self.query is None:
            raise ValueError("a search needs query")
        for name in ("query", "source"):
            if "\x00" in (getattr(self, name) or ""):
                raise ValueError(f"{name} must not contain NUL characters")
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("at needs a time zone (ISO 8601 with Z or an offset)")
        return self


def check(raw: Any, now: datetime) -> tuple[Signal | None, str | None]:
    """The signal in ``raw``, or the reason it is refused."""
    try:
        signal = Signal.model_validate(raw)
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        return None, f"{where}: {first['msg']}" if where else first["msg"]
    if signal.at is not None and signal.at > now + MAX_CLOCK_SKEW:
        return None, "at: in the future"
    if signal.at is not None and signal.at < now - MAX_AGE:
        return None, "at: older than 7 days"
    return signal, None


def claimed_id(raw: Any) -> uuid.UUID | None:
    """The id a refused event claims, when it has a readable one (to echo it back)."""
    try:
        return uuid.UUID(str(raw["id"]))
    except (TypeError, KeyError, ValueError, AttributeError):
        return None


def stream_key(settings: Settings) -> str:
    return rkey(settings, "interaction", "signals")


# Accepted signals are also counted per second (one small key each, kept a short while),
# for the admin dashboard's signals per second over the last RATE_WINDOW_S seconds.
RATE_WINDOW_S = 5


def rate_key(settings: Settings, second: int) -> str:
    return rkey(settings, "interaction", "signals-per-second", str(second))


async def per_second(redis: Redis, settings: Settings, now: datetime) -> float:
    """Accepted signals per second over the last ``RATE_WINDOW_S`` whole seconds."""
    this_second = int(now.timestamp())
    keys = [rate_key(settings, this_second - back) for back in range(1, RATE_WINDOW_S + 1)]
    counts = await redis.mget(keys)
    return sum(int(count or 0) for count in counts) / RATE_WINDOW_S


async def append(
    redis: Redis, settings: Settings, signals: list[Signal], user_id: int | None, now: datetime
) -> None:
    """Append accepted signals to the stream in one round trip (503 when Redis is down)."""
    if not signals:
        return
    key = stream_key(settings)
    received = now.isoformat()
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for signal in signals:
                entry = {
                    "id": str(signal.id),
                    "type": signal.type,
                    "user_id": user_id,
                    "media_id": signal.media_id,
                    "data": signal.model_dump(
                        include={"dwell_ms", "query", "source", "position"}, exclude_none=True
                    ),
                    "at": (signal.at or now).isoformat(),
                    "received_at": received,
                }
                pipe.xadd(key, {"e": orjson.dumps(entry)})
            second = rate_key(settings, int(now.timestamp()))
            pipe.incrby(second, len(signals))
            pipe.expire(second, RATE_WINDOW_S * 2)
            await pipe.execute()
    except RedisError as exc:
        raise Unavailable("Signals cannot be recorded right now; send them again.") from exc


async def ensure_group(redis: Redis, settings: Settings) -> None:
    try:
        await redis.xgroup_create(stream_key(settings), GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def read_batch(
    redis: Redis, settings: Settings, consumer: str, *, claim_idle_ms: int, count: int
) -> list[tuple[bytes, dict[bytes, bytes]]]:
    """Entries abandoned by dead writers first, then new ones; all pending on ``consumer``."""
    key = stream_key(settings)
    claimed = await redis.xautoclaim(key, GROUP, consumer, claim_idle_ms, "0-0", count=count)
    entries = list(claimed[1])
    if len(entries) < count:
        fresh = await redis.xreadgroup(GROUP, consumer, {key: ">"}, count=count - len(entries))
        for _, stream_entries in fresh or []:
            entries.extend(stream_entries)
    return [(entry_id, fields) for entry_id, fields in entries if fields]


def entry_row(fields: dict[bytes, bytes]) -> tuple[Any, ...]:
    entry = orjson.loads(fields[b"e"])
    return (
        uuid.UUID(entry["id"]),
        entry["type"],
        entry["user_id"],
        entry["media_id"],
        entry["data"],
        datetime.fromisoformat(entry["at"]),
        datetime.fromisoformat(entry["received_at"]),
    )


async def write_batches(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    consumer: str,
    *,
    claim_idle_ms: int = CLAIM_IDLE_MS,
    batch: int = MAX_BATCH,
    max_batches: int = 50,
) -> int:
    """Move signals from the stream to PostgreSQL until it is drained (or ``max_batches``).

    Returns how many new rows were written. Each batch is acknowledged only after its
    insert committed, so a crash in between leaves it pending for the next run.
    """
    await ensure_group(redis, settings)
    key = stream_key(settings)
    written = 0
    for _ in range(max_batches):
        entries = await read_batch(
            redis, settings, consumer, claim_idle_ms=claim_idle_ms, count=batch
        )
        if not entries:
            break
        rows, ids = [], []
        for entry_id, fields in entries:
            ids.append(entry_id)
            try:
                rows.append(entry_row(fields))
            except (KeyError, ValueError, TypeError):
                log.error("unreadable signal entry dropped", extra={"entry": entry_id.decode()})
        written += await _insert(db, rows)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.xack(key, GROUP, *ids)
            pipe.xdel(key, *ids)
            await pipe.execute()
    await _forget_gone_writers(redis, key, consumer)
    return written


async def _insert(db: asyncpg.Pool, rows: list[tuple[Any, ...]]) -> int:
    """Insert a batch; should PostgreSQL refuse it for its data, insert the rows one by one
    and drop (and log) those it refuses, so that one bad entry cannot block the stream."""
    try:
        async with db.acquire() as conn, conn.transaction():
            return await store.insert_signals(conn, rows)
    except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError):
        pass
    written = 0
    async with db.acquire() as conn:
        for row in rows:
            try:
                async with conn.transaction():
                    written += await store.insert_signals(conn, [row])
            except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as exc:
                log.error("signal refused by PostgreSQL, dropped", extra={"error": repr(exc)})
    return written


async def _forget_gone_writers(redis: Redis, key: str, me: str) -> None:
    """Every restarted worker is a new consumer: drop the old names once they hold nothing."""
    for info in await redis.xinfo_consumers(key, GROUP):
        name = info["name"].decode() if isinstance(info["name"], bytes) else info["name"]
        if name != me and info["pending"] == 0 and info["idle"] > STALE_CONSUMER_MS:
            await redis.xgroup_delconsumer(key, GROUP, name)


def now() -> datetime:
    return datetime.now(UTC)
