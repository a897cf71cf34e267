"""Catalogue actors: imports from TMDB and IGDB, a page or one title at a time."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq

from metacult.catalog import IMPORT_REQUESTED, imports
from metacult.catalog.providers import ProviderNotFound
from workers import broker as broker
from workers.events import on_event
from workers.runtime import resources

HOUR_MS = 3600 * 1000


@on_event(IMPORT_REQUESTED)
@dramatiq.actor(max_retries=5, time_limit=30_000, max_age=24 * HOUR_MS)
async def begin_import(event: dict[str, Any]) -> None:
    """An admin asked for an import: start its first page."""
    await asyncio.to_thread(import_page.send, IMPORT_REQUESTED.payload_of(event).import_id)


@dramatiq.actor(max_retries=3, time_limit=10 * 60_000, max_age=24 * HOUR_MS)
async def import_page(import_id: int) -> None:
    """Import the next page of an import, then queue the one after, if any."""
    res = await resources()
    if await imports.import_next_page(res.db, res.redis, res.settings, import_id):
        await asyncio.to_thread(import_page.send, import_id)


@dramatiq.actor(
    max_retries=3, time_limit=2 * 60_000, max_age=24 * HOUR_MS, throws=(ProviderNotFound,)
)
async def import_title(provider: str, kind: str, external_id: int) -> None:
    """Import or refresh one title by its TMDB or IGDB id."""
    res = await resources()
    await imports.import_title(res.db, res.settings, provider, kind, external_id)
