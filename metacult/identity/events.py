"""Identity's domain events: who signed up, who follows whom, which account was deleted,
who asked for a password reset link."""

from __future__ import annotations

import pydantic

from metacult.infra.events import EventType


class UserPayload(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    user_id: int


class FollowPayload(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    follower_id: int
    followee_id: int


SIGNED_UP = EventType(
    "identity.signed_up", UserPayload, summary="A new account was created (any sign-up path)."
)
FOLLOWED = EventType(
    "identity.followed", FollowPayload, summary="A user started following another."
)
UNFOLLOWED = EventType(
    "identity.unfollowed", FollowPayload, summary="A user stopped following another."
)


class BlockPayload(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    blocker_id: int
    blocked_id: int


BLOCKED = EventType(
    "identity.blocked",
    BlockPayload,
    summary="A user blocked another: follows between them ended, each is hidden from the other.",
)
UNBLOCKED = EventType("identity.unblocked", BlockPayload, summary="A user lifted a block.")
ACCOUNT_DELETED = EventType(
    "identity.account_deleted",
    UserPayload,
    summary="A user deleted their account: every context forgets their personal data.",
)


class PasswordResetRequested(pydantic.BaseModel):
    """Someone asked for a reset link for ``email``; the account may not exist."""

    model_config = pydantic.ConfigDict(frozen=True)

    email: str
    language: str


PASSWORD_RESET_REQUESTED = EventType(
    "identity.password_reset_requested",
    PasswordResetRequested,
    summary="A reset link was asked for an address; a worker mails it if an account has it.",
)
