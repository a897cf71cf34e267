"""Imports from TMDB and IGDB: requested by an admin, run by a worker, watched live.

An admin's request writes a ``catalog_imports`` row and a ``catalog.import_requested``
event in one transaction; the workers take it from there, one ``import_page`` message
per page, each title in its own transaction (``service.save_draft``: upserts by provider
id, so importing twice changes nothing). After every page the import's counters are
published on ``admin:dashboard`` as ``{"type": "catalog.import", "import": {...}}``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError

from metacult.catalog import episodes, igdb, service, store, tmdb
from metacult.catalog.events import IMPORT_REQUESTED, ImportPayload
from metacult.catalog.model import CatalogImport, MediaDraft
from metacult.catalog.providers import ProviderClient, ProviderError, ProviderNotFound
from metacult.config import Settings
from metacult.infra.errors import NotFound
from metacult.infra.events import emit

log = logging.getLogger("metacult.catalog.imports")

DASHBOARD = "admin:dashboard"

ClientFactory = Callable[[str, Settings], ProviderClient]


class ImportNotFound(NotFound):
    """No such import."""

    code = "import_not_found"


def provider_client(provider: str, settings: Settings) -> ProviderClient:
    """The client of a provider, configured from the settings."""
    return tmdb.TmdbClient(settings) if provider == "tmdb" else igdb.IgdbClient(settings)


async def request_import(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    *,
    provider: str,
    kind: str,
    first_page: int,
    pages: int,
    requested_by: int | None,
) -> CatalogImport:
    """Record an import and hand it to the workers (through the outbox)."""
    async with db.acquire() as conn, conn.transaction():
        row = await store.create_import(conn, provider, kind, first_page, pages, requested_by)
        await emit(
            conn,
            IMPORT_REQUESTED,
            ImportPayload(import_id=row["id"], provider=provider, kind=kind),
        )
    await announce(redis, settings, row)
    return CatalogImport.from_row(row)


async def get(db: asyncpg.Pool, import_id: int) -> CatalogImport:
    row = await store.get_import(db, import_id)
    if row is None:
        raise ImportNotFound()
    return CatalogImport.from_row(row)


async def recent(db: asyncpg.Pool, limit: int = 20) -> list[CatalogImport]:
    return [CatalogImport.from_row(row) for row in await store.recent_imports(db, limit)]


async def import_next_page(
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    import_id: int,
    *,
    client_factory: ClientFactory = provider_client,
) -> bool:
    """Import the next page of an import; True while pages remain after it.

    Pages are recorded in order, once each: a redelivered message redoes at most the
    page in progress (its titles then come back unchanged).
    """
    row = await store.start_import(db, import_id)
    if row is None:
        return False
    if row["pages_done"] < row["pages"]:
        page = row["first_page"] + row["pages_done"]
        try:
            async with client_factory(row["provider"], settings) as client:
                source = await _Source.open(client, row["provider"], row["kind"], db)
                counts = await _import_page(db, source, page)
        except ProviderError as exc:
            log.warning("import failed", extra={"import_id": import_id, "error": str(exc)})
            row = await store.finish_import(db, import_id, "failed", str(exc)[:500])
            await announce(redis, settings, row)
            return False
        recorded = await store.record_page(db, import_id, page, counts)
        if recorded is None:
            # Another delivery of this message recorded the page first: it carries on.
            return False
        row = recorded
    if row["pages_done"] < row["pages"]:
        await announce(redis, settings, row)
        return True
    row = await store.finish_import(db, import_id, "finished", None)
    await announce(redis, settings, row)
    return False


async def import_title(
    db: asyncpg.Pool,
    settings: Settings,
    provider: str,
    kind: str,
    external_id: int,
    *,
    client_factory: ClientFactory = provider_client,
) -> service.Saved:
    """Import (or refresh) one title by its provider id."""
    async with client_factory(provider, settings) as client:
        source = await _Source.open(client, provider, kind, db)
        draft = await source.one(external_id)
        seasons = await source.seasons(external_id)
    async with db.acquire() as conn, conn.transaction():
        saved = await service.save_draft(conn, draft)
        await episodes.save_seasons(conn, saved.media_id, seasons)
        return saved


async def import_by_imdb_id(
    db: asyncpg.Pool,
    settings: Settings,
    kind: str,
    imdb_id: str,
    *,
    client_factory: ClientFactory = provider_client,
) -> service.Saved | None:
    """Import (or refresh) the film or series TMDB knows by this IMDb id; None when it
    knows none."""
    async with client_factory("tmdb", settings) as client:
        assert isinstance(client, tmdb.TmdbClient)
        tmdb_id = await client.find_imdb(kind, imdb_id)
    if tmdb_id is None:
        return None
    return await import_title(db, settings, "tmdb", kind, tmdb_id, client_factory=client_factory)


class _Source:
    """One provider for one kind, ready to list pages and fetch titles as drafts."""

    def __init__(self, client: ProviderClient, provider: str, kind: str) -> None:
        self.client = client
        self.provider = provider
        self.kind = kind
        self.image_base = ""
        # TMDB series answers by id, kept for their season list.
        self.series_details: dict[int, dict[str, Any]] = {}

    @classmethod
    async def open(
        cls, client: ProviderClient, provider: str, kind: str, db: asyncpg.Pool
    ) -> _Source:
        source = cls(client, provider, kind)
        if isinstance(client, tmdb.TmdbClient):
            source.image_base = await client.image_base()
            vocabulary = tmdb.genre_vocabulary(kind, await client.genres(kind))
            await store.add_genres(db, kind, vocabulary)
        return source

    async def page(self, page: int) -> list[Any]:
        """The external ids (TMDB) or whole games (IGDB) of one page."""
        if isinstance(self.client, tmdb.TmdbClient):
            return [item["id"] for item in await self.client.discover(self.kind, page)]
        assert isinstance(self.client, igdb.IgdbClient)
        return await self.client.popular_games(page)

    async def draft(self, item: Any) -> MediaDraft:
        if isinstance(self.client, tmdb.TmdbClient):
            details = await self.client.details(self.kind, int(item))
            if self.kind == "series":
                self.series_details[int(item)] = details
            return tmdb.draft(self.kind, details, self.image_base)
        return igdb.draft(item)

    async def one(self, external_id: int) -> MediaDraft:
        if isinstance(self.client, tmdb.TmdbClient):
            return await self.draft(external_id)
        assert isinstance(self.client, igdb.IgdbClient)
        return igdb.draft(await self.client.game(external_id))

    async def seasons(self, item: Any) -> list[episodes.SeasonDraft]:
        """A TMDB series' seasons with their episodes (none for other kinds)."""
        details = self.series_details.pop(int(item), None) if self.kind == "series" else None
        if details is None:
            return []
        return await episodes.fetch_seasons(self.client, details)


