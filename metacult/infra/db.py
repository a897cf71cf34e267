"""The asyncpg pool: JSON columns speak orjson, connections are borrowed briefly.

Every wait on the database is bounded by the settings: a connection opens within
``db_connect_timeout``, is borrowed within ``db_acquire_timeout`` (and given back within
it too, or closed), and a command answers within the command timeout. A database that
refuses or holds traffic therefore raises quickly instead of hanging the caller.
"""

from __future__ import annotations

import asyncpg
import orjson

from metacult.config import Settings


class BoundedPool(asyncpg.Pool):
    """A pool whose ``acquire()`` waits at most ``acquire_timeout`` unless told otherwise.

    asyncpg's own default is to wait forever, and its ``fetch`` / ``execute`` shortcuts
    acquire without a timeout; the timeout also bounds the release of the connection.
    """

    __slots__ = ("_acquire_timeout", "generation")

    def __init__(self, *args, acquire_timeout: float, init, **kwargs) -> None:
        self._acquire_timeout = acquire_timeout
        # Counts the connections that ended (closed or lost): what was read through them
        # is served again (by the page cache) only while none has ended since.
        self.generation = 0

        async def prepare(conn: asyncpg.Connection) -> None:
            await init(conn)
            conn.add_termination_listener(self._connection_ended)

        super().__init__(*args, init=prepare, **kwargs)

    def _connection_ended(self, conn: asyncpg.Connection) -> None:
        self.generation += 1

    def acquire(self, *, timeout: float | None = None):
        return super().acquire(timeout=self._acquire_timeout if timeout is None else timeout)


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
