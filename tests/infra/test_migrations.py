"""Migrations apply in order, once each, even when several nodes start together."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from metacult.infra.migrations import discover, dsn_for, migrate
from tests.conftest import ADMIN_DSN


async def test_two_nodes_migrating_at_once_apply_each_file_once() -> None:
    name = f"metacult_mig_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = dsn_for(ADMIN_DSN, name)
    try:
        first, second = await asyncio.gather(migrate(dsn), migrate(dsn))
        every = [m.version for m in discover()]
        assert sorted(first + second) == every
        conn = await asyncpg.connect(dsn)
        try:
            recorded = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
        finally:
            await conn.close()
        assert [row["version"] for row in recorded] == every
        assert await migrate(dsn) == []
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
