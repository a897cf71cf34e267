"""Events, users and reads arranged for the gamification tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from metacult import identity
from metacult.infra.events import DECLARED
from tests import random_refs
from tests.accounts import daytime_zone


def event(name: str, at: datetime | None = None, **data: Any) -> dict[str, Any]:
    """A domain event as the actor receives it (a new id; ``at`` its time, now by default)."""
    declared = DECLARED[name]
    payload = declared.payload.model_validate(data).model_dump(mode="json")
    return {
        "id": str(uuid.uuid4()),
        "type": name,
        "version": declared.version,
        "occurred_at": (at or datetime.now(UTC)).isoformat(),
        "data": payload,
    }


def liked(user_id: int, media_id: int, at: datetime | None = None, *, back: bool = False):
    name = "interaction.unliked" if back else "interaction.liked"
    return event(name, at, user_id=user_id, media_id=media_id, kind="film")


def voted(user_id: int, duel_id: int, at: datetime | None = None) -> dict[str, Any]:
    return event(
        "ranking.vote_cast",
        at,
        duel_id=duel_id,
        user_id=user_id,
        kind="game",
        a_id=1,
        b_id=2,
        outcome="a",
        winner_id=1,
        loser_id=2,
        cast_at=at or datetime.now(UTC),
    )


async def new_user(db: asyncpg.Pool, name: str = "Player", timezone: str | None = None) -> int:
    """A user; by default in a zone where it is now daytime, so that events "now" do not earn
    the night owl badge by the hour of the run."""
    timezone = timezone or daytime_zone()
    async with db.acquire() as conn:
        user_id = await identity.create_user(
            conn,
            email=random_refs.email(name.lower()),
            display_name=f"{name} {random_refs.suffix()[:5]}",
        )
        if timezone:
            await conn.execute("UPDATE users SET timezone = $2 WHERE id = $1", user_id, timezone)
    return user_id


async def xp_of(db: asyncpg.Pool, user_id: int) -> int:
    return await db.fetchval(
        "SELECT coalesce((SELECT xp FROM gamification_users WHERE user_id = $1), 0)", user_id
    )


async def action_xp(db: asyncpg.Pool, user_id: int, action: str) -> int:
    return await db.fetchval(
        "SELECT coalesce(sum(xp), 0) FROM gamification_ledger WHERE user_id = $1 AND action = $2",
        user_id,
        action,
    )


async def badges_of(db: asyncpg.Pool, user_id: int) -> set[str]:
    rows = await db.fetch("SELECT badge_id FROM gamification_badges WHERE user_id = $1", user_id)
    return {row["badge_id"] for row in rows}
