"""A real streaming replica under ``DATABASE_REPLICA_URL``: a primary of the drill's own
(``initdb``), a standby made from it with ``pg_basebackup -R``; the read-only pages read
from the standby, what is written on the primary shows there once replayed, and /metrics
shows the replay lag while the standby's replay is held back, and 0 once it has caught up.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from metacult.infra.db import create_pool
from metacult.infra.migrations import ensure_database, migrate
from metacult.typedefs import DB_READ
from tests.drills.servers import PostgresServer
from tests.helpers import eventually
from tests.titles import new_titles


def metric(text: str, name: str) -> float | None:
    found = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(found.group(1)) if found else None


@pytest.fixture
def standby(own_postgres: PostgresServer) -> Iterator[PostgresServer]:
    """A streaming replica of ``own_postgres`` (stopped and removed at the end)."""
    directory = Path(tempfile.mkdtemp(prefix="metacult-drill-standby-"))
    server = PostgresServer(directory).init_replica_of(own_postgres).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


async def browse_names(client, q: str) -> list[str]:
    response = await client.get("/api/v1/media", params={"q": q, "limit": 5})
    assert response.status == 200, await response.text()
    return [item["title"] for item in (await response.json())["items"]]


async def test_read_only_pages_read_a_streaming_replica_and_metrics_show_its_real_lag(
    own_postgres: PostgresServer, standby: PostgresServer, aiohttp_client, make_app, settings
) -> None:
    primary_dsn = own_postgres.dsn("metacult")
    await ensure_database(primary_dsn)
    await migrate(primary_dsn)
    primary = await create_pool(settings.replace(database_url=primary_dsn))
    replica = await asyncpg.connect(standby.dsn("metacult"))
    try:
        assert await replica.fetchval("SELECT pg_is_in_recovery()") is True
        client = await aiohttp_client(
            make_app(
                database_url=primary_dsn,
                database_replica_url=standby.dsn("metacult"),
                page_cache_entries=0,
            )
        )
        read_pool = client.app[DB_READ]
        async with read_pool.acquire() as conn:
            assert await conn.fetchval("SELECT pg_is_in_recovery()") is True

        # Written on the primary, read on the standby once streamed and replayed.
        (first,) = await new_titles(primary, 1, name="Streamed")
        name = await primary.fetchval("SELECT title FROM media WHERE id = $1", first)
        assert await eventually(lambda: browse_names(client, name)) == [name]
        await eventually(lambda: replay_caught_up(read_pool))

        # Replay held back: the next title is on the primary, not yet on the page, and
        # the lag on /metrics grows with the time the standby stays behind.
        await replica.execute("SELECT pg_wal_replay_pause()")
        (held,) = await new_titles(primary, 1, name="Held")
        held_name = await primary.fetchval("SELECT title FROM media WHERE id = $1", held)
        await eventually(lambda: received_not_replayed(replica))
        await asyncio.sleep(1.5)
        assert await browse_names(client, held_name) == []
        lag = await read_pool.measure_lag()
        assert lag is not None and lag >= 1.0, lag
        text = await (await client.get("/metrics")).text()
        assert metric(text, "metacult_database_replica_up") == 1.0
        assert metric(text, "metacult_database_replica_lag_seconds") >= 1.0

        # Replay resumed: the page catches up and the lag falls back to 0.
        await replica.execute("SELECT pg_wal_replay_resume()")
        assert await eventually(lambda: browse_names(client, held_name)) == [held_name]
        await eventually(lambda: replay_caught_up(read_pool))
        text = await (await client.get("/metrics")).text()
        assert metric(text, "metacult_database_replica_lag_seconds") == 0.0
        assert read_pool.fallbacks == 0
    finally:
        await replica.close()
        await primary.close()


async def replay_caught_up(read_pool) -> bool:
    return await read_pool.measure_lag() == 0.0


async def received_not_replayed(replica: asyncpg.Connection) -> bool:
    return await replica.fetchval("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()")
