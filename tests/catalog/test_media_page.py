"""A title's page: the title, its community aggregates and the viewer's own marks."""

from __future__ import annotations

from metacult.catalog import service as catalog_service
from metacult.catalog import views
from metacult.infra import pagecache
from tests import random_refs
from tests.accounts import sign_up
from tests.helpers import eventually
from tests.titles import new_title


async def test_anyone_sees_a_title_with_empty_aggregates(client, db):
    media_id = await new_title(db, kind="game", year=2020, genres=("rpg",), platforms=("pc",))

    response = await client.get(f"/api/v1/media/{media_id}")

    assert response.status == 200
    body = await response.json()
    assert body["id"] == media_id and body["kind"] == "game"
    assert body["genres"] == ["rpg"] and body["platforms"] == ["pc"]
    assert body["stats"] == {
        "likes": 0,
        "ratings_count": 0,
        "average": None,
        "histogram": [0] * 10,
        "reviews_count": 0,
    }
    assert body["viewer"] is None


async def test_a_title_is_found_by_its_slug_too(client, seeded):
    response = await client.get("/api/v1/media/by-slug/amelie")

    assert response.status == 200
    body = await response.json()
    assert (body["title"], body["year"], body["runtime_minutes"]) == ("Amélie", 2001, 122)
    assert body["external_ids"] == {}


async def test_unknown_titles_are_404(client):
    by_id = await client.get("/api/v1/media/999999999")
    by_slug = await client.get(f"/api/v1/media/by-slug/{random_refs.slug('nothing')}")
    nonsense = await client.get("/api/v1/media/by-slug/NOT%20A%20SLUG")

    assert (by_id.status, by_slug.status, nonsense.status) == (404, 404, 404)
    assert (await by_id.json())["error"]["code"] == "media_not_found"


async def test_the_viewer_sees_their_own_like_rating_and_status(client, db, worker):
    media_id = await new_title(db, kind="film", year=1999)
    viewer = await sign_up(client)
    other = await sign_up(client)
    await client.put(f"/api/v1/media/{media_id}/like", headers=viewer.headers)
    await client.put(
        f"/api/v1/media/{media_id}/rating", json={"rating": 4.5}, headers=viewer.headers
    )
    await client.put(
        f"/api/v1/media/{media_id}/status", json={"status": "watched"}, headers=viewer.headers
    )
    await client.put(f"/api/v1/media/{media_id}/rating", json={"rating": 3}, headers=other.headers)

    response = await client.get(f"/api/v1/media/{media_id}", headers=viewer.headers)

    assert (await response.json())["viewer"] == {"liked": True, "rating": 4.5, "status": "watched"}

    async def counted():
        body = await (await client.get(f"/api/v1/media/{media_id}")).json()
        return body["stats"] if body["stats"]["ratings_count"] == 2 else None

    stats = await eventually(counted)
    assert stats["likes"] == 1
    assert stats["average"] == 3.75
    assert stats["histogram"][8] == 1 and stats["histogram"][5] == 1


async def test_top_rated_ranks_by_community_rating(client, db, worker):
    genre = random_refs.slug("genre")
    loved, liked, unrated = [
        await new_title(db, kind="film", genres=(genre,), year=2001) for _ in range(3)
    ]
    raters = [await sign_up(client) for _ in range(2)]
    for rater in raters:
        await client.put(f"/api/v1/media/{loved}/rating", json={"rating": 5}, headers=rater.headers)
        await client.put(
            f"/api/v1/media/{liked}/rating", json={"rating": 3.5}, headers=rater.headers
        )

    async def ranked():
        response = await client.get("/api/v1/media", params={"genre": genre, "sort": "top_rated"})
        items = (await response.json())["items"]
        counted = sum(item["ratings_count"] for item in items)
        return [item["id"] for item in items] if counted == 4 else None

    assert await eventually(ranked) == [loved, liked, unrated]


async def test_top_rated_follows_a_changed_or_removed_score_and_reads_an_index(
    client, db, redis, settings
):
    genre = random_refs.slug("genre")
    first, second = [await new_title(db, kind="film", genres=(genre,), year=2002) for _ in range(2)]

    async def ranked():
        response = await client.get("/api/v1/media", params={"genre": genre, "sort": "top_rated"})
        return [item["id"] for item in (await response.json())["items"]]

    async def ranked_as(order: list[int]) -> bool:
        return await ranked() == order

    async with db.acquire() as conn:
        await catalog_service.set_community_score(conn, first, 4.0, 3)
        await catalog_service.set_community_score(conn, second, 3.0, 9)
    assert await ranked() == [first, second]

    async with db.acquire() as conn:
        await catalog_service.set_community_score(conn, second, 4.5, 10)
    # Bumped as update_media_stats does; the node reads it once the bump's message reached it.
    await pagecache.bump(redis, settings, [pagecache.BROWSE])
    assert await eventually(lambda: ranked_as([second, first]))

    await db.execute("DELETE FROM media_scores WHERE media_id = $1", second)
    await pagecache.bump(redis, settings, [pagecache.BROWSE])
    assert await eventually(lambda: ranked_as([first, second]))

    # The first page of "top rated" is read from an index, not a scan and a sort.
    query = views.QUERIES[("top_rated", False, False)]
    async with db.acquire() as conn:
        await conn.execute("SET enable_seqscan = off")  # a tiny test table: ask for the index
        try:
            plan = "\n".join(
                row[0]
                for row in await conn.fetch("EXPLAIN " + query, None, None, None, None, None, 20)
            )
        finally:
            await conn.execute("RESET enable_seqscan")
    assert "media_top_rated" in plan and "Sort" not in plan
