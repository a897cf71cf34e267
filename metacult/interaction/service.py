"""Interaction use cases: one transaction each, with its domain event and activity row.

Every change writes its event through the outbox only when something changed, so a
repeated PUT is harmless: liking twice is one like and one ``interaction.liked``.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from redis.asyncio import Redis

from metacult import catalog, identity
from metacult.config import Settings
from metacult.infra import cursors
from metacult.infra.errors import Forbidden, NotFound, invalid_field
from metacult.infra.events import emit
from metacult.interaction import events, rules, signals, store
from metacult.interaction.media import media_kind


class ReviewNotFound(NotFound):
    """No such review."""

    code = "review_not_found"


class NotYourReview(Forbidden):
    """Only its author may change a review."""

    code = "not_your_review"


@dataclass(frozen=True, slots=True)
class ViewerState:
    """What one user did with one title."""

    liked: bool
    rating: float | None
    status: str | None


@dataclass(frozen=True, slots=True)
class MediaStats:
    """A title's community counters: likes, ratings (count, average, histogram), reviews."""

    media_id: int
    likes: int
    ratings_count: int
    average: float | None
    # Number of ratings at 0.5, 1, 1.5, ..., 5 stars.
    histogram: tuple[int, ...]
    reviews_count: int
    # Grows with every change of the counters: which of two publications is the later.
    revision: int = 0

    @classmethod
    def empty(cls, media_id: int) -> MediaStats:
        return cls(media_id, 0, 0, None, (0,) * 10, 0)

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> MediaStats:
        return cls(
            media_id=row["media_id"],
            likes=row["likes"],
            ratings_count=row["ratings_count"],
            average=rules.average(row["ratings_count"], row["ratings_sum"]),
            histogram=tuple(row["histogram"]),
            reviews_count=row["reviews_count"],
            revision=row["revision"],
        )

    def as_message(self) -> dict[str, Any]:
        """The ``{"type": "interaction.stats", ...}`` publication of ``media:{id}``."""
        return {
            "type": "interaction.stats",
            "media_id": self.media_id,
            "likes": self.likes,
            "ratings_count": self.ratings_count,
            "average": self.average,
            "histogram": list(self.histogram),
            "reviews_count": self.reviews_count,
        }


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    media_id: int
    kind: str
    author_id: int | None
    body: str
    spoiler: bool
    likes: int
    hidden: bool
    hidden_reason: str | None
    created_at: datetime
    edited_at: datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Review:
        return cls(
            id=row["id"],
            media_id=row["media_id"],
            kind=row["kind"],
            author_id=row["user_id"],
            body=row["body"],
            spoiler=row["spoiler"],
            likes=row["likes_count"],
            hidden=row["hidden_at"] is not None,
            hidden_reason=row["hidden_reason"],
            created_at=row["created_at"],
            edited_at=row["edited_at"],
        )


@dataclass(frozen=True, slots=True)
class Activity:
    """One action of a user: ``type`` is liked, rated, status_changed or reviewed."""

    id: int
    user_id: int
    type: str
    media_id: int
    kind: str
    review_id: int | None
    rating: float | None
    status: str | None
    occurred_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Activity:
        # The rating or status an action set is kept in its ``data``.
        details = {"rating": row["data"].get("rating"), "status": row["data"].get("status")}
        columns = (name for name in cls.__dataclass_fields__ if name not in details)
        return cls(**{name: row[name] for name in columns}, **details)


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Any]
    next_cursor: str | None


# --- likes, ratings, statuses --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Marked:
    """What a like or a rating left: the viewer's marks, and the title's counters when they
    changed (committed, to be published: :meth:`interaction.counters.Announcer.committed`)."""

    state: ViewerState
    stats: MediaStats | None


async def _counted(
    conn: asyncpg.Connection,
    media_id: int,
    *,
    likes: int = 0,
    rating_was: int | None = None,
    rating_is: int | None = None,
) -> MediaStats:
    """Count one like or rating change in its transaction (the title's counter row stays
    locked until it commits); the counters after it."""
    row = await store.count_change(
        conn, media_id, likes=likes, rating_was=rating_was, rating_is=rating_is
    )
    if rating_was is not None or rating_is is not None:
        await _score(conn, row)
    return MediaStats.from_row(row)


