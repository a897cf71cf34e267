"""The asyncpg pool: JSON columns speak orjson, connections are borrowed briefly.

Every wait on the database is bounded by the settings: a connection opens within
``db_connect_timeout``, is borrowed within ``db_acquire_timeout`` (and given back within
it too, or closed), and a command answers within the command timeout. A database that
refuses or holds traffic therefore raises quickly instead of hanging the caller.

Read-only pages may read from a replica (:class:`ReadPool`), falling back to the primary.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterator

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from metacult.config import Settings

log = logging.getLogger("metacult.db")


class BoundedPool(asyncpg.Pool):
    """A pool whose ``acquire()`` waits at most ``acquire_timeout`` unless told otherwise.

    asyncpg's own default is to wait forever, and its ``fetch`` / ``execute`` shortcuts
    acquire without a timeout; the timeout also bounds the release of the connection.
    """

    __slots__ = ("_acquire_timeout", "_turns", "generation")

    def __init__(self, *args, acquire_timeout: float, init, max_size: int, **kwargs) -> None:
        self._acquire_timeout = acquire_timeout
        # Borrowers are served in the order they came. asyncpg's queue lets a newcomer take
        # a connection given back while a woken waiter has not run yet, and that waiter
        # then queues again at the end: under load some requests waited 0.5 s while most
        # took 10 ms. A fair semaphore with one turn per connection orders them first.
        self._turns = asyncio.Semaphore(max_size)
        # Counts the connections that ended (closed or lost): what was read through them
        # is served again (by the page cache) only while none has ended since.
        self.generation = 0

        async def prepare(conn: asyncpg.Connection) -> None:
            await init(conn)
            conn.add_termination_listener(self._connection_ended)

        super().__init__(*args, init=prepare, max_size=max_size, **kwargs)

    def _connection_ended(self, conn: asyncpg.Connection) -> None:
        self.generation += 1

    def acquire(self, *, timeout: float | None = None):
        return super().acquire(timeout=self._acquire_timeout if timeout is None else timeout)

    # asyncpg's own signatures (its acquire context calls them with ``timeout``).
    async def _acquire(self, timeout: float | None) -> PoolConnectionProxy:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            await self._turns.acquire()
        try:
            return await super()._acquire(timeout)
        except BaseException:
            self._turns.release()
            raise

    async def release(self, connection, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        foreign = (
            type(connection) is not PoolConnectionProxy or connection._holder._pool is not self
        )
        if foreign or connection._con is None:
            # Not one of ours (asyncpg refuses it), or given back already: no turn to end.
            return await super().release(connection, timeout=timeout)
        try:
            await super().release(connection, timeout=timeout)
        finally:
            self._turns.release()


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(
            kind,
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
            schema="pg_catalog",
        )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What a borrowed connection needs on its way back beyond asyncpg's rollback of an
    unfinished transaction: nothing. No code leaves session state on a pooled connection
    (advisory locks are transaction-scoped, ``SET`` is ``SET LOCAL``, LISTEN and the
    migrations' session lock use connections of their own), so asyncpg's default reset
    (``RESET ALL``, ``UNLISTEN *``, ``CLOSE ALL``, unlocking: a round trip per borrow) is
    skipped."""


async def create_pool(
    settings: Settings, *, min_size: int | None = None, command_timeout: float | None = None
) -> asyncpg.Pool:
    """Open a pool on ``settings.database_url``; the caller closes it.

    ``command_timeout`` defaults to the web's (``db_command_timeout``); workers and the
    command line pass ``db_job_command_timeout``.
    """
    pool = BoundedPool(
        settings.database_url,
        min_size=settings.db_pool_min if min_size is None else min_size,
        max_size=settings.db_pool_max,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        init=_init_connection,
        reset=_keep_session,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        acquire_timeout=settings.db_acquire_timeout,
        timeout=settings.db_connect_timeout,
        command_timeout=settings.db_command_timeout if command_timeout is None else command_timeout,
    )
    return await pool


