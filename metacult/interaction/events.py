"""Interaction's domain events: likes, ratings, library statuses and reviews.

Every payload names the acting ``user_id``, the title's ``media_id`` and its ``kind``.
"""

from __future__ import annotations

import datetime
from typing import Literal

import pydantic

from metacult.catalog import Kind, LibraryStatus
from metacult.infra.events import EventType

# Why a reader reports a review.
ReportReason = Literal["spoiler", "abuse", "spam", "off_topic", "other"]


class AboutMedia(pydantic.BaseModel):
    """Who did it, to which title, of which kind."""

    model_config = pydantic.ConfigDict(frozen=True)

    user_id: int
    media_id: int
    kind: Kind


class RatedPayload(AboutMedia):
    rating: float
    previous: float | None


class UnratedPayload(AboutMedia):
    previous: float


class StatusChangedPayload(AboutMedia):
    status: LibraryStatus | None
    previous: LibraryStatus | None


class ReviewWrittenPayload(AboutMedia):
    review_id: int
    spoiler: bool
    length: int


class ReviewDeletedPayload(pydantic.BaseModel):
    """``user_id`` is the author (None for an anonymised review), ``deleted_by`` who deleted."""

    model_config = pydantic.ConfigDict(frozen=True)

    user_id: int | None
    media_id: int
    kind: Kind
    review_id: int
    deleted_by: int


class ReviewReportedPayload(AboutMedia):
    """``user_id`` is the reader who reported, ``author_id`` the review's author."""

    review_id: int
    author_id: int | None
    reason: ReportReason


class ReviewHiddenPayload(pydantic.BaseModel):
    """``user_id`` is the author (None for an anonymised review), ``hidden_by`` the moderator."""

    model_config = pydantic.ConfigDict(frozen=True)

    user_id: int | None
    media_id: int
    kind: Kind
    review_id: int
    reason: str
    hidden_by: int


class ReviewLikePayload(AboutMedia):
    review_id: int
    author_id: int | None


class DiaryEntryPayload(AboutMedia):
    entry_id: int
    day: datetime.date
    replay: bool


DIARY_LOGGED = EventType(
    "interaction.diary_logged",
    DiaryEntryPayload,
    summary="A user logged a viewing or play session of a title in their diary.",
)
DIARY_EDITED = EventType(
    "interaction.diary_edited", DiaryEntryPayload, summary="A user changed a diary entry."
)
DIARY_DELETED = EventType(
    "interaction.diary_deleted", DiaryEntryPayload, summary="A user deleted a diary entry."
)


class ListChangedPayload(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    list_id: int
    user_id: int
    change: Literal[
        "created",
        "updated",
        "deleted",
        "entry_added",
        "entry_changed",
        "entry_removed",
        "editors_changed",
        "members_changed",
        # Who may read it changed without the list changing (a block between its owner
        # or an editor and someone else).
        "audience_changed",
    ]
    media_id: int | None = None


LIST_CHANGED = EventType(
    "interaction.list_changed",
    ListChangedPayload,
    summary=(
        "A list was created, changed or deleted, an editor added, moved or removed a title, "
        "or a shared list's members or invitations changed."
    ),
)


class SharedListInvitedPayload(pydantic.BaseModel):
    """``user_id`` (the owner or a member) invited ``invitee_id``, a friend, to a shared list."""

    model_config = pydantic.ConfigDict(frozen=True)

    list_id: int
    user_id: int
    invitee_id: int


SHARED_LIST_INVITED = EventType(
    "interaction.shared_list_invited",
    SharedListInvitedPayload,
    summary="A member of a shared watchlist invited a friend to join it.",
)


class RecommendedPayload(AboutMedia):
    """``user_id`` recommended the title to ``friend_id`` (who follows them back)."""

    friend_id: int
    note: str


RECOMMENDED = EventType(
    "interaction.recommended",
    RecommendedPayload,
    summary="A user recommended a title to a friend (someone who follows them back).",
)


class HistoryImportPayload(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    import_id: int
    user_id: int
    source: str


HISTORY_IMPORT_UPLOADED = EventType(
    "interaction.history_import_uploaded",
    HistoryImportPayload,
    summary="A user uploaded a history to import (Letterboxd, Backloggd, Trakt, Steam).",
)
HISTORY_IMPORT_CONFIRMED = EventType(
    "interaction.history_import_confirmed",
    HistoryImportPayload,
    summary="A user confirmed an import preview; its rows were written to their history.",
)


class MarksForgottenPayload(pydantic.BaseModel):
    """``user_id``, a deleted account, had liked, rated or put in its library ``media_ids``."""

    model_config = pydantic.ConfigDict(frozen=True)

    user_id: int
    media_ids: tuple[int, ...]


MARKS_FORGOTTEN = EventType(
    "interaction.marks_forgotten",
    MarksForgottenPayload,
    summary=(
        "A deleted account's likes, ratings and library entries were removed (its reviews "
        "stay, anonymised) and the counters of the titles it had marked were recounted."
    ),
)

LIKED = EventType("interaction.liked", AboutMedia, summary="A user liked a title.")
UNLIKED = EventType("interaction.unliked", AboutMedia, summary="A user took back a like.")
RATED = EventType(
    "interaction.rated",
    RatedPayload,
    summary="A user rated a title (0.5 to 5 stars), or changed their rating.",
)
UNRATED = EventType("interaction.unrated", UnratedPayload, summary="A user removed their rating.")
STATUS_CHANGED = EventType(
    "interaction.status_changed",
    StatusChangedPayload,
    summary="A title entered, moved in or left (status null) a user's library.",
)
REVIEWED = EventType("interaction.reviewed", ReviewWrittenPayload, summary="A review was written.")
REVIEW_EDITED = EventType(
    "interaction.review_edited",
    ReviewWrittenPayload,
    summary="A review's author changed its text or spoiler flag.",
)
REVIEW_DELETED = EventType(
    "interaction.review_deleted",
    ReviewDeletedPayload,
    summary="A review was deleted by its author or an administrator.",
)
REVIEW_HIDDEN = EventType(
    "interaction.review_hidden",
    ReviewHiddenPayload,
    summary="A moderator hid a review from everyone but its author.",
)
REVIEW_REPORTED = EventType(
    "interaction.review_reported",
    ReviewReportedPayload,
    summary="A reader reported a review to the moderators (once per reader and review).",
)
REVIEW_LIKED = EventType(
    "interaction.review_liked", ReviewLikePayload, summary="A user liked a review."
)
REVIEW_UNLIKED = EventType(
    "interaction.review_unliked", ReviewLikePayload, summary="A user took back a review like."
)

# The events that change a title's community counters (likes, ratings, reviews).
COUNTED = (LIKED, UNLIKED, RATED, UNRATED, REVIEWED, REVIEW_DELETED, REVIEW_HIDDEN)
