"""Reading a user's library, likes, ratings and activity, each item with its title's summary.

Every page is two queries whatever its length: this context's rows, then the titles'
summaries through the catalogue's public surface.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

import asyncpg
import pydantic

from metacult import catalog, identity
from metacult.infra import cursors
from metacult.interaction import rules, store, views
from metacult.interaction.media import media_kind
from metacult.interaction.service import Activity, Page

# The orders of a library (``views.LIBRARY_SORT_KEYS``).
LibrarySort = Literal["recent", "added", "rating"]

# Where a page ends: the last row's sort key, then its media id.
TimeCursor = tuple[cursors.Timestamp, cursors.Id]
HalfStars = Annotated[int, pydantic.Field(ge=0, le=10)]
RatingCursor = tuple[HalfStars, cursors.Id]
ActivityCursor = tuple[cursors.Id]


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """A title in a user's library: its status, the user's rating and like, and dates."""

    media: catalog.MediaSummary
    status: str
    rating: float | None
    liked: bool
    added_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class LikedItem:
    media: catalog.MediaSummary
    rating: float | None
    liked_at: datetime


@dataclass(frozen=True, slots=True)
class RatedItem:
    media: catalog.MediaSummary
    rating: float
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class ShownActivity:
    """An action with its title's summary (None only for a title removed meanwhile)."""

    activity: Activity
    media: catalog.MediaSummary | None


@dataclass(frozen=True, slots=True)
class LibraryCounts:
    """How many titles a user has per kind and status, and how many they liked and rated."""

    by_status: dict[str, dict[str, int]]
    likes: int
    ratings: int


def _stars(half: int | None) -> float | None:
    return rules.stars(half) if half else None


async def _summaries(
    conn: asyncpg.Connection, rows: Sequence[asyncpg.Record]
) -> dict[int, catalog.MediaSummary]:
    return await catalog.media_summaries(conn, [row["media_id"] for row in rows])


def _next(rows: Sequence[asyncpg.Record], limit: int, *position: str) -> str | None:
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return cursors.encode_position(tuple(last[name] for name in position))


async def library(
    db: asyncpg.Pool,
    user_id: int,
    viewer_id: int | None,
    *,
    kind: str | None,
    status: str | None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page:
    """One page of a user's library in ``sort`` order (recent, added, rating), as far as
    the viewer may read it."""
    shape = RatingCursor if sort == "rating" else TimeCursor
    after = cursors.decode_position(cursor, shape) if cursor else None
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await identity.check_section(conn, user_id, viewer_id, "library")
        rows = await views.library(
            conn, user_id, kind=kind, status=status, sort=sort, after=after, limit=limit + 1
        )
        titles = await _summaries(conn, rows[:limit])
    items = [
        LibraryItem(
            media=titles[row["media_id"]],
            status=row["status"],
            rating=_stars(row["half_stars"]),
            liked=row["liked"],
            added_at=row["created_at"],
            updated_at=row["updated_at"],
        )
        for row in rows[:limit]
        if row["media_id"] in titles
    ]
    return Page(items, _next(rows, limit, "sort_key", "media_id"))


async def likes(
    db: asyncpg.Pool,
    user_id: int,
    viewer_id: int | None,
    kind: str | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """One page of the titles a user liked, most recent first."""

    def item(row: asyncpg.Record, media: catalog.MediaSummary) -> LikedItem:
        return LikedItem(media=media, rating=_stars(row["half_stars"]), liked_at=row["created_at"])

    return await _library_page(
        db, user_id, viewer_id, (views.likes, kind, cursor, limit), "created_at", item
    )


async def ratings(
    db: asyncpg.Pool,
    user_id: int,
    viewer_id: int | None,
    kind: str | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """One page of a user's ratings, most recently given first."""

    def item(row: asyncpg.Record, media: catalog.MediaSummary) -> RatedItem:
        return RatedItem(
            media=media, rating=rules.stars(row["half_stars"]), rated_at=row["updated_at"]
        )

    return await _library_page(
        db, user_id, viewer_id, (views.ratings, kind, cursor, limit), "updated_at", item
    )


async def _library_page(
    db: asyncpg.Pool,
    user_id: int,
    viewer_id: int | None,
    query: tuple[Callable[..., Awaitable[list[asyncpg.Record]]], str | None, str | None, int],
    time_column: str,
    item: Callable[[asyncpg.Record, catalog.MediaSummary], object],
) -> Page:
    """One page of a user's titles ordered by ``time_column`` then title: ``query`` is the
    view that reads them with its kind, cursor and limit, ``item`` makes each from its row
    and its title's summary (titles removed meanwhile are left out)."""
    read, kind, cursor, limit = query
    after = cursors.decode_position(cursor, TimeCursor) if cursor else None
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await identity.check_section(conn, user_id, viewer_id, "library")
        rows = await read(conn, user_id, kind, after, limit + 1)
        titles = await _summaries(conn, rows[:limit])
    items = [
        item(row, titles[row["media_id"]]) for row in rows[:limit] if row["media_id"] in titles
    ]
    return Page(items, _next(rows, limit, time_column, "media_id"))


async def counts(db: asyncpg.Pool, user_id: int, viewer_id: int | None) -> LibraryCounts:
    """A profile's counters: titles per kind and status, likes and ratings."""
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await identity.check_section(conn, user_id, viewer_id, "stats")
        rows = await views.library_counts(conn, user_id)
        totals = await views.like_and_rating_counts(conn, user_id)
    by_status: dict[str, dict[str, int]] = {
        kind: dict.fromkeys(statuses, 0) for kind, statuses in catalog.LIBRARY_STATUSES.items()
    }
    for row in rows:
        by_status.setdefault(row["kind"], {})[row["status"]] = row["n"]
    return LibraryCounts(by_status, totals["likes"], totals["ratings"])


async def activity(
    db: asyncpg.Pool, user_id: int, viewer_id: int | None, cursor: str | None, limit: int
) -> Page:
    """A user's recent actions, newest first, each with its title's summary."""
    after = cursors.decode_position(cursor, ActivityCursor) if cursor else None
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await identity.check_section(conn, user_id, viewer_id, "activity")
        rows = await store.activities(conn, user_id, after[0] if after else None, limit + 1)
        titles = await _summaries(conn, rows[:limit])
    items = [
        ShownActivity(Activity.from_row(row), titles.get(row["media_id"])) for row in rows[:limit]
    ]
    return Page(items, _next(rows, limit, "id"))


@dataclass(frozen=True, slots=True)
class FriendOnTitle:
    """What someone the viewer follows did with a title."""

    user: dict[str, object]
    rating: float | None
    status: str | None
    liked: bool
    review_id: int | None
    review: str | None
    spoiler: bool
    active_at: datetime


async def friends_on_title(
    db: asyncpg.Pool, media_id: int, viewer_id: int, limit: int
) -> list[FriendOnTitle]:
    """The ratings, statuses, likes and reviews of people the viewer follows on one title
    (of those who show their library to followers), most recently active first."""
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await media_kind(conn, media_id)
        followees = await identity.followees_showing(conn, viewer_id, "library")
        rows = await views.friends_on_title(conn, media_id, followees, limit)
        people = await identity.user_summaries(conn, [row["user_id"] for row in rows])
    return [
        FriendOnTitle(
            user=people[row["user_id"]],
            rating=_stars(row["half_stars"]),
            status=row["status"],
            liked=row["liked"],
            review_id=row["review_id"],
            review=row["review"],
            spoiler=bool(row["spoiler"]),
            active_at=row["active_at"],
        )
        for row in rows
        if row["user_id"] in people
    ]
