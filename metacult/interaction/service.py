"""Interaction use cases: one transaction each, with its domain event and activity row.

Every change writes its event through the outbox only when something changed, so a
repeated PUT is harmless: liking twice is one like and one ``interaction.liked``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from metacult.infra import cursors
from metacult.infra.errors import Forbidden, NotFound, invalid_field
from metacult.infra.events import emit
from metacult.interaction import events, rules, store
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
        )

    def as_message(self) -> dict[str, Any]:
        """The ``{"type": "stats", ...}`` publication of ``media:{id}``."""
        return {
            "type": "stats",
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
class Page:
    items: list[Any]
    next_cursor: str | None


# --- likes, ratings, statuses --------------------------------------------------------


async def like(db: asyncpg.Pool, user_id: int, media_id: int) -> ViewerState:
    """Like a title (again: nothing changes)."""
    async with db.acquire() as conn, conn.transaction():
        kind = await media_kind(conn, media_id)
        if await store.insert_like(conn, user_id, media_id, kind):
            await emit(conn, events.LIKED, _about(user_id, media_id, kind))
            await store.add_activity(conn, user_id, "liked", media_id, kind)
        return await viewer_state(conn, user_id, media_id)


async def unlike(db: asyncpg.Pool, user_id: int, media_id: int) -> ViewerState:
    async with db.acquire() as conn, conn.transaction():
        kind = await media_kind(conn, media_id)
        if await store.delete_like(conn, user_id, media_id):
            await emit(conn, events.UNLIKED, _about(user_id, media_id, kind))
            await store.remove_activities(conn, user_id, media_id, "liked")
        return await viewer_state(conn, user_id, media_id)


async def rate(db: asyncpg.Pool, user_id: int, media_id: int, rating: float) -> ViewerState:
    """Rate a title 0.5..5 stars in half steps; re-rating replaces the rating."""
    half = rules.half_stars(rating)
    if half is None:
        raise invalid_field("rating", "a rating is 0.5 to 5 stars in half steps")
    async with db.acquire() as conn, conn.transaction():
        kind = await media_kind(conn, media_id)
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
        return await viewer_state(conn, user_id, media_id)


async def unrate(db: asyncpg.Pool, user_id: int, media_id: int) -> ViewerState:
    async with db.acquire() as conn, conn.transaction():
        kind = await media_kind(conn, media_id)
        previous = await store.delete_rating(conn, user_id, media_id)
        if previous is not None:
            unrated = events.UnratedPayload(
                user_id=user_id, media_id=media_id, kind=kind, previous=rules.stars(previous)
            )
            await emit(conn, events.UNRATED, unrated)
            await store.remove_activities(conn, user_id, media_id, "rated")
        return await viewer_state(conn, user_id, media_id)


async def set_status(db: asyncpg.Pool, user_id: int, media_id: int, status: str) -> ViewerState:
    """Put a title in the user's library with a status that fits its kind."""
    async with db.acquire() as conn, conn.transaction():
        kind = await media_kind(conn, media_id)
        if not rules.status_fits(kind, status):
            allowed = ", ".join(rules.STATUSES[kind])
            raise invalid_field("status", f"a {kind} takes one of: {allowed}")
        previous = await store.lock_status(conn, user_id, media_id)
        if previous is None and not await store.insert_status(
            conn, user_id, media_id, kind, status
        ):
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
        return await viewer_state(conn, user_id, media_id)


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
    row = await store.viewer_state(conn, user_id, media_id)
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
            await conn.execute(
                "DELETE FROM activities WHERE review_id = $1 AND type = 'reviewed'", review_id
            )
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


async def activity(db: asyncpg.Pool, user_id: int, cursor: str | None, limit: int) -> Page:
    """A user's recent actions, newest first."""
    after = cursors.decode_position(cursor, IdCursor) if cursor else None
    async with db.acquire() as conn:
        rows = await store.activities(conn, user_id, after[0] if after else None, limit + 1)
    items = [dict(row) for row in rows[:limit]]
    next_cursor = cursors.encode_position((items[-1]["id"],)) if len(rows) > limit else None
    return Page(items, next_cursor)


# --- counters (the workers call these) -------------------------------------------------


async def refresh_stats(conn: asyncpg.Connection, media_id: int) -> MediaStats:
    """Recount a title's counters in the caller's transaction."""
    return MediaStats.from_row(await store.refresh_stats(conn, media_id))


async def forget_user(conn: asyncpg.Connection, user_id: int) -> list[MediaStats]:
    """A deleted account: remove its personal traces, anonymise its reviews, recount."""
    touched = await store.forget_user(conn, user_id)
    return [await refresh_stats(conn, media_id) for media_id in sorted(touched)]
