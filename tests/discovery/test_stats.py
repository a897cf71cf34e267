"""Stats and year in review: counted in the user's time zone, across every kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from metacult.discovery.stats import year_in_review
from tests.accounts import sign_up
from tests.titles import new_title

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Act:
    id: int
    type: str
    media_id: int
    kind: str
    occurred_at: datetime
    rating: float | None = None
    status: str | None = None


def _title(media_id: int, kind: str, runtime: int | None, genres=(), platforms=()):
    return SimpleNamespace(
        id=media_id, kind=kind, runtime_minutes=runtime, genres=genres, platforms=platforms
    )


@pytest.mark.unit
def test_a_year_in_review_counts_months_and_hours_in_the_users_time_zone() -> None:
    titles = {
        1: _title(1, "film", 120, ("drama",)),
        2: _title(2, "game", 600, ("rpg",), ("pc", "ps5")),
        3: _title(3, "series", 45, ("drama",)),
    }
    # 31 Dec 2025 20:00 UTC is already 1 Jan 2026 in Tokyo; 31 Dec 2026 16:00 UTC is 2027.
    history = [
        Act(
            6,
            "status_changed",
            3,
            "series",
            datetime(2026, 12, 31, 14, 0, tzinfo=UTC),
            status="watched",
        ),
        Act(5, "rated", 2, "game", datetime(2026, 6, 1, tzinfo=UTC), rating=4.5),
        Act(4, "rated", 2, "game", datetime(2026, 5, 1, tzinfo=UTC), rating=3.0),
        Act(3, "status_changed", 2, "game", datetime(2026, 3, 10, tzinfo=UTC), status="completed"),
        Act(2, "liked", 1, "film", datetime(2026, 1, 2, tzinfo=UTC)),
        Act(
            1,
            "status_changed",
            1,
            "film",
            datetime(2025, 12, 31, 20, 0, tzinfo=UTC),
            status="watched",
        ),
    ]
    duels = [
        {"media_id": 2, "kind": "game", "games": 5, "wins": 4},
        {"media_id": 9, "kind": "game", "games": 1, "wins": 1},
    ]
    duel_titles = {2: "Game two", 9: "Game nine"}

    review = year_in_review(history, titles, duels, duel_titles, TOKYO, 2026)

    assert review["finished_per_month"]["film"][0] == 1  # January, in Tokyo
    assert review["finished_per_month"]["game"][2] == 1
    assert review["finished_per_month"]["series"][11] == 1
    assert review["hours"] == {"film": 2.0, "game": 10.0, "series": 0.8}
    # The year's last rating of each title: 4.5 for the game (the ninth half-star bin).
    assert review["ratings"] == {"count": 1, "distribution": [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]}
    assert review["likes"] == 1
    assert review["top_genres"][0] == {"genre": "drama", "count": 2}
    assert {p["platform"] for p in review["platforms"]} == {"pc", "ps5"}
    assert [d["media"] for d in review["most_dueled"]] == ["Game two", "Game nine"]
    # 4 wins in 5 beats 1 in 1: (4+1)/(5+2) > (1+1)/(1+2).
    assert [d["media"] for d in review["top_from_duels"]["game"]] == ["Game two", "Game nine"]


async def test_the_stats_endpoint_reads_the_users_year(client, db) -> None:
    film = await new_title(db, "film", runtime_minutes=95, genres=("drama",))
    viewer = await sign_up(client)
    response = await client.put(
        f"/api/v1/media/{film}/status", json={"status": "watched"}, headers=viewer.headers
    )
    assert response.status in (200, 201), await response.text()
    await client.put(f"/api/v1/media/{film}/rating", json={"rating": 5}, headers=viewer.headers)
    year = datetime.now(UTC).year

    response = await client.get(f"/api/v1/users/{viewer.id}/stats", params={"year": year})

    assert response.status == 200, await response.text()
    stats = await response.json()
    assert stats["finished"] == {"film": 1}
    assert stats["hours"] == {"film": 1.6}
    assert stats["ratings"]["distribution"][9] == 1


async def test_an_unknown_time_zone_or_user_is_refused(client) -> None:
    viewer = await sign_up(client)
    response = await client.get(f"/api/v1/users/{viewer.id}/stats?tz=Mars/Olympus")
    assert response.status == 422
    response = await client.get("/api/v1/users/999999999/stats")
    assert response.status == 404