# A replica that failed is left alone this long (seconds): reads go to the primary meanwhile,
# instead of each waiting for the replica's connect timeout.
REPLICA_RETRY_AFTER = 5.0
# How often the replica's lag is measured for /metrics (seconds).
REPLICA_LAG_EVERY = 5.0

# The replica's replay lag in seconds: 0 when it has replayed all it received (an idle
# primary writes nothing to replay), 0 on a server that is not a standby.
_REPLICA_LAG = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
END::float8
"""


class ReadPool:
    """Where read-only pages read: a replica's pool (``DATABASE_REPLICA_URL``), or the
    primary's when there is none or while the replica fails to give a connection.

    It offers what those pages use of a pool: ``acquire()`` and ``fetch*``. What they read
    may lag the primary by the replica's lag (``metacult_database_replica_lag_seconds``).
    """

    def __init__(self, primary: asyncpg.Pool, replica: asyncpg.Pool | None = None) -> None:
        self.primary = primary
        self.replica = replica
        self.lag: float | None = None  # None: not measured, or the replica did not answer
        self.fallbacks = 0
        self._replica_down_until = 0.0

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        replica = self.replica
        if replica is not None and time.monotonic() >= self._replica_down_until:
            try:
                conn = await replica.acquire()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self._replica_down_until = time.monotonic() + REPLICA_RETRY_AFTER
                self.fallbacks += 1
                log.warning(
                    "replica unavailable; reading from the primary", extra={"error": repr(exc)}
                )
            else:
                try:
                    yield conn
                finally:
                    await replica.release(conn)
                return
        async with self.primary.acquire() as conn:
            yield conn

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        async with self.acquire() as conn:
            return await conn.fetch(query, *args)

    async def fetchrow(self, query: str, *args: object) -> asyncpg.Record | None:
        async with self.acquire() as conn:
            return await conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: object) -> object:
        async with self.acquire() as conn:
            return await conn.fetchval(query, *args)

    async def measure_lag(self) -> float | None:
        """Ask the replica its replay lag (seconds); None when it does not answer."""
        if self.replica is None:
            return None
        try:
            self.lag = await self.replica.fetchval(_REPLICA_LAG)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            self.lag = None
        return self.lag

    async def watch_lag(self) -> None:
        """Measure the lag every ``REPLICA_LAG_EVERY`` seconds, until cancelled."""
        while True:
            await self.measure_lag()
            await asyncio.sleep(REPLICA_LAG_EVERY)

    async def close(self) -> None:
        if self.replica is not None:
            await self.replica.close()


async def create_read_pool(settings: Settings, primary: asyncpg.Pool) -> ReadPool:
    """The read pool over ``primary``: with a replica pool when ``DATABASE_REPLICA_URL``
    is set (opened lazily, so a replica that is down at start delays nothing)."""
    if not settings.database_replica_url:
        return ReadPool(primary)
    replica_settings = settings.replace(database_url=settings.database_replica_url)
    return ReadPool(primary, await create_pool(replica_settings, min_size=0))


class ReplicaMetrics(Collector):
    """The replica's figures on /metrics, read at scrape time (when there is a replica)."""

    def __init__(self, pool: ReadPool) -> None:
        self.pool = pool

    def collect(self) -> Iterator[Metric]:
        if self.pool.replica is None:
            return
        lag = self.pool.lag
        yield GaugeMetricFamily(
            "metacult_database_replica_up",
            "1 when the read replica answered its last lag probe.",
            value=0 if lag is None else 1,
        )
        yield GaugeMetricFamily(
            "metacult_database_replica_lag_seconds",
            "How far the read replica's replay is behind (NaN when it does not answer).",
            value=float("nan") if lag is None else lag,
        )
        yield CounterMetricFamily(
            "metacult_database_replica_fallbacks",
            "Reads sent to the primary because the replica gave no connection.",
            value=self.pool.fallbacks,
        )
