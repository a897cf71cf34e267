"""Votes become Glicko-2 ratings: once per vote, and never losing one to a concurrent vote."""

from __future__ import annotations

import asyncio

import pytest

from metacult.ranking import media_rating, service
from tests.accounts import sign_up
from tests.helpers import eventually
from tests.ranking.conftest import new_user, offer, vote_cast
from tests.titles import new_titles


async def rating_row(db, media_id: int):
    return await db.fetchrow("SELECT * FROM ranking_ratings WHERE media_id = $1", media_id)


async def test_a_vote_raises_the_winner_and_lowers_the_loser(client, db, worker) -> None:
    account = await sign_up(client)
    a, b = await new_titles(db, 2, kind="game")
    duel_id = await offer(db, account.id, a, b)

    await client.post(f"/api/v1/duels/{duel_id}/vote", json={"winner": b}, headers=account.headers)

    async def rated():
        row = await rating_row(db, b)
        return row if row is not None and row["games"] == 1 else None

    winner = await rated()
    winner = winner or await eventually(rated)
    loser = await rating_row(db, a)
    assert winner["rating"] > 1500 > loser["rating"]
    assert (winner["wins"], winner["losses"], loser["wins"], loser["losses"]) == (1, 0, 0, 1)
    assert winner["rd"] < 350 and loser["rd"] < 350


async def test_a_skip_changes_no_rating(client, db, worker) -> None:
    account = await sign_up(client)
    a, b = await new_titles(db, 2, kind="game")
    duel_id = await offer(db, account.id, a, b)

    await client.post(
        f"/api/v1/duels/{duel_id}/vote", json={"skip": "cant_decide"}, headers=account.headers
    )

    async def handled():
        return await db.fetchval(
            "SELECT count(*) FROM processed_events p JOIN outbox o ON o.id = p.event_id"
            " WHERE p.consumer = 'ranking.update_ratings' AND (o.data->>'duel_id')::bigint = $1",
            duel_id,
        )

    await eventually(handled)
    assert await rating_row(db, a) is None and await rating_row(db, b) is None


async def test_a_vote_applied_twice_changes_nothing(db, redis, settings) -> None:
    user_id = await new_user(db)
    a, b = await new_titles(db, 2, kind="game")
    event = vote_cast(user_id, a, b)

    first = await service.apply_vote(db, redis, settings, event)
    after_first = dict(await rating_row(db, a))
    second = await service.apply_vote(db, redis, settings, event)

    assert (first, second) == (True, False)
    assert dict(await rating_row(db, a)) == after_first
    assert after_first["games"] == 1


async def test_concurrent_votes_on_one_title_never_lose_an_update(db, redis, settings) -> None:
    user_id = await new_user(db)
    star, *others = await new_titles(db, 21, kind="game")
    # Half won, half lost, some listing the star first and some last: every lock order.
    events = [
        vote_cast(user_id, star, other) if i % 2 else vote_cast(user_id, other, star)
        for i, other in enumerate(others)
    ]

    # Each vote is its own transaction on its own connection, all committed concurrently.
    applied = await asyncio.gather(
        *(service.apply_vote(db, redis, settings, event) for event in events)
    )

    assert all(applied)
    row = await rating_row(db, star)
    assert (row["games"], row["wins"], row["losses"]) == (20, 10, 10)
    mine = await db.fetchrow(
        "SELECT games, wins FROM ranking_personal WHERE user_id = $1 AND media_id = $2",
        user_id,
        star,
    )
    assert (mine["games"], mine["wins"]) == (20, 10)
    for other in others:
        assert (await rating_row(db, other))["games"] == 1


async def test_two_titles_voted_on_in_opposite_orders_at_once_do_not_deadlock(
    db, redis, settings
) -> None:
    user_id = await new_user(db)
    a, b = await new_titles(db, 2, kind="game")
    events = [vote_cast(user_id, a, b) if i % 2 else vote_cast(user_id, b, a) for i in range(10)]

    await asyncio.wait_for(
        asyncio.gather(*(service.apply_vote(db, redis, settings, e) for e in events)), 30
    )

    assert (await rating_row(db, a))["games"] == (await rating_row(db, b))["games"] == 10


