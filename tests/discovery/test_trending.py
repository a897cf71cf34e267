"""Trending: decayed counts in Redis, no rescoring, one rare renormalisation."""

from __future__ import annotations

import math
import time

import pytest

from metacult.discovery import trending
from tests.accounts import sign_up
from tests.helpers import eventually
from tests.random_refs import suffix
from tests.titles import new_title

DAY_HALF_LIFE = trending.HALF_LIVES_S["day"]


async def test_an_older_burst_decays_below_a_newer_smaller_one(redis, settings) -> None:
    genre, now = f"g{suffix()[:8]}", time.time()
    await trending.add(redis, settings, 1, "film", [genre], 4.0, now=now)
    later = now + 3 * DAY_HALF_LIFE  # three half-lives: 4 is worth 0.5 by then
    await trending.add(redis, settings, 2, "film", [genre], 1.0, now=later)

    top = await trending.top(redis, settings, "day", f"genre:{genre}", 10, now=later)

    assert [media_id for media_id, _ in top] == [2, 1]
    assert dict(top)[1] == pytest.approx(0.5)
    assert dict(top)[2] == pytest.approx(1.0)
    halfway = await trending.top(
        redis, settings, "day", f"genre:{genre}", 10, now=later + DAY_HALF_LIFE
    )
    assert dict(halfway)[2] == pytest.approx(0.5)


async def test_renormalising_keeps_the_decayed_scores_and_drops_the_forgotten(
    redis, settings
) -> None:
    genre = f"g{suffix()[:8]}"
    # Each add renormalises the window when its exponent grows too large; start afresh.
    await trending.forget(redis, settings)
    t0 = time.time()
    await trending.add(redis, settings, 7, "game", [genre], 1.0, now=t0)
    await trending.add(redis, settings, 8, "game", [genre], 1e20, now=t0)
    far = t0 + DAY_HALF_LIFE * (trending.RENORMALISE_AT / math.log(2) + 1)
    # Past the threshold: this addition renormalises first.
    await trending.add(redis, settings, 9, "game", [genre], 1.0, now=far)

    top = dict(await trending.top(redis, settings, "day", f"genre:{genre}", 10, now=far))

    assert top[9] == pytest.approx(1.0)
    assert 7 not in top  # decayed to nothing: dropped
    assert top[8] == pytest.approx(1e20 * 2 ** (-(far - t0) / DAY_HALF_LIFE), rel=1e-6)
    assert float(await redis.get(f"{trending._base(settings, 'day')}:t0")) == far
    await trending.forget(redis, settings)


async def test_likes_and_reviews_make_a_title_trend_in_its_kind_and_genre(
    client, db, worker
) -> None:
    media_id = await new_title(db, "game", genres=("rpg",))
    fan = await sign_up(client)
    await client.put(f"/api/v1/media/{media_id}/like", headers=fan.headers)

    async def trending_now() -> bool:
        # Titles of earlier tests may trend too: wait for this one, not for any.
        response = await client.get("/api/v1/trending?kind=game&genre=rpg&window=week")
        assert response.status == 200
        return media_id in [e["media"]["id"] for e in (await response.json())["entries"]]

    assert await eventually(trending_now)


async def test_a_bad_window_is_a_422(client) -> None:
    response = await client.get("/api/v1/trending?window=year")
    assert response.status == 422
