"""Composing pages from each context's public surface, in one read-only snapshot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from metacult import catalog, interaction, ranking
from metacult.infra.batching import Batched


@dataclass(frozen=True, slots=True)
class Card:
    """One title of a browse page, with its community counters."""

    listed: catalog.Listed
    stats: interaction.MediaStats


@dataclass(frozen=True, slots=True)
class BrowsePage:
    items: list[Card]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class TitlePage:
    """A title's public page: the title, its counters and its duel rating (the viewer's
    marks are read apart: :func:`viewer_marks`)."""

    media: catalog.Media
    stats: interaction.MediaStats
    duel_rating: ranking.MediaRating


async def browse(
    db: asyncpg.Pool, filters: catalog.Filters, sort: str | None, cursor: str | None, limit: int
) -> BrowsePage:
    """One page of titles (catalog's order and filters) with their counters."""
    # One snapshot: the order of the page and the counters shown agree.
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        page = await catalog.browse(conn, filters, sort, cursor, limit)
        stats = await interaction.media_stats(conn, [item.media.id for item in page.items])
    return BrowsePage(
        items=[Card(listed=item, stats=stats[item.media.id]) for item in page.items],
        next_cursor=page.next_cursor,
    )


async def title_page(db: asyncpg.Pool, media_id: int) -> TitlePage:
    """The title's public page (no viewer) with every context's section; 404 when none."""
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        media = await catalog.get_media(conn, media_id)
        stats = (await interaction.media_stats(conn, [media.id]))[media.id]
        duel_rating = await ranking.media_rating(conn, media.id)
    return TitlePage(media=media, stats=stats, duel_rating=duel_rating)


def viewer_marks(
    db: Callable[[], asyncpg.Pool],
) -> Batched[tuple[int, int], interaction.ViewerState]:
    """Viewers' own like, rating and status of titles (the part of a title's page not
    kept), read from the primary: the lookups of one loop turn in one query."""

    async def fetch(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], interaction.ViewerState]:
        async with db().acquire() as conn:
            return await interaction.viewer_states(conn, pairs)

    return Batched(fetch)