async def like(db: asyncpg.Pool, user_id: int, media_id: int) -> Marked:
    """Like a title (again: nothing changes); its counters are counted with the like."""
    async with db.acquire() as conn, conn.transaction():
        stats = None
        if await like_in(conn, user_id, media_id, await media_kind(conn, media_id)):
            stats = await _counted(conn, media_id, likes=1)
        return Marked(await viewer_state(conn, user_id, media_id), stats)


async def like_in(conn: asyncpg.Connection, user_id: int, media_id: int, kind: str) -> bool:
    """Like a title in the caller's transaction (the diary logs a like with an entry); False
    when it was liked already. The counters are left to ``update_media_stats``'s recount:
    a history import likes hundreds of titles in one transaction, which must not hold
    their counter rows' locks until it commits."""
    if not await store.insert_like(conn, user_id, media_id, kind):
        return False
    await emit(conn, events.LIKED, _about(user_id, media_id, kind))
    await store.add_activity(conn, user_id, "liked", media_id, kind)
    return True


async def unlike(db: asyncpg.Pool, user_id: int, media_id: int) -> Marked:
    async with db.acquire() as conn, conn.transaction():
        kind = await media_kind(conn, media_id)
        stats = None
        if await store.delete_like(conn, user_id, media_id):
            await emit(conn, events.UNLIKED, _about(user_id, media_id, kind))
            await store.remove_activities(conn, user_id, media_id, "liked")
            stats = await _counted(conn, media_id, likes=-1)
        return Marked(await viewer_state(conn, user_id, media_id), stats)


async def rate(db: asyncpg.Pool, user_id: int, media_id: int, rating: float) -> Marked:
    """Rate a title 0.5..5 stars in half steps; re-rating replaces the rating."""
    half = rules.half_stars(rating)
    if half is None:
        raise invalid_field("rating", "a rating is 0.5 to 5 stars in half steps")
    async with db.acquire() as conn, conn.transaction():
        changed = await rate_in(conn, user_id, media_id, await media_kind(conn, media_id), half)
        stats = None
        if changed is not None:
            stats = await _counted(conn, media_id, rating_was=changed.was, rating_is=half)
        return Marked(await viewer_state(conn, user_id, media_id), stats)


@dataclass(frozen=True, slots=True)
class Rerated:
    """A rating that changed: the half stars it had before (None: it is the first)."""

    was: int | None


async def rate_in(
    conn: asyncpg.Connection, user_id: int, media_id: int, kind: str, half: int
) -> Rerated | None:
    """Rate a title (``half`` stars, 1..10) in the caller's transaction, leaving the counters
    to the recount (as :func:`like_in`); None when it had that rating already."""
    previous = await store.lock_rating(conn, user_id, media_id)
    if previous is None and not await store.insert_rating(conn, user_id, media_id, kind, half):
        # A concurrent first rating won the insert: update it instead, now locked.
        previous = await store.lock_rating(conn, user_id, media_id)
    if previous is not None and previous != half:
        await store.update_rating(conn, user_id, media_id, half)
    if previous != half:
        rated = events.RatedPayload(
            user_id=user_id,
            media_id=media_id,
            kind=kind,
            rating=rules.stars(half),
            previous=rules.stars(previous) if previous else None,
        )
        await emit(conn, events.RATED, rated)
        await store.remove_activities(conn, user_id, media_id, "rated")
        await store.add_activity(
            conn, user_id, "rated", media_id, kind, data={"rating": rules.stars(half)}
        )
        return Rerated(previous)
    return None


async def unrate(db: asyncpg.Pool, user_id: int, media_id: int) -> Marked:
    async with db.acquire() as conn, conn.transaction():
        kind = await media_kind(conn, media_id)
        previous = await store.delete_rating(conn, user_id, media_id)
        stats = None
        if previous is not None:
            unrated = events.UnratedPayload(
                user_id=user_id, media_id=media_id, kind=kind, previous=rules.stars(previous)
            )
            await emit(conn, events.UNRATED, unrated)
            await store.remove_activities(conn, user_id, media_id, "rated")
            stats = await _counted(conn, media_id, rating_was=previous)
        return Marked(await viewer_state(conn, user_id, media_id), stats)


