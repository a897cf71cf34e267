"""The personal feed end to end: real API, worker, PostgreSQL and Redis."""

from __future__ import annotations

from metacult.discovery import service
from metacult.typedefs import DB, REDIS, SETTINGS
from tests.accounts import sign_up
from tests.helpers import eventually
from tests.realtime.live import Live
from tests.titles import new_title, new_titles


async def _like(client, account, media_id: int) -> None:
    response = await client.put(f"/api/v1/media/{media_id}/like", headers=account.headers)
    assert response.status in (200, 201, 204), await response.text()


async def _feed(client, account, **query) -> dict:
    response = await client.get("/api/v1/feed", params=query, headers=account.headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def _evidence_of(db, user_id: int) -> int:
    async with db.acquire() as conn:
        return await conn.fetchval(
            "SELECT count(*) FROM discovery_evidence WHERE user_id = $1", user_id
        )


async def _plant_taste(client, db, game: int, film: int, others: list[int], fans: int = 4):
    """``fans`` users who loved ``game`` and ``film`` together (and a few others)."""
    accounts = []
    for index in range(fans):
        fan = await sign_up(client)
        for media_id in (game, film, others[index % len(others)]):
            await _like(client, fan, media_id)
        accounts.append(fan)
    for fan in accounts:
        await eventually(lambda fan=fan: _count_at_least(db, fan.id, 3))
    return accounts


async def _count_at_least(db, user_id: int, count: int) -> bool:
    return await _evidence_of(db, user_id) >= count


async def _refresh(client) -> None:
    app = client.app
    await service.refresh_all_neighbours(app[DB], app[REDIS], app[SETTINGS])


async def test_a_loved_game_brings_its_cross_media_neighbour_into_the_feed_explained(
    client, db, worker
) -> None:
    game = await new_title(db, "game", genres=("rpg",))
    film = await new_title(db, "film", genres=("fantasy",))
    others = await new_titles(db, 3, kind="series")
    await _plant_taste(client, db, game, film, others)
    reader = await sign_up(client)
    await _like(client, reader, game)
    await eventually(lambda: _count_at_least(db, reader.id, 1))
    await _refresh(client)

    feed = await _feed(client, reader)

    item = next(i for i in feed["items"] if i["item"] == film)
    reason = item["reasons"][0]
    assert reason["type"] == "because_you_liked"
    assert reason["media"]["id"] == game
    assert reason["cross_media"] is True
    # Titles the reader already knows never show.
    assert game not in {i["item"] for i in feed["items"]}
    similar = await client.get(f"/api/v1/media/{game}/similar")
    body = await similar.json()
    assert film in {e["media"]["id"] for e in body["other_kinds"]}
    assert all(e["media"]["kind"] == "game" for e in body["same_kind"])


async def test_the_feed_leaves_out_rated_dismissed_and_unknown_titles(client, db, worker) -> None:
    loved = await new_title(db, "film")
    rated, dismissed, unknown, kept = await new_titles(db, 4, kind="film")
    fans = await _plant_taste(client, db, loved, rated, [dismissed, unknown, kept], fans=3)
    for fan in fans:
        for media_id in (dismissed, unknown, kept):
            await _like(client, fan, media_id)
    reader = await sign_up(client)
    await _like(client, reader, loved)
    response = await client.put(
        f"/api/v1/media/{rated}/rating", json={"rating": 4.5}, headers=reader.headers
    )
    assert response.status in (200, 201)
    await eventually(lambda: _count_at_least(db, reader.id, 2))
    # A duel skip of a title never seen, as ranking's event says it.
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO discovery_evidence (user_id, media_id, kind, source, value, occurred_at)"
            " VALUES ($1, $2, 'film', 'unknown', 0, now())",
            reader.id,
            unknown,
        )
    await _refresh(client)
    before = {i["item"] for i in (await _feed(client, reader, limit=50))["items"]}
    assert {kept, dismissed} <= before

    response = await client.post(
        f"/api/v1/feed/{dismissed}/dismiss", json={"reason": "seen it"}, headers=reader.headers
    )
    assert response.status == 200, await response.text()

    after = {i["item"] for i in (await _feed(client, reader, limit=50))["items"]}
    assert kept in after
    assert not after & {loved, rated, dismissed, unknown}


