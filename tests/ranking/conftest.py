"""Titles, users and duels arranged for the ranking tests (SQL fixtures, unique slugs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest_asyncio

from metacult import identity
from metacult.ranking import store
from metacult.ranking.events import VOTE_CAST, VoteCastPayload
from metacult.ranking.service import RankingState
from tests import random_refs


@pytest_asyncio.fixture(loop_scope="session")
async def ranking_state():
    """Ranking's state as a worker keeps it (background flushes), closed after the test."""
    state = RankingState()
    yield state
    await state.close()


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
        if rows:
            return rows[0]["id"]
        # The matchmaker offered the pair first (a worker preparing the user's next duels
        # after a vote): that duel is the one to vote on.
        return await conn.fetchval(
            "SELECT id FROM ranking_duels WHERE user_id = $1"
            " AND least(a_id, b_id) = least($2::bigint, $3::bigint)"
            " AND greatest(a_id, b_id) = greatest($2::bigint, $3::bigint)",
            user_id,
            a,
            b,
        )


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