async def set_status(db: asyncpg.Pool, user_id: int, media_id: int, status: str) -> ViewerState:
    """Put a title in the user's library with a status that fits its kind."""
    async with db.acquire() as conn, conn.transaction():
        kind = await media_kind(conn, media_id)
        if not rules.status_fits(kind, status):
            allowed = ", ".join(catalog.LIBRARY_STATUSES[kind])
            raise invalid_field("status", f"a {kind} takes one of: {allowed}")
        await set_status_in(conn, user_id, media_id, kind, status)
        return await viewer_state(conn, user_id, media_id)


async def set_status_in(
    conn: asyncpg.Connection, user_id: int, media_id: int, kind: str, status: str
) -> None:
    """Set a title's library status (one that fits its kind) in the caller's transaction."""
    previous = await store.lock_status(conn, user_id, media_id)
    if previous is None and not await store.insert_status(conn, user_id, media_id, kind, status):
        previous = await store.lock_status(conn, user_id, media_id)
    if previous is not None and previous != status:
        await store.update_status(conn, user_id, media_id, status)
    if previous != status:
        changed = events.StatusChangedPayload(
            user_id=user_id, media_id=media_id, kind=kind, status=status, previous=previous
        )
        await emit(conn, events.STATUS_CHANGED, changed)
        await store.add_activity(
            conn, user_id, "status_changed", media_id, kind, data={"status": status}
        )


async def clear_status(db: asyncpg.Pool, user_id: int, media_id: int) -> ViewerState:
    """Take a title out of the user's library."""
    async with db.acquire() as conn, conn.transaction():
        kind = await media_kind(conn, media_id)
        previous = await store.delete_status(conn, user_id, media_id)
        if previous is not None:
            cleared = events.StatusChangedPayload(
                user_id=user_id, media_id=media_id, kind=kind, status=None, previous=previous
            )
            await emit(conn, events.STATUS_CHANGED, cleared)
            await store.remove_activities(conn, user_id, media_id, "status_changed")
        return await viewer_state(conn, user_id, media_id)


async def viewer_state(conn: asyncpg.Connection, user_id: int, media_id: int) -> ViewerState:
    return _viewer_state(await store.viewer_state(conn, user_id, media_id))


async def viewer_states(
    conn: asyncpg.Connection, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], ViewerState]:
    rows = await store.viewer_states(conn, pairs)
    return {(row["user_id"], row["media_id"]): _viewer_state(row) for row in rows}


def _viewer_state(row: asyncpg.Record) -> ViewerState:
    half = row["half_stars"]
    return ViewerState(
        liked=row["liked"], rating=rules.stars(half) if half else None, status=row["status"]
    )


def _about(user_id: int, media_id: int, kind: str) -> events.AboutMedia:
    return events.AboutMedia(user_id=user_id, media_id=media_id, kind=kind)


# --- reviews -------------------------------------------------------------------------


async def write_review(
    db: asyncpg.Pool, user_id: int, media_id: int, body: str, spoiler: bool
) -> Review:
    async with db.acquire() as conn, conn.transaction():
        kind = await media_kind(conn, media_id)
        return await write_review_in(conn, user_id, media_id, kind, body, spoiler)


async def write_review_in(
    conn: asyncpg.Connection, user_id: int, media_id: int, kind: str, body: str, spoiler: bool
) -> Review:
    """Write a review in the caller's transaction."""
    row = await store.insert_review(conn, user_id, media_id, kind, body, spoiler)
    review = Review.from_row(row)
    written = events.ReviewWrittenPayload(
        user_id=user_id,
        media_id=media_id,
        kind=kind,
        review_id=review.id,
        spoiler=spoiler,
        length=len(body),
    )
    await emit(conn, events.REVIEWED, written)
    await store.add_activity(conn, user_id, "reviewed", media_id, kind, review_id=review.id)
    return review


async def edit_review(
    db: asyncpg.Pool, user_id: int, review_id: int, body: str | None, spoiler: bool | None
) -> Review:
    """Change a review's text or spoiler flag; only its author may."""
    async with db.acquire() as conn, conn.transaction():
        current = await _review_of(conn, review_id, user_id, lock=True)
        new_body = current.body if body is None else body
        new_spoiler = current.spoiler if spoiler is None else spoiler
        if (new_body, new_spoiler) == (current.body, current.spoiler):
            return current
        review = Review.from_row(await store.update_review(conn, review_id, new_body, new_spoiler))
        edited = events.ReviewWrittenPayload(
            user_id=user_id,
            media_id=review.media_id,
            kind=review.kind,
            review_id=review_id,
            spoiler=new_spoiler,
            length=len(new_body),
        )
        await emit(conn, events.REVIEW_EDITED, edited)
        return review


