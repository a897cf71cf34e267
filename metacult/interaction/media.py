"""What interaction needs from the catalogue: does a title exist, and what kind is it."""

from __future__ import annotations

import asyncpg

from metacult import catalog


async def media_kind(conn: asyncpg.Connection, media_id: int) -> str:
    """The kind of a title (``game``, ``film``, ``series``); 404 when there is no such title."""
    kind = await catalog.media_exists(conn, media_id)
    if kind is None:
        raise catalog.MediaNotFound()
    return kind
