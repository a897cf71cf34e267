"""Demo users: skewed, genre-loving, quality-driven histories, seeded idempotently."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from statistics import correlation, mean

import asyncpg
import pytest

from metacult.infra.migrations import dsn_for
from metacult.interaction import demo
from tests.conftest import ADMIN_DSN, TEST_DSN
from tests.random_refs import suffix


def synthetic_titles(count: int = 300) -> list[demo.Title]:
    rng = random.Random(7)
    genres = ("rpg", "action", "drama", "comedy", "horror", "puzzle")
    rows = [
        (n + 1, ("game", "film", "series")[n % 3], (genres[n % 6], genres[(n * 7) % 6]), 1000 - n)
        for n in range(count)
    ]
    return demo.rank_titles(rows, rng)


@pytest.mark.unit
def test_popular_titles_get_most_of_the_activity_and_ratings_follow_quality() -> None:
    titles = synthetic_titles()
    by_id = {title.id: title for title in titles}
    now = datetime.now(UTC)
    actions = [
        action
        for user in range(300)
        for action in demo.history(titles, random.Random(f"user-{user}"), now)
    ]

    touches = Counter(action.media_id for action in actions)
    head = sum(touches[t.id] for t in titles if t.rank < len(titles) // 10)
    assert head > 0.3 * len(actions)  # the top 10% of titles get over three times their share

    rated = [a for a in actions if a.half_stars]
    assert (
        correlation([by_id[a.media_id].quality for a in rated], [a.half_stars for a in rated]) > 0.5
    )
    liked = [a.half_stars for a in rated if a.liked]
    assert mean(liked) > mean(a.half_stars for a in rated)
    assert {a.status for a in actions} >= {
        "completed",
        "watched",
        "wishlist",
        "watchlist",
        "dropped",
    }


@pytest.mark.unit
def test_each_user_leans_towards_a_few_favourite_genres() -> None:
    titles = synthetic_titles()
    by_id = {title.id: title for title in titles}
    actions = demo.history(titles, random.Random("fan"), datetime.now(UTC))
    genres = Counter(genre for a in actions for genre in by_id[a.media_id].genres)
    top_two = sum(count for _, count in genres.most_common(2))
    assert top_two > 0.4 * sum(genres.values())


@pytest.fixture
def scratch_database():
    """A database of its own, so that demo histories do not skew other tests' titles."""
    name = f"metacult_test_demo_{suffix()}"
    yield dsn_for(TEST_DSN, name)

    async def drop() -> None:
        admin = await asyncpg.connect(ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    import asyncio

    asyncio.run(drop())


@pytest.mark.slow  # runs a subprocess
def test_seed_with_demo_users_creates_them_once_with_histories(scratch_database) -> None:
    env = {**os.environ, "DATABASE_URL": scratch_database}

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "metacult", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("migrate")
    first = run("seed", "--demo-users", "4")
    again = run("seed", "--demo-users", "4")

    assert "demo users: 4 created" in first
    assert "demo users: 0 created" in again

    async def check() -> None:
        conn = await asyncpg.connect(scratch_database)
        try:
            users = await conn.fetchval("SELECT count(DISTINCT user_id) FROM activities")
            stats = await conn.fetchrow(
                "SELECT sum(ratings_count) AS ratings, sum(likes) AS likes FROM media_stats"
            )
            ratings = await conn.fetchval("SELECT count(*) FROM ratings")
        finally:
            await conn.close()
        assert users == 4
        assert stats["ratings"] == ratings > 0

    import asyncio

    asyncio.run(check())