async def test_a_titles_page_shows_its_rating_within_two_deviations(db, redis, settings) -> None:
    user_id = await new_user(db)
    a, b = await new_titles(db, 2, kind="game")
    async with db.acquire() as conn:
        unplayed = await media_rating(conn, a)
    await service.apply_vote(db, redis, settings, vote_cast(user_id, a, b))

    async with db.acquire() as conn:
        rating = await media_rating(conn, a)

    assert (unplayed.rating, unplayed.rd, unplayed.games, unplayed.provisional) == (
        1500,
        350,
        0,
        True,
    )
    assert rating.games == rating.wins == 1 and rating.losses == 0
    assert rating.low == pytest.approx(rating.rating - 2 * rating.rd, abs=0.11)
    assert rating.high == pytest.approx(rating.rating + 2 * rating.rd, abs=0.11)
    assert rating.provisional


async def test_personal_rankings_follow_the_users_own_votes(client, db, worker) -> None:
    account = await sign_up(client)
    best, middle, worst = await new_titles(db, 3, kind="game")
    for winner, loser in ((best, middle), (middle, worst), (best, worst)):
        duel_id = await offer(db, account.id, winner, loser)
        response = await client.post(
            f"/api/v1/duels/{duel_id}/vote", json={"winner": winner}, headers=account.headers
        )
        assert response.status == 200

    async def ranking():
        response = await client.get("/api/v1/me/rankings?kind=game", headers=account.headers)
        body = await response.json()
        games = sum(entry["games"] for entry in body["entries"])
        return body if games == 6 else None

    body = await eventually(ranking)
    assert [entry["media"]["id"] for entry in body["entries"]] == [best, middle, worst]
    assert [entry["rank"] for entry in body["entries"]] == [1, 2, 3]
    assert (body["entries"][0]["wins"], body["entries"][2]["losses"]) == (2, 2)
    other = await sign_up(client)
    theirs = await client.get("/api/v1/me/rankings?kind=game", headers=other.headers)
    assert (await theirs.json())["entries"] == []


async def test_the_media_page_shows_the_duel_rating(client, db, redis, settings) -> None:
    user_id = await new_user(db)
    a, b = await new_titles(db, 2, kind="game")
    await service.apply_vote(db, redis, settings, vote_cast(user_id, a, b))

    response = await client.get(f"/api/v1/media/{a}")

    assert response.status == 200
    shown = (await response.json())["duel_rating"]
    assert shown["games"] == shown["wins"] == 1 and shown["provisional"] is True
    assert shown["low"] < shown["rating"] < shown["high"]


async def test_a_deleted_account_leaves_no_personal_ranking_behind(client, db, worker) -> None:
    account = await sign_up(client)
    a, b = await new_titles(db, 2, kind="game")
    duel_id = await offer(db, account.id, a, b)
    await client.post(f"/api/v1/duels/{duel_id}/vote", json={"winner": a}, headers=account.headers)
    (c,) = await new_titles(db, 1, kind="game")
    open_duel = await offer(db, account.id, a, c)

    async def ranked():
        return await db.fetchval(
            "SELECT count(*) FROM ranking_personal WHERE user_id = $1", account.id
        )

    await eventually(ranked)
    export = await client.get("/api/v1/me/export", headers=account.headers)
    assert [v["duel_id"] for v in (await export.json())["ranking"]["votes"]] == [duel_id]

    assert (await client.delete("/api/v1/me", headers=account.headers)).status in (200, 204)

    async def forgotten():
        return not await ranked()

    await eventually(forgotten)
    assert not await db.fetchval("SELECT count(*) FROM ranking_duels WHERE id = $1", open_duel)
    # The global ratings keep the vote: they must not jump when someone leaves.
    assert await db.fetchval("SELECT games FROM ranking_ratings WHERE media_id = $1", a) == 1