async def delete_review(db: asyncpg.Pool, user_id: int, review_id: int, *, admin: bool) -> None:
    """Delete a review: its author may, and so may an administrator."""
    async with db.acquire() as conn, conn.transaction():
        row = await store.get_review(conn, review_id, lock=True)
        if row is None:
            raise ReviewNotFound()
        review = Review.from_row(row)
        if review.author_id != user_id and not admin:
            raise NotYourReview()
        await store.delete_review(conn, review_id)
        deleted = events.ReviewDeletedPayload(
            user_id=review.author_id,
            media_id=review.media_id,
            kind=review.kind,
            review_id=review_id,
            deleted_by=user_id,
        )
        await emit(conn, events.REVIEW_DELETED, deleted)


async def hide_review(db: asyncpg.Pool, admin_id: int, review_id: int, reason: str) -> Review:
    """Moderation: hide a review from everyone but its author, who is told why."""
    async with db.acquire() as conn, conn.transaction():
        row = await store.get_review(conn, review_id, lock=True)
        if row is None:
            raise ReviewNotFound()
        if row["hidden_at"] is not None and row["hidden_reason"] == reason:
            return Review.from_row(row)
        review = Review.from_row(await store.hide_review(conn, review_id, reason, admin_id))
        hidden = events.ReviewHiddenPayload(
            user_id=review.author_id,
            media_id=review.media_id,
            kind=review.kind,
            review_id=review_id,
            reason=reason,
            hidden_by=admin_id,
        )
        await emit(conn, events.REVIEW_HIDDEN, hidden)
        if review.author_id is not None:
            await store.remove_review_activity(conn, review_id)
        return review


async def get_review(db: asyncpg.Pool, review_id: int, viewer: int | None, admin: bool) -> Review:
    """A review; a hidden one only for its author and administrators."""
    async with db.acquire() as conn:
        row = await store.get_review(conn, review_id)
    if row is None:
        raise ReviewNotFound()
    review = Review.from_row(row)
    if review.hidden and not admin and (viewer is None or viewer != review.author_id):
        raise ReviewNotFound()
    return review


async def like_review(db: asyncpg.Pool, user_id: int, review_id: int) -> int:
    """Like a visible review; returns its likes count."""
    return await _review_like(db, user_id, review_id, like=True)


async def unlike_review(db: asyncpg.Pool, user_id: int, review_id: int) -> int:
    return await _review_like(db, user_id, review_id, like=False)


async def _review_like(db: asyncpg.Pool, user_id: int, review_id: int, *, like: bool) -> int:
    async with db.acquire() as conn, conn.transaction():
        # Locked: a review deleted meanwhile is a 404, never a dangling like.
        row = await store.get_review(conn, review_id, lock=True)
        if row is None or (row["hidden_at"] is not None and like):
            raise ReviewNotFound()
        change = store.insert_review_like if like else store.delete_review_like
        if await change(conn, user_id, review_id):
            liked = events.ReviewLikePayload(
                user_id=user_id,
                media_id=row["media_id"],
                kind=row["kind"],
                review_id=review_id,
                author_id=row["user_id"],
            )
            await emit(conn, events.REVIEW_LIKED if like else events.REVIEW_UNLIKED, liked)
        return await store.review_likes_count(conn, review_id)


async def _review_of(
    conn: asyncpg.Connection, review_id: int, user_id: int, *, lock: bool
) -> Review:
    row = await store.get_review(conn, review_id, lock=lock)
    if row is None:
        raise ReviewNotFound()
    review = Review.from_row(row)
    if review.author_id != user_id:
        raise NotYourReview()
    return review


# Where a page ends: the last row's id; for most liked reviews, its likes and id.
IdCursor = tuple[cursors.Id]
MostLikedCursor = tuple[cursors.Int64, cursors.Id]


