"""Likes, ratings and library statuses: idempotent writes, one event per change, live counters."""

from __future__ import annotations

import asyncio

from metacult import interaction
from tests.accounts import sign_up
from tests.channels import published
from tests.helpers import eventually
from tests.outbox import emitted
from tests.titles import new_title


async def test_liking_twice_is_one_like_and_one_event(client, db) -> None:
    account = await sign_up(client)
    media_id = await new_title(db, "game")

    for _ in range(2):
        response = await client.put(f"/api/v1/media/{media_id}/like", headers=account.headers)
        assert response.status == 200
        assert (await response.json())["liked"] is True

    assert await emitted(db, interaction.LIKED, user_id=account.id, media_id=media_id) == [
        {"user_id": account.id, "media_id": media_id, "kind": "game"}
    ]


async def test_unliking_emits_once_and_only_when_there_was_a_like(client, db) -> None:
    account = await sign_up(client)
    media_id = await new_title(db)
    await client.delete(f"/api/v1/media/{media_id}/like", headers=account.headers)
    await client.put(f"/api/v1/media/{media_id}/like", headers=account.headers)
    for _ in range(2):
        response = await client.delete(f"/api/v1/media/{media_id}/like", headers=account.headers)
        assert (await response.json())["liked"] is False

    assert len(await emitted(db, interaction.UNLIKED, user_id=account.id, media_id=media_id)) == 1


async def test_a_rating_is_half_stars_and_rerating_says_what_it_was(client, db) -> None:
    account = await sign_up(client)
    media_id = await new_title(db, "series")
    url = f"/api/v1/media/{media_id}/rating"

    await client.put(url, json={"rating": 3.5}, headers=account.headers)
    await client.put(url, json={"rating": 3.5}, headers=account.headers)
    response = await client.put(url, json={"rating": 4.5}, headers=account.headers)

    assert (await response.json())["rating"] == 4.5
    assert await emitted(db, interaction.RATED, user_id=account.id, media_id=media_id) == [
        {
            "user_id": account.id,
            "media_id": media_id,
            "kind": "series",
            "rating": 3.5,
            "previous": None,
        },
        {
            "user_id": account.id,
            "media_id": media_id,
            "kind": "series",
            "rating": 4.5,
            "previous": 3.5,
        },
    ]
    response = await client.delete(url, headers=account.headers)
    assert (await response.json())["rating"] is None
    assert await emitted(db, interaction.UNRATED, user_id=account.id, media_id=media_id) == [
        {"user_id": account.id, "media_id": media_id, "kind": "series", "previous": 4.5}
    ]


async def test_ratings_off_the_half_star_scale_are_refused_with_the_field(client, db) -> None:
    account = await sign_up(client)
    media_id = await new_title(db)
    for rating in (7, 0.3, 0, "five"):
        response = await client.put(
            f"/api/v1/media/{media_id}/rating", json={"rating": rating}, headers=account.headers
        )
        assert response.status == 422, rating
        assert "rating" in (await response.json())["error"]["fields"]
    assert await emitted(db, interaction.RATED, user_id=account.id) == []


async def test_a_library_status_must_fit_the_kind_of_title(client, db) -> None:
    account = await sign_up(client)
    game = await new_title(db, "game")
    film = await new_title(db, "film")

    refused = await client.put(
        f"/api/v1/media/{game}/status", json={"status": "watched"}, headers=account.headers
    )
    assert refused.status == 422
    assert "status" in (await refused.json())["error"]["fields"]
    refused = await client.put(
        f"/api/v1/media/{film}/status", json={"status": "wishlist"}, headers=account.headers
    )
    assert refused.status == 422

    playing = await client.put(
        f"/api/v1/media/{game}/status", json={"status": "playing"}, headers=account.headers
    )
    assert (await playing.json())["status"] == "playing"
    await client.put(
        f"/api/v1/media/{game}/status", json={"status": "completed"}, headers=account.headers
    )
    await client.put(
        f"/api/v1/media/{game}/status", json={"status": "completed"}, headers=account.headers
    )
    cleared = await client.delete(f"/api/v1/media/{game}/status", headers=account.headers)
    assert (await cleared.json())["status"] is None

    changes = await emitted(db, interaction.STATUS_CHANGED, user_id=account.id, media_id=game)
    assert [(change["previous"], change["status"]) for change in changes] == [
        (None, "playing"),
        ("playing", "completed"),
        ("completed", None),
    ]
    assert all(change["kind"] == "game" for change in changes)


