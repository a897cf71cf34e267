"""Reading what interaction tests caused: the outbox events."""

from __future__ import annotations

from typing import Any

import asyncpg


async def events(db: asyncpg.Pool, type: str, **about: Any) -> list[dict[str, Any]]:
    """The data of the outbox events of ``type`` whose data has every ``about`` value."""
    rows = await db.fetch(
        "SELECT data FROM outbox WHERE type = $1 AND data @> $2::jsonb ORDER BY occurred_at",
        type,
        about,
    )
    return [row["data"] for row in rows]
