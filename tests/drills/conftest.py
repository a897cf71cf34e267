"""Drills: real processes, and a Redis and a database of their own, broken on purpose."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import pytest_asyncio

from metacult.infra.db import create_pool
from metacult.infra.migrations import migrate
from tests import random_refs
from tests.conftest import ADMIN_DSN, RUN, TEST_DSN
from tests.drills.servers import PostgresServer, RedisServer


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.kill()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the drill's own (stopped and removed at the end)."""
    directory = Path(tempfile.mkdtemp(prefix="metacult-drill-pg-"))
    server = PostgresServer(directory).init().start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def drill_env(own_redis: RedisServer, settings) -> dict[str, str]:
    """The environment of the drill's processes: its Redis, this run's database."""
    return {
        "REDIS_URL": own_redis.url,
        "REDIS_PREFIX": f"drill-{random_refs.suffix()}",
        "DATABASE_URL": settings.database_url,
        "METACULT_ENV": "test",
    }


@pytest_asyncio.fixture(loop_scope="session")
async def own_database(settings) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    """A database of the drill's own (migrated, dropped at the end): what the drill counts
    is its own doing, not that of the tests before it. Yields its DSN and a pool on it."""
    name = f"metacult_test_{RUN}_drill_{random_refs.suffix()}"
    dsn = urlunsplit(urlsplit(TEST_DSN)._replace(path=f"/{name}"))
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await migrate(dsn)
    pool = await create_pool(settings.replace(database_url=dsn))
    try:
        yield dsn, pool
    finally:
        await pool.close()
        admin = await asyncpg.connect(ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