async def test_a_new_reader_gets_a_cold_start_from_their_favourite_genres_and_platforms(
    client, db
) -> None:
    (title,) = await new_titles(db, 1, kind="game", genres=("roguelike",), platforms=("ps5",))
    (on_pc,) = await new_titles(db, 1, kind="game", genres=("roguelike",), platforms=("pc",))
    reader = await sign_up(client)
    response = await client.patch(
        "/api/v1/me",
        headers=reader.headers,
        json={"favourite_genres": ["roguelike"], "favourite_platforms": ["pc"]},
    )
    assert response.status == 200

    feed = await _feed(client, reader, limit=50)

    picks = {i["item"]: i for i in feed["items"]}
    assert {title, on_pc} <= set(picks)
    assert picks[title]["reasons"][0] == {
        **picks[title]["reasons"][0],
        "type": "favourite_genre",
        "genre": "roguelike",
    }
    assert "favourite_platform" in {r["type"] for r in picks[on_pc]["reasons"]}
    order = [i["item"] for i in feed["items"]]
    assert order.index(on_pc) < order.index(title)


async def test_a_followed_users_review_reaches_the_feed_and_the_live_channel(
    client, db, worker
) -> None:
    critic, reader = await sign_up(client), await sign_up(client)
    media_id = await new_title(db, "series")
    response = await client.put(f"/api/v1/users/{critic.id}/follow", headers=reader.headers)
    assert response.status in (200, 201, 204)

    async def graph_synced() -> bool:
        async with db.acquire() as conn:
            return bool(
                await conn.fetchval(
                    "SELECT 1 FROM discovery_follows WHERE follower_id = $1", reader.id
                )
            )

    await eventually(graph_synced)
    first = await _feed(client, reader)
    assert first["new_items"] == 0
    live = await Live.open(client, headers=reader.headers)
    assert (await live.subscribe(f"user:{reader.id}"))["type"] == "subscribed"

    response = await client.post(
        f"/api/v1/media/{media_id}/reviews", json={"body": "A slow burn."}, headers=critic.headers
    )
    assert response.status == 201

    message = (await live.expect("publication"))["data"]
    assert message["type"] == "discovery.feed_new"
    assert message["new_items"] == 1
    assert message["reason"] == {
        "type": "followed_activity",
        "user_id": critic.id,
        "activity": "reviewed",
    }
    # The next page of the first snapshot does not move; the next first page has it.
    again = await _feed(client, reader)
    item = next(i for i in again["items"] if i["item"] == media_id)
    assert item["reasons"][0]["user"]["id"] == critic.id
    assert item["reasons"][0]["activity"] == "reviewed"


async def test_pages_hold_their_order_and_carry_their_slots(client, db) -> None:
    titles = await new_titles(db, 30, kind="film", genres=("western",))
    reader = await sign_up(client)
    await client.patch("/api/v1/me", headers=reader.headers, json={"favourite_genres": ["western"]})
    first = await _feed(client, reader, limit=10)
    assert first["next_cursor"]
    assert [s["position"] for s in first["slots"]] == [3, 8]
    await new_titles(db, 5, kind="film", genres=("western",))

    second = await _feed(client, reader, limit=10, cursor=first["next_cursor"])

    seen = [i["item"] for i in first["items"]] + [i["item"] for i in second["items"]]
    assert len(seen) == len(set(seen))
    assert set(seen) <= set(titles) | {i for i in seen if i not in titles}


async def test_a_damaged_cursor_is_a_422(client) -> None:
    reader = await sign_up(client)
    response = await client.get("/api/v1/feed?cursor=nonsense", headers=reader.headers)
    assert response.status == 422