async def media_reviews(
    db: asyncpg.Pool, media_id: int, sort: str, cursor: str | None, limit: int
) -> Page:
    """A title's visible reviews, newest or most liked first, one page after ``cursor``."""
    shape = MostLikedCursor if sort == "most_liked" else IdCursor
    after = cursors.decode_position(cursor, shape) if cursor else None
    async with db.acquire() as conn:
        await media_kind(conn, media_id)
        rows = await store.media_reviews(conn, media_id, sort, after, limit + 1)
    reviews = [Review.from_row(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = reviews[-1]
        position = (last.likes, last.id) if sort == "most_liked" else (last.id,)
        next_cursor = cursors.encode_position(position)
    return Page(reviews, next_cursor)


async def user_reviews(
    db: asyncpg.Pool, user_id: int, viewer: int | None, cursor: str | None, limit: int
) -> Page:
    """A user's reviews, newest first (their hidden ones only for themselves)."""
    after = cursors.decode_position(cursor, IdCursor) if cursor else None
    async with db.acquire() as conn:
        await identity.check_section(conn, user_id, viewer, "reviews")
        rows = await store.user_reviews(
            conn, user_id, after[0] if after else None, limit + 1, with_hidden=viewer == user_id
        )
    reviews = [Review.from_row(row) for row in rows[:limit]]
    next_cursor = cursors.encode_position((reviews[-1].id,)) if len(rows) > limit else None
    return Page(reviews, next_cursor)


async def liked_reviews(db: asyncpg.Pool, user_id: int | None, review_ids: list[int]) -> set[int]:
    if user_id is None or not review_ids:
        return set()
    async with db.acquire() as conn:
        return await store.liked_reviews(conn, user_id, review_ids)


async def recent_activity(
    conn: asyncpg.Connection, user_ids: list[int], before_id: int | None, limit: int
) -> list[Activity]:
    """The latest actions of several users, newest first (a follow feed)."""
    rows = await store.activities_of(conn, user_ids, before_id, limit)
    return [Activity.from_row(row) for row in rows]


async def media_stats(conn: asyncpg.Connection, ids: list[int]) -> dict[int, MediaStats]:
    """Counters of each title in ``ids`` (zeros for titles with no interaction yet)."""
    wanted = list(dict.fromkeys(ids))
    found = {row["media_id"]: MediaStats.from_row(row) for row in await store.stats(conn, wanted)}
    return {media_id: found.get(media_id) or MediaStats.empty(media_id) for media_id in wanted}


async def known_media(conn: asyncpg.Connection, user_id: int, kind: str) -> set[int]:
    return set(await store.known_media(conn, user_id, kind))


async def export_user_data(conn: asyncpg.Connection, user_id: int) -> dict[str, Any]:
    from metacult.interaction import episodes

    return await store.user_data(conn, user_id) | await episodes.export_user_data(conn, user_id)


# --- what a viewer sees of reviews ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShownReview:
    """A review as one viewer sees it: whether they liked it, who wrote it, and the
    moderator's reason only when the viewer is its author or an administrator."""

    review: Review
    liked: bool
    author: dict[str, Any] | None


async def shown_to(
    db: asyncpg.Pool, reviews: list[Review], viewer_id: int | None, *, admin: bool
) -> list[ShownReview]:
    liked = await liked_reviews(db, viewer_id, [review.id for review in reviews])
    async with db.acquire() as conn:
        authors = await identity.user_summaries(
            conn, {review.author_id for review in reviews if review.author_id}
        )
    return [
        ShownReview(
            review=review
            if admin or (viewer_id is not None and viewer_id == review.author_id)
            else dataclasses.replace(review, hidden_reason=None),
            liked=review.id in liked,
            author=authors.get(review.author_id) if review.author_id else None,
        )
        for review in reviews
    ]


# --- signals ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignalResult:
    index: int
    id: uuid.UUID | None
    accepted: bool
    reason: str | None = None


async def record_signals(
    redis: Redis, settings: Settings, raws: list[Any], user_id: int | None
) -> list[SignalResult]:
    """Check each client event and buffer the valid ones (even when others are refused);
    each event's result says whether it was accepted, or why not."""
    now = signals.now()
    results: list[SignalResult] = []
    accepted: list[signals.Signal] = []
    for index, raw in enumerate(raws):
        signal, reason = signals.check(raw, now)
        if signal is None:
            results.append(SignalResult(index, signals.claimed_id(raw), False, reason))
        else:
            accepted.append(signal)
            results.append(SignalResult(index, signal.id, True))
    await signals.append(redis, settings, accepted, user_id, now)
    return results


# --- counters (the workers call these) -------------------------------------------------


async def refresh_stats(conn: asyncpg.Connection, media_id: int) -> MediaStats:
    """Recount a title's counters in the caller's transaction, and hand catalog the
    community score its "top rated" order sorts by."""
    row = await store.refresh_stats(conn, media_id)
    await _score(conn, row)
    return MediaStats.from_row(row)


async def _score(conn: asyncpg.Connection, counted: asyncpg.Record) -> None:
    """Hand catalog the community score of a title's counters."""
    score = rules.community_score(counted["ratings_count"], counted["ratings_sum"])
    await catalog.set_community_score(
        conn, counted["media_id"], score=score, votes=counted["ratings_count"]
    )


async def forget_user(conn: asyncpg.Connection, user_id: int) -> None:
    """A deleted account: remove its personal traces, anonymise its reviews, recount the
    titles it had marked and name them in ``marks_forgotten`` (in the caller's transaction:
    their pages are renewed and their counters published once this commits)."""
    from metacult.interaction import episodes

    await episodes.forget_user(conn, user_id)
    touched = sorted(await store.forget_user(conn, user_id))
    for media_id in touched:
        await refresh_stats(conn, media_id)
    if touched:
        forgotten = events.MarksForgottenPayload(user_id=user_id, media_ids=tuple(touched))
        await emit(conn, events.MARKS_FORGOTTEN, forgotten)


# --- reports and moderation ------------------------------------------------------------


class OwnReview(Forbidden):
    """A reader cannot report their own review."""

    code = "own_review"


@dataclass(frozen=True, slots=True)
class Reports:
    """What readers said about one review."""

    count: int
    reasons: list[str]
    last_reported_at: datetime | None


NO_REPORTS = Reports(0, [], None)
ReportedCursor = tuple[cursors.Timestamp, cursors.Id]


async def report_review(
    db: asyncpg.Pool, user_id: int, review_id: int, reason: str, note: str
) -> None:
    """A reader reports a review to the moderators; reporting it again changes nothing."""
    async with db.acquire() as conn, conn.transaction():
        row = await store.get_review(conn, review_id)
        if row is None:
            raise ReviewNotFound()
        review = Review.from_row(row)
        if review.hidden and review.author_id != user_id:
            raise ReviewNotFound()
        if review.author_id == user_id:
            raise OwnReview("You cannot report your own review.")
        if not await store.insert_report(conn, review_id, user_id, reason, note):
            return
        reported = events.ReviewReportedPayload(
            user_id=user_id,
            media_id=review.media_id,
            kind=review.kind,
            review_id=review_id,
            author_id=review.author_id,
            reason=reason,
        )
        await emit(conn, events.REVIEW_REPORTED, reported)


async def reports_of(db: asyncpg.Pool, review_ids: list[int]) -> dict[int, Reports]:
    """The reports of each review (``NO_REPORTS`` for one nobody reported)."""
    async with db.acquire() as conn:
        rows = await store.reports_of(conn, review_ids)
    found = {
        row["review_id"]: Reports(row["reports"], list(row["reasons"]), row["last_reported_at"])
        for row in rows
    }
    return {review_id: found.get(review_id, NO_REPORTS) for review_id in review_ids}


async def moderation_queue(db: asyncpg.Pool, which: str, cursor: str | None, limit: int) -> Page:
    """Reviews for the moderators: ``recent`` (all, hidden ones too, newest first) or
    ``reported`` (visible ones readers reported, the most lately reported first)."""
    async with db.acquire() as conn:
        if which == "reported":
            after = cursors.decode_position(cursor, ReportedCursor) if cursor else None
            rows = await store.reported_reviews(conn, after, limit + 1)
        else:
            before = cursors.decode_position(cursor, IdCursor)[0] if cursor else None
            rows = await store.recent_reviews(conn, before, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more:
        last = rows[-1]
        position = (last["last_reported_at"], last["id"]) if which == "reported" else (last["id"],)
        next_cursor = cursors.encode_position(position)
    return Page([Review.from_row(row) for row in rows], next_cursor)
