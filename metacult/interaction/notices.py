"""Interaction's kinds of notification (stored in the inbox and pushed on ``user:{id}``)."""

from __future__ import annotations

import pydantic

from metacult import identity
from metacult.catalog import Kind


class HiddenReviewNotice(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    review_id: int
    media_id: int
    kind: Kind
    reason: str


HIDDEN_REVIEW_NOTICE = identity.NotificationKind(
    "interaction.hidden_review", HiddenReviewNotice, "A moderator hid your review, and why."
)


class NewSeasonNotice(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    media_id: int
    title: str
    season_number: int


NEW_SEASON_NOTICE = identity.NotificationKind(
    "interaction.new_season",
    NewSeasonNotice,
    'A new season of a series you follow: it is back in your "watching".',
)


class RecommendationNotice(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    from_user_id: int
    display_name: str
    media_id: int
    kind: Kind
    title: str
    note: str


RECOMMENDATION_NOTICE = identity.NotificationKind(
    "interaction.recommendation",
    RecommendationNotice,
    "A friend recommended a title to you, with their note.",
)


class SharedListInviteNotice(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    list_id: int
    name: str
    from_user_id: int
    display_name: str


SHARED_LIST_INVITE_NOTICE = identity.NotificationKind(
    "interaction.shared_list_invite",
    SharedListInviteNotice,
    "A friend invited you to a shared watchlist: accept or decline it.",
)
