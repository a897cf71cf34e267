"""Catalogue actors: imports from TMDB and IGDB, a page or one title at a time."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq

from metacult.catalog import IMPORT_REQUESTED, imports
from metacult.catalog.providers import ProviderNotFound
from metacult.infra import pagecache
from metacult.infra.events import claim
from workers import broker as broker
from workers.events import on_event
from workers.runtime import resources

HOUR_MS = 3600 * 1000


@on_event(IMPORT_REQUESTED)
@dramatiq.actor(max_retries=5, time_limit=30_000, max_age=24 * HOUR_MS)
async def begin_import(event: dict[str, Any]) -> None:
    """An admin asked for an import: start its first page (once per event)."""
    res = await resources()
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "catalog.begin_import", event["id"]):
            return
        # Sent before commit: a broker failure rolls the claim back and the retry sends.
        await asyncio.to_thread(import_page.send, IMPORT_REQUESTED.payload_of(event).import_id)


@dramatiq.actor(max_retries=3, time_limit=10 * 60_000, max_age=24 * HOUR_MS)
async def import_page(import_id: int) -> None:
    """Import the next page of an import, then queue the one after, if any."""
    res = await resources()
    more = await imports.import_next_page(res.db, res.redis, res.settings, import_id)
    # The page's titles are committed: every page that shows a title's facts is renewed.
    await pagecache.bump(res.redis, res.settings, [pagecache.CATALOG])
    if more:
        await asyncio.to_thread(import_page.send, import_id)


@dramatiq.actor(
    max_retries=3, time_limit=2 * 60_000, max_age=24 * HOUR_MS, throws=(ProviderNotFound,)
)
async def import_title(provider: str, kind: str, external_id: int) -> None:
    """Import or refresh one title by its TMDB or IGDB id."""
    res = await resources()
    saved = await imports.import_title(res.db, res.settings, provider, kind, external_id)
    if saved.outcome != "unchanged":
        await pagecache.bump(res.redis, res.settings, [pagecache.CATALOG])
