"""Titles, users and duels arranged for the ranking tests (SQL fixtures, unique slugs)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest_asyncio

from metacult import identity
from metacult.ranking import store
from metacult.ranking.service import RankingState
from tests import random_refs


@pytest_asyncio.fixture(loop_scope="session")
async def ranking_state():
    """Ranking's state as a worker keeps it (background flushes), closed after the test."""
    state = RankingState()
    yield state
    await state.close()


async def make_titles(
    db: asyncpg.Pool,
    count: int,
    *,
    kind: str = "game",
    genres: tuple[str, ...] = (),
    platforms: tuple[str, ...] = (),
) -> list[int]:
    """Fresh titles of ``kind`` (media rows, as the catalogue holds them)."""
    rows = await db.fetch(
        "INSERT INTO media (kind, title, slug, genres, platforms)"
        " SELECT $1, 'Title ' || s, s, $3, $4 FROM unnest($2::text[]) AS s RETURNING id",
        kind,
        [random_refs.slug("title") for _ in range(count)],
        list(genres),
        list(platforms),
    )
    return sorted(row["id"] for row in rows)


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
    return {
        "id": str(uuid.uuid4()),
        "type": "ranking.vote_cast",
        "version": 1,
        "occurred_at": "2026-01-01T00:00:00+00:00",
        "data": {
            "duel_id": 0,
            "user_id": user_id,
            "kind": "game",
            "a_id": winner,
            "b_id": loser,
            "outcome": "a",
            "winner_id": winner,
            "loser_id": loser,
        },
    }
