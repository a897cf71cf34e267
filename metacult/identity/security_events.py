"""The domain events of identity's account security (verification, reset, two-factor)."""

from __future__ import annotations

import pydantic

from metacult.infra.events import EventType


class PasswordResetRequested(pydantic.BaseModel):
    """Someone asked for a reset link for ``email``; the account may not exist."""

    email: str
    language: str


PASSWORD_RESET_REQUESTED = EventType(
    "identity.password_reset_requested",
    PasswordResetRequested,
    summary="A reset link was asked for an address; a worker mails it if an account has it.",
)
