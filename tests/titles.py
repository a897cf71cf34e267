"""Titles in the catalogue for tests of every context, saved through catalog's public surface."""

from __future__ import annotations

from typing import Any

import asyncpg

from metacult import catalog
from tests import random_refs


async def new_titles(
    db: asyncpg.Pool,
    count: int,
    *,
    kind: str = "film",
    genres: tuple[str, ...] = (),
    platforms: tuple[str, ...] = (),
    **fields: Any,
) -> list[int]:
    """``count`` fresh titles of ``kind`` (unique names), ids ascending."""
    async with db.acquire() as conn, conn.transaction():
        ids = [
            await catalog.save_title(
                conn,
                catalog.MediaDraft(
                    kind=kind,
                    title=f"Title {random_refs.suffix()}",
                    genres=genres,
                    platforms=platforms,
                    **fields,
                ),
            )
            for _ in range(count)
        ]
    return sorted(ids)


async def new_title(db: asyncpg.Pool, kind: str = "film", **fields: Any) -> int:
    """One fresh title of ``kind``; ``title=`` names it, other fields as a provider gives them."""
    if "title" not in fields:
        return (await new_titles(db, 1, kind=kind, **fields))[0]
    async with db.acquire() as conn, conn.transaction():
        return await catalog.save_title(conn, catalog.MediaDraft(kind=kind, **fields))