async def _import_page(db: asyncpg.Pool, source: _Source, page: int) -> Counter[str]:
    """Save every title of a page; a title the provider cannot describe counts as failed."""
    counts: Counter[str] = Counter()
    for item in await source.page(page):
        try:
            draft = await source.draft(item)
        except ProviderNotFound:
            counts["failed"] += 1
            continue
        if not draft.title:
            counts["failed"] += 1
            continue
        try:
            seasons = await source.seasons(item)
        except ProviderNotFound:
            counts["failed"] += 1
            continue
        async with db.acquire() as conn, conn.transaction():
            saved = await service.save_draft(conn, draft)
            await episodes.save_seasons(conn, saved.media_id, seasons)
        counts[saved.outcome] += 1
    return counts


def progress(row: Any) -> dict[str, Any]:
    """The ``admin:dashboard`` message for an import's state."""
    fields = ("id", "provider", "kind", "status", "first_page", "pages", "pages_done")
    counters = ("imported", "updated", "unchanged", "failed")
    return {
        "type": "catalog.import",
        "import": {
            **{name: row[name] for name in (*fields, *counters)},
            "error": row["error"],
        },
    }


async def announce(redis: Redis, settings: Settings, row: Any) -> None:
    """Publish an import's state to the admins' live dashboard (best effort)."""
    from metacult.realtime import publish

    try:
        await publish(redis, settings, DASHBOARD, progress(row))
    except (RedisError, OSError) as exc:
        log.warning("import progress not published", extra={"error": str(exc)})
