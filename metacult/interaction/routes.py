"""HTTP endpoints of likes, ratings, library statuses, reviews, activity and signals."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import date as datetime_date
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

import pydantic
from aiohttp import web

from metacult import catalog
from metacult.identity import DELETED_USER_NAME
from metacult.infra.auth import Principal
from metacult.infra.errors import invalid_field
from metacult.infra.web import Api, IdPath, Schema
from metacult.interaction import (
    counters,
    diary,
    events,
    library,
    lists,
    recommend,
    rules,
    service,
    signals,
)
from metacult.interaction.service import Review
from metacult.typedefs import DB, REDIS, SETTINGS

api = Api("interaction")

# --- models --------------------------------------------------------------------------


class ViewerStateOut(Schema):
    liked: bool
    rating: float | None
    status: str | None


class RatingIn(Schema):
    rating: float = pydantic.Field(description="0.5 to 5 in half steps")


class StatusIn(Schema):
    status: catalog.LibraryStatus


class ReviewIn(Schema):
    body: str = pydantic.Field(min_length=1, max_length=rules.REVIEW_MAX_CHARS)
    spoiler: bool = False

    @pydantic.field_validator("body")
    @classmethod
    def _not_blank(cls, body: str) -> str:
        if not body.strip():
            raise ValueError("a review needs some text")
        return body


class ReviewPatch(Schema):
    body: str | None = pydantic.Field(default=None, min_length=1, max_length=rules.REVIEW_MAX_CHARS)
    spoiler: bool | None = None

    @pydantic.field_validator("body")
    @classmethod
    def _not_blank(cls, body: str | None) -> str | None:
        if body is not None and not body.strip():
            raise ValueError("a review needs some text")
        return body


class HideIn(Schema):
    reason: str = pydantic.Field(min_length=3, max_length=500)


class AuthorOut(Schema):
    display_name: str
    avatar_url: str | None


DELETED_AUTHOR = AuthorOut(display_name=DELETED_USER_NAME, avatar_url=None)


class ReviewOut(Schema):
    id: int
    media_id: int
    kind: str
    # None once the author deleted their account: the review shows as "deleted user".
    author_id: int | None
    author: AuthorOut
    body: str
    spoiler: bool
    likes: int
    liked: bool
    hidden: bool
    # Only the author and administrators see why a review was hidden.
    hidden_reason: str | None
    created_at: datetime
    edited_at: datetime | None


class ReviewPage(Schema):
    items: list[ReviewOut]
    next_cursor: str | None


class ReviewLikesOut(Schema):
    review_id: int
    likes: int
    liked: bool


class MediaReviewsQuery(Schema):
    sort: Literal["newest", "most_liked"] = "newest"
    cursor: str | None = None
    limit: int = pydantic.Field(default=20, ge=1, le=100)


class PageQuery(Schema):
    cursor: str | None = None
    limit: int = pydantic.Field(default=20, ge=1, le=100)


class TitleOut(Schema):
    """A title as lists show it (the catalogue's summary)."""

    id: int
    kind: catalog.Kind
    title: str
    slug: str
    year: int | None
    cover_url: str | None
    genres: list[str]
    platforms: list[str]


def _title(summary: catalog.MediaSummary) -> TitleOut:
    return TitleOut.model_validate(summary, from_attributes=True)


PageReply = TypeVar("PageReply", bound=Schema)


def _page_reply(
    reply: type[PageReply], page: service.Page, item: Callable[[Any], object] | None = None
) -> PageReply:
    """``reply`` (a model of ``items`` and ``next_cursor``) for one page: each item read by
    attribute into the reply's item model, as it is or as ``item`` turns it into fields."""
    items = page.items if item is None else [item(each) for each in page.items]
    return reply.model_validate(
        {"items": items, "next_cursor": page.next_cursor}, from_attributes=True
    )


class LibraryQuery(Schema):
    kind: catalog.Kind | None = None
    status: catalog.LibraryStatus | None = None
    sort: library.LibrarySort = pydantic.Field(
        default="recent",
        description="recent: last changed first; added: last added first; rating: best first",
    )
    cursor: str | None = None
    limit: int = pydantic.Field(default=20, ge=1, le=100)


class KindPageQuery(Schema):
    kind: catalog.Kind | None = None
    cursor: str | None = None
    limit: int = pydantic.Field(default=20, ge=1, le=100)


class LibraryItemOut(Schema):
    media: TitleOut
    status: str
    rating: float | None
    liked: bool
    added_at: datetime
    updated_at: datetime


class LibraryPage(Schema):
    items: list[LibraryItemOut]
    next_cursor: str | None


class LikedItemOut(Schema):
    media: TitleOut
    rating: float | None
    liked_at: datetime


class LikesPage(Schema):
    items: list[LikedItemOut]
    next_cursor: str | None


class RatedItemOut(Schema):
    media: TitleOut
    rating: float
    rated_at: datetime


class RatingsPage(Schema):
    items: list[RatedItemOut]
    next_cursor: str | None


class LibraryCountsOut(Schema):
    # Titles per kind, then per library status of that kind (zeros included).
    by_status: dict[str, dict[str, int]]
    likes: int
    ratings: int


class ActivityOut(Schema):
    id: int
    type: Literal["liked", "rated", "status_changed", "reviewed"]
    media_id: int
    kind: str
    # The title's summary; None only for a title removed while the page was read.
    media: TitleOut | None
    review_id: int | None
    rating: float | None
    status: str | None
    occurred_at: datetime


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class SignalsIn(Schema):
    # Any JSON value each: every event is checked against ``signals.Signal`` on its own, so
    # that one malformed event is refused with its reason and the others are still kept.
    events: list[pydantic.JsonValue] = pydantic.Field(
        min_length=1, max_length=signals.MAX_BATCH, description="signals.Signal objects"
    )


class SignalResult(Schema):
    index: int
    id: uuid.UUID | None
    status: Literal["accepted", "rejected"]
    reason: str | None = None


class SignalsOut(Schema):
    accepted: int
    rejected: int
    results: list[SignalResult]


# --- likes, ratings, statuses --------------------------------------------------------


def _state(state: service.ViewerState) -> ViewerStateOut:
    return ViewerStateOut(liked=state.liked, rating=state.rating, status=state.status)


async def _marked(request: web.Request, marked: service.Marked) -> ViewerStateOut:
    """The viewer's marks, once the title's new counters (committed) are on its channel."""
    announcer = request.app[counters.ANNOUNCER]
    await announcer.committed(request.app[REDIS], request.app[SETTINGS], marked.stats)
    return _state(marked.state)


@api.put("/api/v1/media/{id}/like", path_params=IdPath, reply=ViewerStateOut)
async def like(request: web.Request, path: IdPath, user: Principal) -> ViewerStateOut:
    """Like a title (liking twice is one like)."""
    return await _marked(request, await service.like(request.app[DB], user.user_id, path.id))


@api.delete("/api/v1/media/{id}/like", path_params=IdPath, reply=ViewerStateOut)
async def unlike(request: web.Request, path: IdPath, user: Principal) -> ViewerStateOut:
    """Take a like back."""
    return await _marked(request, await service.unlike(request.app[DB], user.user_id, path.id))


@api.put("/api/v1/media/{id}/rating", path_params=IdPath, body=RatingIn, reply=ViewerStateOut)
async def rate(
    request: web.Request, path: IdPath, body: RatingIn, user: Principal
) -> ViewerStateOut:
    """Rate a title, 0.5 to 5 stars in half steps."""
    marked = await service.rate(request.app[DB], user.user_id, path.id, body.rating)
    return await _marked(request, marked)


@api.delete("/api/v1/media/{id}/rating", path_params=IdPath, reply=ViewerStateOut)
async def unrate(request: web.Request, path: IdPath, user: Principal) -> ViewerStateOut:
    """Remove one's rating (an unrated title is not a zero)."""
    return await _marked(request, await service.unrate(request.app[DB], user.user_id, path.id))


@api.put("/api/v1/media/{id}/status", path_params=IdPath, body=StatusIn, reply=ViewerStateOut)
async def set_status(
    request: web.Request, path: IdPath, body: StatusIn, user: Principal
) -> ViewerStateOut:
    """Put a title in one's library: wishlist/playing/completed/dropped for games,
    watchlist/watching/watched/dropped for films and series."""
    return _state(await service.set_status(request.app[DB], user.user_id, path.id, body.status))


@api.delete("/api/v1/media/{id}/status", path_params=IdPath, reply=ViewerStateOut)
async def clear_status(request: web.Request, path: IdPath, user: Principal) -> ViewerStateOut:
    """Take a title out of one's library."""
    return _state(await service.clear_status(request.app[DB], user.user_id, path.id))


# --- reviews -------------------------------------------------------------------------


def _review(shown: service.ShownReview) -> ReviewOut:
    author = DELETED_AUTHOR if shown.author is None else AuthorOut.model_validate(shown.author)
    return ReviewOut.model_validate(
        {**dataclasses.asdict(shown.review), "author": author, "liked": shown.liked}
    )


async def _reviews(
    request: web.Request, reviews: list[Review], user: Principal | None
) -> list[ReviewOut]:
    """Shape reviews for ``user``: whether they liked each, and who wrote it."""
    viewer = user.user_id if user else None
    admin = user is not None and user.is_admin
    shown = await service.shown_to(request.app[DB], reviews, viewer, admin=admin)
    return [_review(item) for item in shown]


async def _page(request: web.Request, page: service.Page, user: Principal | None) -> ReviewPage:
    return ReviewPage(items=await _reviews(request, page.items, user), next_cursor=page.next_cursor)


@api.post(
    "/api/v1/media/{id}/reviews",
    path_params=IdPath,
    body=ReviewIn,
    reply=ReviewOut,
    status=201,
    idempotent=True,
)
async def write_review(
    request: web.Request, path: IdPath, body: ReviewIn, user: Principal
) -> ReviewOut:
    """Review a title (up to 10,000 characters; flag spoilers)."""
    review = await service.write_review(
        request.app[DB], user.user_id, path.id, body.body, body.spoiler
    )
    return (await _reviews(request, [review], user))[0]


class RecommendIn(Schema):
    user_id: int = pydantic.Field(ge=1, le=2**63 - 1)
    note: str = pydantic.Field(default="", max_length=500)


@api.post("/api/v1/media/{id}/recommend", path_params=IdPath, body=RecommendIn, status=204)
async def recommend_title(
    request: web.Request, path: IdPath, body: RecommendIn, user: Principal
) -> None:
    """Recommend a title to a friend (who follows you back); they are notified."""
    await recommend.recommend(
        request.app[DB],
        request.app[REDIS],
        request.app[SETTINGS],
        user.user_id,
        path.id,
        body.user_id,
        body.note.strip(),
    )


@api.get(
    "/api/v1/media/{id}/reviews",
    path_params=IdPath,
    query=MediaReviewsQuery,
    reply=ReviewPage,
    auth="public",
)
async def media_reviews(
    request: web.Request, path: IdPath, query: MediaReviewsQuery, user: Principal | None
) -> ReviewPage:
    """A title's reviews, newest or most liked first, with a cursor to the next page."""
    page = await service.media_reviews(
        request.app[DB], path.id, query.sort, query.cursor, query.limit
    )
    return await _page(request, page, user)


@api.get(
    "/api/v1/users/{id}/reviews",
    path_params=IdPath,
    query=PageQuery,
    reply=ReviewPage,
    auth="public",
)
async def user_reviews(
    request: web.Request, path: IdPath, query: PageQuery, user: Principal | None
) -> ReviewPage:
    """A user's reviews, newest first."""
    viewer = user.user_id if user else None
    page = await service.user_reviews(request.app[DB], path.id, viewer, query.cursor, query.limit)
    return await _page(request, page, user)


@api.get("/api/v1/reviews/{id}", path_params=IdPath, reply=ReviewOut, auth="public")
async def get_review(request: web.Request, path: IdPath, user: Principal | None) -> ReviewOut:
    """One review (a hidden one only for its author and administrators)."""
    viewer = user.user_id if user else None
    review = await service.get_review(
        request.app[DB], path.id, viewer, bool(user and user.is_admin)
    )
    return (await _reviews(request, [review], user))[0]


@api.patch("/api/v1/reviews/{id}", path_params=IdPath, body=ReviewPatch, reply=ReviewOut)
async def edit_review(
    request: web.Request, path: IdPath, body: ReviewPatch, user: Principal
) -> ReviewOut:
    """Edit one's review: its text, its spoiler flag, or both."""
    review = await service.edit_review(
        request.app[DB], user.user_id, path.id, body.body, body.spoiler
    )
    return (await _reviews(request, [review], user))[0]


@api.delete("/api/v1/reviews/{id}", path_params=IdPath)
async def delete_review(request: web.Request, path: IdPath, user: Principal) -> None:
    """Delete one's review (administrators may delete any)."""
    await service.delete_review(request.app[DB], user.user_id, path.id, admin=user.is_admin)


@api.put("/api/v1/reviews/{id}/like", path_params=IdPath, reply=ReviewLikesOut)
async def like_review(request: web.Request, path: IdPath, user: Principal) -> ReviewLikesOut:
    """Like a review (twice is once)."""
    likes = await service.like_review(request.app[DB], user.user_id, path.id)
    return ReviewLikesOut(review_id=path.id, likes=likes, liked=True)


@api.delete("/api/v1/reviews/{id}/like", path_params=IdPath, reply=ReviewLikesOut)
async def unlike_review(request: web.Request, path: IdPath, user: Principal) -> ReviewLikesOut:
    """Take back a review like."""
    likes = await service.unlike_review(request.app[DB], user.user_id, path.id)
    return ReviewLikesOut(review_id=path.id, likes=likes, liked=False)


@api.post(
    "/api/v1/admin/reviews/{id}/hide",
    path_params=IdPath,
    body=HideIn,
    reply=ReviewOut,
    auth="admin",
)
async def hide_review(
    request: web.Request, path: IdPath, body: HideIn, user: Principal
) -> ReviewOut:
    """Moderation: hide a review; its author is notified with the reason."""
    review = await service.hide_review(request.app[DB], user.user_id, path.id, body.reason)
    return (await _reviews(request, [review], user))[0]


class ReportIn(Schema):
    reason: events.ReportReason
    note: str = pydantic.Field(default="", max_length=500)


@api.post("/api/v1/reviews/{id}/report", path_params=IdPath, body=ReportIn, status=204)
async def report_review(
    request: web.Request, path: IdPath, body: ReportIn, user: Principal
) -> None:
    """Report a review to the moderators (spoiler, abuse, spam, off topic, other); once."""
    await service.report_review(
        request.app[DB], user.user_id, path.id, body.reason, body.note.strip()
    )


class ModerationQuery(Schema):
    filter: Literal["recent", "reported"] = "recent"
    cursor: str | None = pydantic.Field(default=None, min_length=1, max_length=200)
    limit: int = pydantic.Field(default=20, ge=1, le=100)


class ReportsOut(Schema):
    count: int
    reasons: list[events.ReportReason]
    last_reported_at: datetime | None


class ModeratedReviewOut(Schema):
    review: ReviewOut
    media_title: str
    reports: ReportsOut


class ModerationPage(Schema):
    items: list[ModeratedReviewOut]
    next_cursor: str | None


@api.get("/api/v1/admin/reviews", query=ModerationQuery, reply=ModerationPage, auth="admin")
async def moderation_queue(
    request: web.Request, query: ModerationQuery, user: Principal
) -> ModerationPage:
    """Moderation: recent reviews (hidden ones too), or the reported ones not yet hidden."""
    db = request.app[DB]
    page = await service.moderation_queue(db, query.filter, query.cursor, query.limit)
    reviews = await _reviews(request, page.items, user)
    reports = await service.reports_of(db, [review.id for review in page.items])
    async with db.acquire() as conn:
        titles = await catalog.media_summaries(conn, {review.media_id for review in page.items})
    items = [
        ModeratedReviewOut(
            review=review,
            media_title=titles[review.media_id].title if review.media_id in titles else "",
            reports=ReportsOut.model_validate(dataclasses.asdict(reports[review.id])),
        )
        for review in reviews
    ]
    return ModerationPage(items=items, next_cursor=page.next_cursor)


# --- activity ------------------------------------------------------------------------


@api.get(
    "/api/v1/users/{id}/activity",
    path_params=IdPath,
    query=PageQuery,
    reply=ActivityPage,
    auth="public",
)
async def activity(
    request: web.Request, path: IdPath, query: PageQuery, user: Principal | None
) -> ActivityPage:
    """A user's recent actions (likes, ratings, library, reviews), newest first, each with
    its title's summary."""
    page = await library.activity(
        request.app[DB], path.id, _viewer(user), query.cursor, query.limit
    )
    return _page_reply(ActivityPage, page, _activity_fields)


def _activity_fields(shown: library.ShownActivity) -> dict[str, object]:
    return {**dataclasses.asdict(shown.activity), "media": shown.media}


def _viewer(user: Principal | None) -> int | None:
    return user.user_id if user else None


# --- library, likes and ratings lists --------------------------------------------------


@api.get(
    "/api/v1/users/{id}/library",
    path_params=IdPath,
    query=LibraryQuery,
    reply=LibraryPage,
    auth="public",
)
async def user_library(
    request: web.Request, path: IdPath, query: LibraryQuery, user: Principal | None
) -> LibraryPage:
    """A user's library (of one kind, in one status, or all), each title with its summary,
    the user's rating and like, and when it was added and last changed."""
    page = await library.library(
        request.app[DB],
        path.id,
        _viewer(user),
        kind=query.kind,
        status=query.status,
        sort=query.sort,
        cursor=query.cursor,
        limit=query.limit,
    )
    return _page_reply(LibraryPage, page)


@api.get(
    "/api/v1/users/{id}/library/counts",
    path_params=IdPath,
    reply=LibraryCountsOut,
    auth="public",
)
async def library_counts(
    request: web.Request, path: IdPath, user: Principal | None
) -> LibraryCountsOut:
    """How many titles a user has per kind and status, how many they liked and rated."""
    counts = await library.counts(request.app[DB], path.id, _viewer(user))
    return LibraryCountsOut(by_status=counts.by_status, likes=counts.likes, ratings=counts.ratings)


@api.get(
    "/api/v1/users/{id}/likes",
    path_params=IdPath,
    query=KindPageQuery,
    reply=LikesPage,
    auth="public",
)
async def user_likes(
    request: web.Request, path: IdPath, query: KindPageQuery, user: Principal | None
) -> LikesPage:
    """The titles a user liked, most recent first."""
    page = await library.likes(
        request.app[DB], path.id, _viewer(user), query.kind, query.cursor, query.limit
    )
    return _page_reply(LikesPage, page)


@api.get(
    "/api/v1/users/{id}/ratings",
    path_params=IdPath,
    query=KindPageQuery,
    reply=RatingsPage,
    auth="public",
)
async def user_ratings(
    request: web.Request, path: IdPath, query: KindPageQuery, user: Principal | None
) -> RatingsPage:
    """A user's ratings, most recently given first."""
    page = await library.ratings(
        request.app[DB], path.id, _viewer(user), query.kind, query.cursor, query.limit
    )
    return _page_reply(RatingsPage, page)


class FriendsQuery(Schema):
    limit: int = pydantic.Field(default=20, ge=1, le=100)


class FriendOut(Schema):
    user: AuthorOut
    user_id: int
    rating: float | None
    status: str | None
    liked: bool
    review_id: int | None
    review: str | None
    spoiler: bool
    active_at: datetime


class FriendsOut(Schema):
    items: list[FriendOut]


@api.get("/api/v1/media/{id}/friends", path_params=IdPath, query=FriendsQuery, reply=FriendsOut)
async def friends_activity(
    request: web.Request, path: IdPath, query: FriendsQuery, user: Principal
) -> FriendsOut:
    """What the people one follows did with this title: ratings, statuses, likes, reviews."""
    found = await library.friends_on_title(request.app[DB], path.id, user.user_id, query.limit)
    return FriendsOut(
        items=[
            FriendOut(
                user=AuthorOut.model_validate(friend.user),
                user_id=int(friend.user["id"]),  # type: ignore[call-overload]
                rating=friend.rating,
                status=friend.status,
                liked=friend.liked,
                review_id=friend.review_id,
                review=friend.review,
                spoiler=friend.spoiler,
                active_at=friend.active_at,
            )
            for friend in found
        ]
    )


# --- diary ---------------------------------------------------------------------------


Platform = Annotated[
    str, pydantic.Field(min_length=1, max_length=64, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
]


class LogIn(Schema):
    """A viewing or play session: ``at`` (an instant) or ``date`` (a day in one's time
    zone), or neither for now."""

    date: datetime_date | None = None
    at: pydantic.AwareDatetime | None = None
    rating: float | None = pydantic.Field(default=None, description="0.5 to 5 in half steps")
    review: str | None = pydantic.Field(
        default=None, min_length=1, max_length=rules.REVIEW_MAX_CHARS
    )
    spoiler: bool = False
    replay: bool = False
    platform: Platform | None = None
    outcome: Literal["finished", "abandoned"] | None = pydantic.Field(
        default=None, description="games only"
    )
    liked: bool = False

    @pydantic.field_validator("review")
    @classmethod
    def _not_blank(cls, review: str | None) -> str | None:
        if review is not None and not review.strip():
            raise ValueError("a review needs some text")
        return review


class LogPatch(Schema):
    date: datetime_date | None = None
    at: pydantic.AwareDatetime | None = None
    rating: float | None = None
    replay: bool | None = None
    platform: Platform | None = None
    outcome: Literal["finished", "abandoned"] | None = None
    liked: bool | None = None


class EntryOut(Schema):
    id: int
    user_id: int
    media_id: int
    kind: catalog.Kind
    date: datetime_date
    at: datetime
    rating: float | None
    review_id: int | None
    replay: bool
    platform: str | None
    outcome: str | None
    liked: bool


class DiaryItemOut(EntryOut):
    media: TitleOut


class DiaryQuery(Schema):
    year: int | None = pydantic.Field(default=None, ge=1870, le=2200)
    month: int | None = pydantic.Field(default=None, ge=1, le=12)
    cursor: str | None = None
    limit: int = pydantic.Field(default=50, ge=1, le=200)


class DiaryPage(Schema):
    items: list[DiaryItemOut]
    next_cursor: str | None


def _entry_fields(entry: diary.Entry) -> dict[str, object]:
    return {
        "id": entry.id,
        "user_id": entry.user_id,
        "media_id": entry.media_id,
        "kind": entry.kind,
        "date": entry.day,
        "at": entry.watched_at,
        "rating": entry.rating,
        "review_id": entry.review_id,
        "replay": entry.replay,
        "platform": entry.platform,
        "outcome": entry.outcome,
        "liked": entry.liked,
    }


@api.post(
    "/api/v1/media/{id}/logs",
    path_params=IdPath,
    body=LogIn,
    reply=EntryOut,
    status=201,
    idempotent=True,
)
async def log_session(request: web.Request, path: IdPath, body: LogIn, user: Principal) -> EntryOut:
    """Log a viewing or play session in one's diary; the title's status, one's rating,
    like and review follow from it."""
    session = diary.Session(
        day=body.date,
        at=body.at,
        rating=body.rating,
        review=body.review,
        spoiler=body.spoiler,
        replay=body.replay,
        platform=body.platform,
        outcome=body.outcome,
        liked=body.liked,
    )
    entry = await diary.log(request.app[DB], user.user_id, path.id, session)
    return EntryOut.model_validate(_entry_fields(entry))


@api.patch("/api/v1/diary/{id}", path_params=IdPath, body=LogPatch, reply=EntryOut)
async def edit_entry(
    request: web.Request, path: IdPath, body: LogPatch, user: Principal
) -> EntryOut:
    """Change one's diary entry (its date, rating, replay flag, platform, outcome, like)."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    if "date" in changes:
        changes["day"] = changes.pop("date")
    for name in ("day", "at", "replay", "liked"):
        if name in changes and changes[name] is None:
            raise invalid_field("date" if name == "day" else name, "cannot be null")
    entry = await diary.edit(request.app[DB], user.user_id, path.id, changes)
    return EntryOut.model_validate(_entry_fields(entry))


@api.delete("/api/v1/diary/{id}", path_params=IdPath)
async def delete_entry(request: web.Request, path: IdPath, user: Principal) -> None:
    """Delete one's diary entry."""
    await diary.delete(request.app[DB], user.user_id, path.id)


@api.get(
    "/api/v1/users/{id}/diary",
    path_params=IdPath,
    query=DiaryQuery,
    reply=DiaryPage,
    auth="public",
)
async def user_diary(
    request: web.Request, path: IdPath, query: DiaryQuery, user: Principal | None
) -> DiaryPage:
    """A user's diary, latest day first: all of it, a year, or a month of a year (days in
    the owner's time zone)."""
    page = await diary.entries(
        request.app[DB],
        path.id,
        _viewer(user),
        year=query.year,
        month=query.month,
        cursor=query.cursor,
        limit=query.limit,
    )
    return _page_reply(
        DiaryPage, page, lambda shown: {**_entry_fields(shown.entry), "media": shown.media}
    )


# --- lists ---------------------------------------------------------------------------

PathId = Annotated[int, pydantic.Field(ge=1, le=2**63 - 1)]


class ListEntryPath(Schema):
    id: PathId
    media_id: PathId


class ListEditorPath(Schema):
    id: PathId
    user_id: PathId


class ListIn(Schema):
    name: str = pydantic.Field(min_length=1, max_length=200)
    description: str = pydantic.Field(default="", max_length=5000)
    ranked: bool = False
    visibility: Literal["public", "private"] = "public"
    # A watchlist shared by friends: members are invited and accept.
    shared: bool = False

    @pydantic.field_validator("name")
    @classmethod
    def _named(cls, name: str) -> str:
        if not name.strip():
            raise ValueError("a list needs a name")
        return name.strip()


class ListPatch(Schema):
    name: str | None = pydantic.Field(default=None, min_length=1, max_length=200)
    description: str | None = pydantic.Field(default=None, max_length=5000)
    ranked: bool | None = None
    visibility: Literal["public", "private"] | None = None
    shared: bool | None = None

    @pydantic.field_validator("name")
    @classmethod
    def _named(cls, name: str | None) -> str | None:
        if name is not None and not name.strip():
            raise ValueError("a list needs a name")
        return name.strip() if name is not None else None


class ListOut(Schema):
    id: int
    owner_id: int
    name: str
    description: str
    ranked: bool
    visibility: Literal["public", "private"]
    entries: int
    likes: int
    shared: bool
    created_at: datetime
    updated_at: datetime


class PersonOut(Schema):
    id: int
    display_name: str
    avatar_url: str | None


class ListViewOut(ListOut):
    editors: list[int]
    # A shared list's members, its owner first (empty for a plain list).
    members: list[int]
    # Who is invited to a shared list (shown to its members only).
    invited: list[int]
    # The members' and the invited's names and avatars.
    people: list[PersonOut]
    # How many of the list's titles the viewer watched, completed or logged (None: anonymous).
    seen: int | None
    liked: bool
    following: bool
    can_edit: bool


class ListPageOut(Schema):
    items: list[ListOut]
    next_cursor: str | None


class ListEntryIn(Schema):
    note: str | None = pydantic.Field(default=None, max_length=2000)
    position: int | None = pydantic.Field(default=None, ge=1, le=100_000)


class ListEntryOut(Schema):
    media: TitleOut
    position: int
    note: str
    added_by: int | None
    added_at: datetime
    # Which members of a shared list saw the title (for its members; null otherwise).
    seen_by: list[int] | None


class ListEntriesOut(Schema):
    items: list[ListEntryOut]
    next_cursor: str | None


class EditorsOut(Schema):
    editors: list[int]


class InvitesOut(Schema):
    invited: list[int]


class ListEntriesQuery(PageQuery):
    # Only the titles none of a shared list's members has seen (what to watch together).
    unseen_by_all: bool = False


class MyListsQuery(PageQuery):
    # Only the shared (true) or only the plain (false) lists.
    shared: bool | None = None


class ListInviteOut(Schema):
    list: ListOut
    invited_by: int
    inviter: AuthorOut
    invited_at: datetime


class ListInvitesOut(Schema):
    items: list[ListInviteOut]
    next_cursor: str | None


class ListDiscoveryQuery(Schema):
    q: str | None = pydantic.Field(default=None, min_length=1, max_length=200)
    cursor: str | None = None
    limit: int = pydantic.Field(default=20, ge=1, le=100)


def _list_fields(found: lists.TitleList) -> dict[str, object]:
    return dataclasses.asdict(found)


def _list_view(shown: lists.ListView) -> ListViewOut:
    return ListViewOut.model_validate(
        {
            **_list_fields(shown.list),
            "editors": shown.editors,
            "members": shown.members,
            "invited": shown.invited,
            "people": shown.people,
            "seen": shown.seen,
            "liked": shown.liked,
            "following": shown.following,
            "can_edit": shown.can_edit,
        }
    )


@api.post("/api/v1/lists", body=ListIn, reply=ListOut, status=201, idempotent=True)
async def create_list(request: web.Request, body: ListIn, user: Principal) -> ListOut:
    """Make a list of titles of any kind: plain or ranked, public or private, one's own or
    shared with friends."""
    found = await lists.create(
        request.app[DB],
        user.user_id,
        body.name,
        body.description,
        body.ranked,
        body.visibility,
        body.shared,
    )
    return ListOut.model_validate(_list_fields(found))


@api.get("/api/v1/lists", query=ListDiscoveryQuery, reply=ListPageOut, auth="public")
async def discover_lists(request: web.Request, query: ListDiscoveryQuery) -> ListPageOut:
    """Public lists, newest first; those whose name matches ``q`` (forgiving typos)."""
    page = await lists.discover(request.app[DB], query.q, query.cursor, query.limit)
    return _page_reply(ListPageOut, page, _list_fields)


@api.get("/api/v1/me/lists", query=MyListsQuery, reply=ListPageOut)
async def my_lists(request: web.Request, query: MyListsQuery, user: Principal) -> ListPageOut:
    """The lists one owns, edits or is a member of, newest first (only the shared or the
    plain ones with ``shared``)."""
    page = await lists.editable(
        request.app[DB], user.user_id, query.cursor, query.limit, query.shared
    )
    return _page_reply(ListPageOut, page, _list_fields)


@api.get("/api/v1/lists/{id}", path_params=IdPath, reply=ListViewOut, auth="public")
async def get_list(request: web.Request, path: IdPath, user: Principal | None) -> ListViewOut:
    """A list, its editors, and how much of it the viewer has seen."""
    return _list_view(await lists.view(request.app[DB], path.id, _viewer(user)))


@api.patch("/api/v1/lists/{id}", path_params=IdPath, body=ListPatch, reply=ListOut)
async def edit_list(
    request: web.Request, path: IdPath, body: ListPatch, user: Principal
) -> ListOut:
    """Rename, describe, rank or unrank, publish or hide, share or unshare one's list."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    for name, value in changes.items():
        if value is None:
            raise invalid_field(name, "cannot be null")
    found = await lists.update(request.app[DB], path.id, user.user_id, changes)
    return ListOut.model_validate(_list_fields(found))


@api.delete("/api/v1/lists/{id}", path_params=IdPath)
async def delete_list(request: web.Request, path: IdPath, user: Principal) -> None:
    """Delete one's list."""
    await lists.delete(request.app[DB], path.id, user.user_id)


@api.get(
    "/api/v1/lists/{id}/entries",
    path_params=IdPath,
    query=ListEntriesQuery,
    reply=ListEntriesOut,
    auth="public",
)
async def list_entries(
    request: web.Request, path: IdPath, query: ListEntriesQuery, user: Principal | None
) -> ListEntriesOut:
    """A list's titles in order, each with its note; a shared list's members see which of
    them saw each, and with ``unseen_by_all`` only those none of them saw."""
    page = await lists.entries(
        request.app[DB],
        path.id,
        _viewer(user),
        query.cursor,
        query.limit,
        unseen_by_all=query.unseen_by_all,
    )
    return _page_reply(ListEntriesOut, page)


@api.put(
    "/api/v1/lists/{id}/entries/{media_id}",
    path_params=ListEntryPath,
    body=ListEntryIn,
    reply=ListViewOut,
)
async def put_list_entry(
    request: web.Request, path: ListEntryPath, body: ListEntryIn, user: Principal
) -> ListViewOut:
    """Add a title to a list one edits (at ``position``, else at the end), move it, or
    change its note; a title is in a list at most once."""
    await lists.put_entry(
        request.app[DB],
        path.id,
        user.user_id,
        path.media_id,
        note=body.note,
        position=body.position,
    )
    return _list_view(await lists.view(request.app[DB], path.id, user.user_id))


@api.delete("/api/v1/lists/{id}/entries/{media_id}", path_params=ListEntryPath)
async def delete_list_entry(request: web.Request, path: ListEntryPath, user: Principal) -> None:
    """Take a title out of a list one edits."""
    await lists.remove_entry(request.app[DB], path.id, user.user_id, path.media_id)


@api.put("/api/v1/lists/{id}/editors/{user_id}", path_params=ListEditorPath, reply=EditorsOut)
async def add_list_editor(
    request: web.Request, path: ListEditorPath, user: Principal
) -> EditorsOut:
    """Invite someone to edit one's list."""
    editors = await lists.set_editor(
        request.app[DB], path.id, user.user_id, path.user_id, editing=True
    )
    return EditorsOut(editors=editors)


@api.delete("/api/v1/lists/{id}/editors/{user_id}", path_params=ListEditorPath, reply=EditorsOut)
async def remove_list_editor(
    request: web.Request, path: ListEditorPath, user: Principal
) -> EditorsOut:
    """Take back an editor's right to edit one's list."""
    editors = await lists.set_editor(
        request.app[DB], path.id, user.user_id, path.user_id, editing=False
    )
    return EditorsOut(editors=editors)


# --- shared watchlists ----------------------------------------------------------------


class ListMemberPath(Schema):
    id: PathId
    user_id: PathId


@api.put("/api/v1/lists/{id}/invites/{user_id}", path_params=ListMemberPath, reply=InvitesOut)
async def invite_to_list(request: web.Request, path: ListMemberPath, user: Principal) -> InvitesOut:
    """Invite a friend (someone who follows you back) to a shared watchlist you are in."""
    invited = await lists.invite(request.app[DB], path.id, user.user_id, path.user_id)
    return InvitesOut(invited=invited)


@api.delete("/api/v1/lists/{id}/invites/{user_id}", path_params=ListMemberPath)
async def withdraw_list_invite(request: web.Request, path: ListMemberPath, user: Principal) -> None:
    """Take back a pending invitation to a shared watchlist."""
    await lists.withdraw_invite(request.app[DB], path.id, user.user_id, path.user_id)


@api.post("/api/v1/lists/{id}/invites/accept", path_params=IdPath, reply=ListViewOut)
async def accept_list_invite(request: web.Request, path: IdPath, user: Principal) -> ListViewOut:
    """Join a shared watchlist you are invited to."""
    return _list_view(await lists.accept_invite(request.app[DB], path.id, user.user_id))


@api.post("/api/v1/lists/{id}/invites/decline", path_params=IdPath)
async def decline_list_invite(request: web.Request, path: IdPath, user: Principal) -> None:
    """Say no to an invitation to a shared watchlist."""
    await lists.decline_invite(request.app[DB], path.id, user.user_id)


@api.get("/api/v1/me/list-invites", query=PageQuery, reply=ListInvitesOut)
async def my_list_invites(
    request: web.Request, query: PageQuery, user: Principal
) -> ListInvitesOut:
    """The shared watchlists you are invited to, newest first, with who invited you."""
    page = await lists.pending_invites(request.app[DB], user.user_id, query.cursor, query.limit)
    return _page_reply(
        ListInvitesOut,
        page,
        lambda item: {
            "list": _list_fields(item.list),
            "invited_by": item.invited_by,
            "inviter": item.inviter or DELETED_AUTHOR.model_dump(),
            "invited_at": item.invited_at,
        },
    )


@api.delete("/api/v1/lists/{id}/members/{user_id}", path_params=ListMemberPath)
async def remove_list_member(request: web.Request, path: ListMemberPath, user: Principal) -> None:
    """Leave a shared watchlist (your own id), or remove a member from yours."""
    await lists.remove_member(request.app[DB], path.id, user.user_id, path.user_id)


@api.put("/api/v1/lists/{id}/entries/{media_id}/seen", path_params=ListEntryPath, status=204)
async def mark_list_entry_seen(request: web.Request, path: ListEntryPath, user: Principal) -> None:
    """Mark a title of a shared watchlist seen: watched or completed in your own library."""
    await lists.mark_seen(request.app[DB], path.id, user.user_id, path.media_id)


@api.put("/api/v1/lists/{id}/like", path_params=IdPath, reply=ListViewOut)
async def like_list(request: web.Request, path: IdPath, user: Principal) -> ListViewOut:
    """Like a list (twice is once)."""
    return _list_view(await lists.mark(request.app[DB], path.id, user.user_id, like=True))


@api.delete("/api/v1/lists/{id}/like", path_params=IdPath, reply=ListViewOut)
async def unlike_list(request: web.Request, path: IdPath, user: Principal) -> ListViewOut:
    return _list_view(await lists.mark(request.app[DB], path.id, user.user_id, like=False))


@api.put("/api/v1/lists/{id}/follow", path_params=IdPath, reply=ListViewOut)
async def follow_list(request: web.Request, path: IdPath, user: Principal) -> ListViewOut:
    """Follow a list (twice is once)."""
    return _list_view(await lists.mark(request.app[DB], path.id, user.user_id, follow=True))


@api.delete("/api/v1/lists/{id}/follow", path_params=IdPath, reply=ListViewOut)
async def unfollow_list(request: web.Request, path: IdPath, user: Principal) -> ListViewOut:
    return _list_view(await lists.mark(request.app[DB], path.id, user.user_id, follow=False))


# --- signals -------------------------------------------------------------------------


@api.post(
    "/api/v1/signals",
    body=SignalsIn,
    reply=SignalsOut,
    status=202,
    auth="public",
    idempotent=True,
)
async def record_signals(
    request: web.Request, body: SignalsIn, user: Principal | None
) -> SignalsOut:
    """Record up to 500 client events (views, clicks, dwell, searches); each is accepted
    or refused with its reason, and the accepted ones are stored even when others are not."""
    results = await service.record_signals(
        request.app[REDIS], request.app[SETTINGS], body.events, user.user_id if user else None
    )
    accepted = sum(result.accepted for result in results)
    return SignalsOut(
        accepted=accepted,
        rejected=len(results) - accepted,
        # Up to 500 results built from our own values: not validated again, field by field
        # (a third of the handler's time in a burst of full batches went there).
        results=[
            SignalResult.model_construct(
                index=result.index,
                id=result.id,
                status="accepted" if result.accepted else "rejected",
                reason=result.reason,
            )
            for result in results
        ],
    )


def setup(app: web.Application) -> None:
    api.register(app)
    app[counters.ANNOUNCER] = counters.Announcer()
