"""Discovery's domain events: what a user said about the feed."""

from __future__ import annotations

import pydantic

from metacult.catalog import Kind
from metacult.infra.events import EventType


class DismissedPayload(pydantic.BaseModel):
    """``reason`` is the user's optional words ("seen it", "not my genre")."""

    model_config = pydantic.ConfigDict(frozen=True)

    user_id: int
    media_id: int
    kind: Kind
    reason: str | None


DISMISSED = EventType(
    "discovery.dismissed",
    DismissedPayload,
    summary='A user said "not interested" to a title of their feed; it leaves their feed.',
)
