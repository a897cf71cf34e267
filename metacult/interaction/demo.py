"""Demo users with realistic, skewed histories: ``python -m metacult seed --demo-users N``.

The shape of real activity, on the demo catalogue:

* popularity is heavy-tailed: titles are ranked (catalogue popularity, then a seeded
  shuffle) and drawn with Zipf weights, so the head gets most of the activity;
* each user has two or three favourite genres, drawn three times as often, and an
  activity level from a log-normal (a few very active users, many light ones);
* each title has a hidden quality; ratings are that quality plus the user's own bias
  plus noise (and a little more for favourite genres), in half stars; likes, drops and
  reviews follow the rating.

Histories are written straight into this context's tables, with their activity rows,
and the counters are recounted at the end. No domain events are emitted: a demo load
of thousands of actions would otherwise flood the workers (XP, feeds) for nothing.
Seeding is idempotent: demo user ``i`` has the address ``demo-{i}@demo.metacult.test``,
and users that already exist are left as they are.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from metacult import catalog, identity
from metacult.config import Settings
from metacult.infra.errors import Conflict
from metacult.interaction import service, store

SEED = 20_261_125
ZIPF_EXPONENT = 1.0
FAVOURITE_BOOST = 3.0
HISTORY_DAYS = 365

FIRST_NAMES = (
    "Alex", "Sam", "Noa", "Lou", "Max", "Zoé", "Hugo", "Inès", "Kai", "Mira", "Jules", "Léa",
    "Ravi", "Yuki", "Omar", "Ana", "Finn", "Iris", "Theo", "Nina", "Eli", "Sofia", "Ivan", "Maya",
)  # fmt: skip
REVIEW_LINES = {
    "high": (
        "An instant favourite; I keep thinking about it.",
        "Worth every minute. The ending hit hard.",
        "Beautifully made, start to finish.",
        "I did not expect to love it this much.",
    ),
    "mid": (
        "Good, with a slow middle stretch.",
        "Solid, though it never quite surprised me.",
        "Enjoyable enough; great moments, uneven overall.",
    ),
    "low": (
        "Could not get into it, despite the hype.",
        "Some nice ideas, poorly executed.",
        "Dropped it halfway; not for me.",
    ),
}


@dataclass(frozen=True, slots=True)
class Title:
    id: int
    kind: str
    genres: tuple[str, ...]
    # Position in the popularity ranking (0: most popular) and hidden quality (stars).
    rank: int
    quality: float


@dataclass(frozen=True, slots=True)
class Action:
    """One title in a demo user's history."""

    media_id: int
    kind: str
    at: datetime
    status: str | None
    half_stars: int | None
    liked: bool
    review: str | None


def rank_titles(
    rows: Sequence[tuple[int, str, tuple[str, ...], float]], rng: random.Random
) -> list[Title]:
    """Order (id, kind, genres, popularity) rows into a popularity ranking with qualities."""
    shuffled = list(rows)
    rng.shuffle(shuffled)
    ordered = sorted(shuffled, key=lambda row: -row[3])
    titles = []
    for rank, (media_id, kind, genres, _) in enumerate(ordered):
        # Popular titles lean good, but not always: the quality is mostly its own.
        lean = 0.4 * (1 - rank / max(1, len(ordered)))
        quality = min(4.9, max(1.0, rng.gauss(3.3 + lean, 0.7)))
        titles.append(Title(media_id, kind, tuple(genres), rank, quality))
    return titles


def history(titles: Sequence[Title], rng: random.Random, now: datetime) -> list[Action]:
    """One user's history: which titles, and what they did with each."""
    genres = sorted({genre for title in titles for genre in title.genres})
    favourites = set(rng.sample(genres, k=min(len(genres), rng.choice((2, 2, 3)))))
    bias = rng.gauss(0, 0.4)
    size = min(len(titles), max(3, int(rng.lognormvariate(math.log(25), 0.8))))
    weights = [
        (FAVOURITE_BOOST if favourites.intersection(title.genres) else 1.0)
        / (title.rank + 1) ** ZIPF_EXPONENT
        for title in titles
    ]
    chosen: dict[int, Title] = {}
    while len(chosen) < size:
        for title in rng.choices(titles, weights=weights, k=size - len(chosen)):
            chosen[title.id] = title
    actions = []
    for title in chosen.values():
        fan = bool(favourites.intersection(title.genres))
        taste = title.quality + bias + (0.3 if fan else 0) + rng.gauss(0, 0.6)
        half = min(10, max(1, round(taste * 2)))
        status = _status(title.kind, half, rng)
        consumed = status not in (_wishlist(title.kind),)
        rated = consumed and rng.random() < 0.75
        liked = consumed and rng.random() < max(0.02, (half - 6) / 5)
        review = None
        if rated and rng.random() < 0.08:
            tone = "high" if half >= 8 else "mid" if half >= 5 else "low"
            review = rng.choice(REVIEW_LINES[tone])
        at = now - timedelta(seconds=rng.randrange(HISTORY_DAYS * 86_400))
        actions.append(
            Action(
                media_id=title.id,
                kind=title.kind,
                at=at,
                status=status,
                half_stars=half if rated else None,
                liked=liked,
                review=review,
            )
        )
    return sorted(actions, key=lambda action: action.at)


def _wishlist(kind: str) -> str:
    return "wishlist" if kind == "game" else "watchlist"


def _status(kind: str, half: int, rng: random.Random) -> str | None:
    done, doing = ("completed", "playing") if kind == "game" else ("watched", "watching")
    roll = rng.random()
    if roll < 0.12:
        return _wishlist(kind)
    if roll < 0.2:
        return doing
    if half <= 4 and roll < 0.45:
        return "dropped"
    if roll < 0.93:
        return done
    return None


async def seed_demo_users(db: asyncpg.Pool, settings: Settings, count: int) -> str:
    """Create demo users 1..``count`` that do not exist yet, each with a history."""
    rng = random.Random(SEED)
    async with db.acquire() as conn:
        ids = await catalog.media_ids(conn)
        if not ids:
            return "demo users: the catalogue is empty; run `python -m metacult seed` first"
        rows = []
        for media_id in ids:
            media = await catalog.get_media(conn, media_id)
            rows.append((media.id, media.kind, media.genres, media.popularity))
    titles = rank_titles(rows, rng)
    now = datetime.now(UTC)
    created = actions_written = 0
    touched: set[int] = set()
    for number in range(1, count + 1):
        user_rng = random.Random(f"{SEED}-{number}")
        name = f"{user_rng.choice(FIRST_NAMES)} {number}"
        async with db.acquire() as conn:
            try:
                user_id = await identity.create_user(
                    conn, email=f"demo-{number}@demo.metacult.test", display_name=name
                )
            except Conflict:  # created by an earlier seed
                continue
            actions = history(titles, user_rng, now)
            async with conn.transaction():
                await store.insert_history(conn, user_id, actions)
        created += 1
        actions_written += len(actions)
        touched.update(action.media_id for action in actions)
    async with db.acquire() as conn:
        for media_id in sorted(touched):
            async with conn.transaction():
                await service.refresh_stats(conn, media_id)
    return (
        f"demo users: {created} created ({count - created} already there), "
        f"{actions_written} titles in their histories, {len(touched)} titles recounted"
    )
