"""The diary: a dated entry per viewing or play session; the title's library status, the
user's rating and like follow from what is logged, in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import asyncpg

from metacult import catalog, identity
from metacult.infra import cursors
from metacult.infra.errors import Forbidden, NotFound, invalid_field
from metacult.infra.events import emit
from metacult.interaction import diary_rules, events, rules, service, views
from metacult.interaction.media import media_kind
from metacult.interaction.service import Page


class EntryNotFound(NotFound):
    """No such diary entry."""

    code = "diary_entry_not_found"


class NotYourEntry(Forbidden):
    """Only its author may change a diary entry."""

    code = "not_your_diary_entry"


@dataclass(frozen=True, slots=True)
class Session:
    """What a user logs: when (``at``, an instant, or ``day``, a date in their zone, or
    neither: now), and optionally a rating, a review, a like, a game's platform and outcome."""

    day: date | None = None
    at: datetime | None = None
    rating: float | None = None
    review: str | None = None
    spoiler: bool = False
    replay: bool = False
    platform: str | None = None
    outcome: str | None = None
    liked: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    user_id: int
    media_id: int
    kind: str
    day: date
    watched_at: datetime
    rating: float | None
    review_id: int | None
    replay: bool
    platform: str | None
    outcome: str | None
    liked: bool

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Entry:
        half = row["half_stars"]
        return cls(
            id=row["id"],
            user_id=row["user_id"],
            media_id=row["media_id"],
            kind=row["kind"],
            day=row["day"],
            watched_at=row["watched_at"],
            rating=rules.stars(half) if half else None,
            review_id=row["review_id"],
            replay=row["replay"],
            platform=row["platform"],
            outcome=row["outcome"],
            liked=row["liked"],
        )


@dataclass(frozen=True, slots=True)
class ShownEntry:
    entry: Entry
    media: catalog.MediaSummary


def _half(rating: float | None) -> int | None:
    if rating is None:
        return None
    half = rules.half_stars(rating)
    if half is None:
        raise invalid_field("rating", "a rating is 0.5 to 5 stars in half steps")
    return half


def _check_game_fields(kind: str, session: Session) -> None:
    if kind != "game" and session.outcome is not None:
        raise invalid_field("outcome", "only a game is finished or abandoned")
    if kind != "game" and session.platform is not None:
        raise invalid_field("platform", "only a game is played on a platform")


async def _place(conn: asyncpg.Connection, user_id: int, session: Session) -> tuple[date, datetime]:
    zone = await identity.user_timezone(conn, user_id)
    try:
        return diary_rules.placed(zone, session.day, session.at, datetime.now(UTC))
    except ValueError as problem:
        raise invalid_field("at" if session.at else "date", str(problem)) from None


async def _follow_through(
    conn: asyncpg.Connection, user_id: int, media_id: int, kind: str, session: Session
) -> None:
    """What a logged session means for the library: status, rating, like."""
    status = diary_rules.status_after(kind, session.outcome)
    await service.set_status_in(conn, user_id, media_id, kind, status)
    half = _half(session.rating)
    if half is not None:
        await service.rate_in(conn, user_id, media_id, kind, half)
    if session.liked:
        await service.like_in(conn, user_id, media_id, kind)


def _payload(entry: Entry) -> events.DiaryEntryPayload:
    return events.DiaryEntryPayload(
        user_id=entry.user_id,
        media_id=entry.media_id,
        kind=entry.kind,
        entry_id=entry.id,
        day=entry.day,
        replay=entry.replay,
    )


async def log(db: asyncpg.Pool, user_id: int, media_id: int, session: Session) -> Entry:
    """Log a session in the diary; its status, rating, like and review follow, all at once."""
    async with db.acquire() as conn, conn.transaction():
        return await log_in(conn, user_id, media_id, session)


