"""The asyncpg pool: JSON columns speak orjson, connections are borrowed briefly."""

from __future__ import annotations

import asyncpg
import orjson

from metacult.config import Settings


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(
            kind,
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
            schema="pg_catalog",
        )


async def create_pool(settings: Settings, *, min_size: int | None = None) -> asyncpg.Pool:
    """Open a pool on ``settings.database_url``; the caller closes it."""
    return await asyncpg.create_pool(
        settings.database_url,
        min_size=settings.db_pool_min if min_size is None else min_size,
        max_size=settings.db_pool_max,
        init=_init_connection,
        command_timeout=60,
    )
