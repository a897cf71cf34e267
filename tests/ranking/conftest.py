"""Titles, users and duels arranged for the ranking tests (SQL fixtures, unique slugs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from metacult import identity
from metacult.ranking import store
from metacult.ranking.events import VOTE_CAST, VoteCastPayload
from tests import random_refs


def unique_genre() -> str:
    return f"g-{random_refs.suffix()}"


async def offer(
    db: asyncpg.Pool, user_id: int, a: int, b: int, *, kind: str = "game", ttl: int = 600
) -> int:
    """A duel between ``a`` and ``b`` offered to the user (as the matchmaker would store it)."""
    async with db.acquire() as conn:
        rows = await store.insert_duels(
            conn, user_id, kind, [(a, b)], datetime.now(UTC) + timedelta(seconds=ttl)
        )
    return rows[0]["id"]


async def new_user(db: asyncpg.Pool, name: str = "Voter") -> int:
    """A user made in the database, for tests that apply votes without the API."""
    async with db.acquire() as conn:
        return await identity.create_user(
            conn, email=random_refs.email(name.lower()), display_name=name
        )


def vote_cast(user_id: int, winner: int, loser: int) -> dict:
    """A ``ranking.vote_cast`` event as the actor receives it."""
    payload = VoteCastPayload(
        duel_id=0,
        user_id=user_id,
        kind="game",
        a_id=winner,
        b_id=loser,
        outcome="a",
        winner_id=winner,
        loser_id=loser,
        cast_at=datetime.now(UTC),
    )
    return VOTE_CAST.event(payload).to_message()
