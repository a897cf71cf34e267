"""Arranging interaction tests: titles in the catalogue, reading events and live channels."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson

from metacult.realtime.publishing import history_after
from tests import random_refs


async def new_media(db: asyncpg.Pool, kind: str = "film", genres: tuple[str, ...] = ()) -> int:
    """A fresh title in the catalogue."""
    slug = random_refs.slug(kind)
    return await db.fetchval(
        "INSERT INTO media (kind, title, slug, genres) VALUES ($1, $2, $3, $4) RETURNING id",
        kind,
        f"Title {slug}",
        slug,
        list(genres),
    )


async def events(db: asyncpg.Pool, type: str, **about: Any) -> list[dict[str, Any]]:
    """The data of the outbox events of ``type`` whose data has every ``about`` value."""
    rows = await db.fetch(
        "SELECT data FROM outbox WHERE type = $1 AND data @> $2::jsonb ORDER BY occurred_at",
        type,
        about,
    )
    return [row["data"] for row in rows]


async def published(redis: Any, settings: Any, channel: str) -> list[dict[str, Any]]:
    """The data of every publication kept in a live channel's history, oldest first."""
    history = await history_after(redis, settings, channel, 0, limit=1000)
    return [orjson.loads(entry.frame)["data"] for entry in history.entries]