async def test_unknown_titles_are_404_and_anonymous_callers_401(client, db) -> None:
    account = await sign_up(client)
    for method, path, body in (
        ("PUT", "like", None),
        ("DELETE", "like", None),
        ("PUT", "rating", {"rating": 4}),
        ("PUT", "status", {"status": "watched"}),
    ):
        response = await client.request(
            method, f"/api/v1/media/987654321/{path}", json=body, headers=account.headers
        )
        assert response.status == 404, (method, path)
        assert (await response.json())["error"]["code"] == "media_not_found"
    media_id = await new_title(db)
    assert (await client.put(f"/api/v1/media/{media_id}/like")).status == 401


async def test_counters_follow_likes_and_ratings_and_are_published(
    client, db, redis, settings, worker
) -> None:
    alice, bob = await sign_up(client), await sign_up(client)
    media_id = await new_title(db, "film")

    await client.put(f"/api/v1/media/{media_id}/like", headers=alice.headers)
    await client.put(f"/api/v1/media/{media_id}/like", headers=bob.headers)
    await client.put(f"/api/v1/media/{media_id}/rating", json={"rating": 4}, headers=alice.headers)
    await client.put(f"/api/v1/media/{media_id}/rating", json={"rating": 5}, headers=bob.headers)
    await client.put(f"/api/v1/media/{media_id}/rating", json={"rating": 3}, headers=bob.headers)
    await client.delete(f"/api/v1/media/{media_id}/like", headers=bob.headers)

    expected_histogram = [0, 0, 0, 0, 0, 1, 0, 1, 0, 0]

    async def counted():
        async with db.acquire() as conn:
            stats = (await interaction.media_stats(conn, [media_id]))[media_id]
        return stats if stats.likes == 1 and list(stats.histogram) == expected_histogram else None

    stats = await eventually(counted)
    assert (stats.ratings_count, stats.average, stats.reviews_count) == (2, 3.5, 0)

    async def last_published():
        messages = [
            m for m in await published(redis, settings, f"media:{media_id}") if m["type"] == "stats"
        ]
        return messages and messages[-1]["histogram"] == expected_histogram and messages[-1]

    message = await eventually(last_published)
    assert message == {
        "type": "stats",
        "media_id": media_id,
        "likes": 1,
        "ratings_count": 2,
        "average": 3.5,
        "histogram": expected_histogram,
        "reviews_count": 0,
    }


async def test_viewer_state_and_known_media_for_other_contexts(client, db) -> None:
    account = await sign_up(client)
    liked, rated, listed, film = (
        await new_title(db, "game"),
        await new_title(db, "game"),
        await new_title(db, "game"),
        await new_title(db, "film"),
    )
    await client.put(f"/api/v1/media/{liked}/like", headers=account.headers)
    await client.put(f"/api/v1/media/{rated}/rating", json={"rating": 2.5}, headers=account.headers)
    await client.put(
        f"/api/v1/media/{listed}/status", json={"status": "wishlist"}, headers=account.headers
    )
    await client.put(f"/api/v1/media/{film}/like", headers=account.headers)

    async with db.acquire() as conn:
        assert await interaction.known_media(conn, account.id, "game") == {liked, rated, listed}
        state = await interaction.viewer_state(conn, account.id, rated)
        untouched = await interaction.media_stats(conn, [film + 10**9])
    assert (state.liked, state.rating, state.status) == (False, 2.5, None)
    assert untouched[film + 10**9].average is None


async def test_concurrent_first_ratings_leave_one_rating_and_a_consistent_event_trail(
    client, db
) -> None:
    account = await sign_up(client)
    media_id = await new_title(db)
    url = f"/api/v1/media/{media_id}/rating"

    replies = await asyncio.gather(
        *(client.put(url, json={"rating": r}, headers=account.headers) for r in (1, 2, 3, 4, 5))
    )

    assert all(reply.status == 200 for reply in replies)
    ratings = await db.fetch("SELECT half_stars FROM ratings WHERE media_id = $1", media_id)
    assert len(ratings) == 1
    trail = await emitted(db, interaction.RATED, media_id=media_id)
    # Exactly one first rating, and each later event starts from where the previous ended.
    assert [event["previous"] for event in trail].count(None) == 1
    assert trail[-1]["rating"] == ratings[0]["half_stars"] / 2


async def test_concurrent_likes_by_one_user_are_one_like(client, db) -> None:
    account = await sign_up(client)
    media_id = await new_title(db)
    await asyncio.gather(
        *(client.put(f"/api/v1/media/{media_id}/like", headers=account.headers) for _ in range(6))
    )
    assert len(await emitted(db, interaction.LIKED, media_id=media_id)) == 1


async def test_an_oversized_body_is_413_and_writes_nothing(client, db) -> None:
    account = await sign_up(client)
    media_id = await new_title(db)
    response = await client.post(
        f"/api/v1/media/{media_id}/reviews",
        json={"body": "x" * 2_000_000},
        headers=account.headers,
    )
    assert response.status == 413
    assert await db.fetchval("SELECT count(*) FROM reviews WHERE media_id = $1", media_id) == 0