async def log_in(conn: asyncpg.Connection, user_id: int, media_id: int, session: Session) -> Entry:
    """Log a session in the caller's transaction (a history import logs many at once)."""
    half = _half(session.rating)
    kind = await media_kind(conn, media_id)
    _check_game_fields(kind, session)
    day, instant = await _place(conn, user_id, session)
    review_id = None
    if session.review is not None:
        review = await service.write_review_in(
            conn, user_id, media_id, kind, session.review, session.spoiler
        )
        review_id = review.id
    row = await views.insert_diary_entry(
        conn,
        user_id=user_id,
        media_id=media_id,
        kind=kind,
        day=day,
        watched_at=instant,
        half_stars=half,
        review_id=review_id,
        replay=session.replay,
        platform=session.platform,
        outcome=session.outcome,
        liked=session.liked,
    )
    entry = Entry.from_row(row)
    await _follow_through(conn, user_id, media_id, kind, session)
    await emit(conn, events.DIARY_LOGGED, _payload(entry))
    return entry


async def edit(db: asyncpg.Pool, user_id: int, entry_id: int, changes: dict[str, object]) -> Entry:
    """Change an entry's date, rating, replay flag, platform, outcome or like."""
    async with db.acquire() as conn, conn.transaction():
        current = await _own_entry(conn, user_id, entry_id)
        merged = Session(
            day=changes.get("day", current.day if "at" not in changes else None),  # type: ignore[arg-type]
            at=changes.get("at"),  # type: ignore[arg-type]
            rating=changes.get("rating", current.rating),  # type: ignore[arg-type]
            replay=changes.get("replay", current.replay),  # type: ignore[arg-type]
            platform=changes.get("platform", current.platform),  # type: ignore[arg-type]
            outcome=changes.get("outcome", current.outcome),  # type: ignore[arg-type]
            liked=changes.get("liked", current.liked),  # type: ignore[arg-type]
        )
        _check_game_fields(current.kind, merged)
        if "day" in changes or "at" in changes:
            day, instant = await _place(conn, user_id, merged)
        else:
            day, instant = current.day, current.watched_at
        row = await views.update_diary_entry(
            conn,
            entry_id,
            day=day,
            watched_at=instant,
            half_stars=_half(merged.rating),
            replay=merged.replay,
            platform=merged.platform,
            outcome=merged.outcome,
            liked=merged.liked,
        )
        entry = Entry.from_row(row)
        await _follow_through(conn, user_id, entry.media_id, entry.kind, merged)
        await emit(conn, events.DIARY_EDITED, _payload(entry))
        return entry


async def delete(db: asyncpg.Pool, user_id: int, entry_id: int) -> None:
    """Delete an entry (the title's status, rating and like stay as they are)."""
    async with db.acquire() as conn, conn.transaction():
        entry = await _own_entry(conn, user_id, entry_id)
        await views.delete_diary_entry(conn, entry_id)
        await emit(conn, events.DIARY_DELETED, _payload(entry))


async def _own_entry(conn: asyncpg.Connection, user_id: int, entry_id: int) -> Entry:
    row = await views.diary_entry(conn, entry_id, lock=True)
    if row is None:
        raise EntryNotFound()
    entry = Entry.from_row(row)
    if entry.user_id != user_id:
        raise NotYourEntry()
    return entry


DiaryCursor = tuple[cursors.Day, cursors.Id]


async def entries(
    db: asyncpg.Pool,
    user_id: int,
    viewer_id: int | None,
    *,
    year: int | None,
    month: int | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """A user's diary, latest day first (of one year, or one month of a year), as far as
    the viewer may read it, each entry with its title's summary."""
    if month is not None and year is None:
        raise invalid_field("month", "a month needs a year")
    after = cursors.decode_position(cursor, DiaryCursor) if cursor else None
    first, last = _span(year, month)
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await identity.check_section(conn, user_id, viewer_id, "diary")
        rows = await views.diary(conn, user_id, first, last, after, limit + 1)
        titles = await catalog.media_summaries(conn, [row["media_id"] for row in rows[:limit]])
    items = [
        ShownEntry(Entry.from_row(row), titles[row["media_id"]])
        for row in rows[:limit]
        if row["media_id"] in titles
    ]
    next_cursor = None
    if len(rows) > limit:
        last_row = rows[limit - 1]
        next_cursor = cursors.encode_position((last_row["day"], last_row["id"]))
    return Page(items, next_cursor)


def _span(year: int | None, month: int | None) -> tuple[date, date]:
    """The first and last day asked for (all days when no year is given)."""
    if year is None:
        return date.min, date.max
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, 1), date.fromordinal(following.toordinal() - 1)
