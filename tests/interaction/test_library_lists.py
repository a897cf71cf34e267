"""A user's library, likes and ratings, readable page by page with each title's summary."""

from __future__ import annotations

from tests.accounts import sign_up
from tests.titles import new_title, new_titles


async def put(client, account, path, body=None) -> None:
    response = await client.put(path, json=body, headers=account.headers)
    assert response.status == 200, await response.text()


async def read_all(client, path, **params) -> list[dict]:
    """Every item of a paged list, following its cursors."""
    items, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query)
        assert response.status == 200, await response.text()
        page = await response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_the_library_lists_each_title_with_its_summary_rating_and_dates(client, db) -> None:
    owner = await sign_up(client)
    film = await new_title(db, "film", title="Library Film", year=1999)
    game = await new_title(db, "game")
    await put(client, owner, f"/api/v1/media/{film}/status", {"status": "watched"})
    await put(client, owner, f"/api/v1/media/{film}/rating", {"rating": 4.5})
    await put(client, owner, f"/api/v1/media/{film}/like")
    await put(client, owner, f"/api/v1/media/{game}/status", {"status": "playing"})

    items = await read_all(client, f"/api/v1/users/{owner.id}/library")

    assert [item["media"]["id"] for item in items] == [game, film]
    watched = items[1]
    assert watched["media"]["title"] == "Library Film" and watched["media"]["year"] == 1999
    assert watched["media"]["kind"] == "film" and watched["media"]["cover_url"]
    assert (watched["status"], watched["rating"], watched["liked"]) == ("watched", 4.5, True)
    assert watched["added_at"] <= watched["updated_at"]
    assert (items[0]["status"], items[0]["rating"], items[0]["liked"]) == ("playing", None, False)


async def test_the_library_filters_by_kind_and_status_and_pages_without_gaps(client, db) -> None:
    owner = await sign_up(client)
    films = await new_titles(db, 7, kind="film")
    games = await new_titles(db, 3, kind="game")
    for media_id in films[:5]:
        await put(client, owner, f"/api/v1/media/{media_id}/status", {"status": "watchlist"})
    for media_id in films[5:]:
        await put(client, owner, f"/api/v1/media/{media_id}/status", {"status": "watched"})
    for media_id in games:
        await put(client, owner, f"/api/v1/media/{media_id}/status", {"status": "wishlist"})
    url = f"/api/v1/users/{owner.id}/library"

    everything = await read_all(client, url, limit=3)
    assert sorted(item["media"]["id"] for item in everything) == sorted(films + games)
    assert [item["media"]["id"] for item in everything] == list(reversed(films + games))

    watchlist = await read_all(client, url, kind="film", status="watchlist", limit=2)
    assert [item["media"]["id"] for item in watchlist] == list(reversed(films[:5]))
    assert {item["media"]["id"] for item in await read_all(client, url, kind="game")} == set(games)


async def test_the_library_sorts_by_rating_best_first_and_unrated_last(client, db) -> None:
    owner = await sign_up(client)
    low, high, unrated, middle = await new_titles(db, 4, kind="series")
    for media_id, rating in ((low, 1.5), (high, 5), (middle, 3)):
        await put(client, owner, f"/api/v1/media/{media_id}/rating", {"rating": rating})
    for media_id in (low, high, unrated, middle):
        await put(client, owner, f"/api/v1/media/{media_id}/status", {"status": "watching"})

    items = await read_all(client, f"/api/v1/users/{owner.id}/library", sort="rating", limit=1)

    assert [item["media"]["id"] for item in items] == [high, middle, low, unrated]


async def test_likes_and_ratings_are_listed_most_recent_first(client, db) -> None:
    owner = await sign_up(client)
    first, second, third = await new_titles(db, 3, kind="game")
    for media_id in (first, second, third):
        await put(client, owner, f"/api/v1/media/{media_id}/like")
    await put(client, owner, f"/api/v1/media/{second}/rating", {"rating": 2})
    await put(client, owner, f"/api/v1/media/{first}/rating", {"rating": 3.5})

    likes = await read_all(client, f"/api/v1/users/{owner.id}/likes", limit=2)
    ratings = await read_all(client, f"/api/v1/users/{owner.id}/ratings", kind="game")

    assert [item["media"]["id"] for item in likes] == [third, second, first]
    assert [item["rating"] for item in likes] == [None, 2, 3.5]
    assert [(item["media"]["id"], item["rating"]) for item in ratings] == [
        (first, 3.5),
        (second, 2),
    ]
    assert await read_all(client, f"/api/v1/users/{owner.id}/ratings", kind="film") == []


async def test_the_profile_counts_titles_per_status_likes_and_ratings(client, db) -> None:
    owner = await sign_up(client)
    films = await new_titles(db, 3, kind="film")
    game = await new_title(db, "game")
    await put(client, owner, f"/api/v1/media/{films[0]}/status", {"status": "watched"})
    await put(client, owner, f"/api/v1/media/{films[1]}/status", {"status": "watched"})
    await put(client, owner, f"/api/v1/media/{films[2]}/status", {"status": "dropped"})
    await put(client, owner, f"/api/v1/media/{game}/status", {"status": "completed"})
    await put(client, owner, f"/api/v1/media/{game}/like")
    await put(client, owner, f"/api/v1/media/{game}/rating", {"rating": 4})

    response = await client.get(f"/api/v1/users/{owner.id}/library/counts")

    counts = await response.json()
    assert counts["by_status"]["film"] == {
        "watchlist": 0,
        "watching": 0,
        "watched": 2,
        "dropped": 1,
    }
    assert counts["by_status"]["game"]["completed"] == 1
    assert counts["by_status"]["series"]["watched"] == 0
    assert (counts["likes"], counts["ratings"]) == (1, 1)


async def test_activity_items_carry_their_titles_summary(client, db) -> None:
    owner = await sign_up(client)
    media_ids = await new_titles(db, 3, kind="film", name="Activity")
    for media_id in media_ids:
        await put(client, owner, f"/api/v1/media/{media_id}/like")

    items = await read_all(client, f"/api/v1/users/{owner.id}/activity", limit=2)

    assert [item["media"]["id"] for item in items] == list(reversed(media_ids))
    assert all(item["media"]["title"].startswith("Activity ") for item in items)
    assert all(item["media_id"] == item["media"]["id"] for item in items)


async def test_unknown_users_and_bad_cursors_are_refused(client, db) -> None:
    owner = await sign_up(client)
    for path in ("library", "likes", "ratings", "library/counts"):
        response = await client.get(f"/api/v1/users/987654321012/{path}")
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"
    for cursor in ("nonsense", "WzExLDJd", "WyIxOTcwLTAxLTAxVDAwOjAwOjAwWiIsMF0"):
        response = await client.get(
            f"/api/v1/users/{owner.id}/library", params={"cursor": cursor, "sort": "rating"}
        )
        assert response.status == 422
        assert "cursor" in (await response.json())["error"]["fields"]
    response = await client.get(f"/api/v1/users/{owner.id}/library", params={"status": "owned"})
    assert response.status == 422
