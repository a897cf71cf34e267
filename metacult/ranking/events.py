"""Ranking's domain events: votes cast on duels."""

from __future__ import annotations

from datetime import datetime

import pydantic

from metacult.infra.events import EventType


class VoteCastPayload(pydantic.BaseModel):
    """``outcome`` is ``a``, ``b`` or a skip; winner and loser are None for a skip."""

    model_config = pydantic.ConfigDict(frozen=True)

    duel_id: int
    user_id: int
    kind: str
    a_id: int
    b_id: int
    outcome: str
    winner_id: int | None
    loser_id: int | None
    cast_at: datetime

    @pydantic.field_serializer("cast_at")
    def _iso(self, cast_at: datetime) -> str:
        # The wire form the first consumers were written against: ``isoformat()``.
        return cast_at.isoformat()


VOTE_CAST = EventType(
    "ranking.vote_cast",
    VoteCastPayload,
    summary="A user voted on their duel (a winner, or a skip); ratings follow from it.",
)
