"""Duels over HTTP: a matchup, a vote accepted once, the refusals, the next matchup at once."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import orjson
import pytest_asyncio

from metacult.infra.redis import rkey
from metacult.ranking import service, store
from tests.accounts import sign_up
from tests.ranking.conftest import new_user, offer
from tests.realtime.live import Live
from tests.titles import new_titles


@pytest_asyncio.fixture(loop_scope="session")
async def titles(db) -> list[int]:
    return await new_titles(db, 8, kind="game")


async def test_a_duel_offers_two_titles_of_the_same_kind(client, titles) -> None:
    account = await sign_up(client)

    response = await client.get("/api/v1/duels/next?kind=game", headers=account.headers)

    assert response.status == 200
    duel = await response.json()
    assert duel["a"]["kind"] == duel["b"]["kind"] == "game"
    assert duel["a"]["id"] != duel["b"]["id"]
    assert duel["id"] >= 1 and duel["expires_at"]


async def test_asking_again_gives_the_same_duel_until_it_is_voted(client, titles) -> None:
    account = await sign_up(client)

    first = await (await client.get("/api/v1/duels/next", headers=account.headers)).json()
    again = await (await client.get("/api/v1/duels/next", headers=account.headers)).json()

    assert again == first


async def test_a_vote_is_answered_with_the_next_duel(client, titles) -> None:
    account = await sign_up(client)
    duel = await (await client.get("/api/v1/duels/next", headers=account.headers)).json()

    response = await client.post(
        f"/api/v1/duels/{duel['id']}/vote",
        json={"winner": duel["a"]["id"]},
        headers=account.headers,
    )

    assert response.status == 200
    vote = await response.json()
    assert vote["outcome"] == "a"
    assert (vote["winner_id"], vote["loser_id"]) == (duel["a"]["id"], duel["b"]["id"])
    assert vote["next"]["id"] != duel["id"]
    current = await (await client.get("/api/v1/duels/next", headers=account.headers)).json()
    assert current == vote["next"]


async def test_second_vote_on_a_duel_changes_nothing(client, db, titles) -> None:
    account = await sign_up(client)
    duel_id = await offer(db, account.id, titles[0], titles[1])
    url = f"/api/v1/duels/{duel_id}/vote"

    first = await client.post(url, json={"winner": titles[1]}, headers=account.headers)
    again = await client.post(url, json={"winner": titles[1]}, headers=account.headers)

    assert first.status == again.status == 200
    body, replay = await first.json(), await again.json()
    assert {k: v for k, v in replay.items() if k != "next"} == {
        k: v for k, v in body.items() if k != "next"
    }
    assert await db.fetchval("SELECT count(*) FROM ranking_votes WHERE duel_id = $1", duel_id) == 1
    events = await db.fetchval(
        "SELECT count(*) FROM outbox WHERE type = 'ranking.vote_cast'"
        " AND (data->>'duel_id')::bigint = $1",
        duel_id,
    )
    assert events == 1


async def test_a_different_second_vote_is_refused(client, db, titles) -> None:
    account = await sign_up(client)
    duel_id = await offer(db, account.id, titles[0], titles[1])
    url = f"/api/v1/duels/{duel_id}/vote"
    await client.post(url, json={"winner": titles[0]}, headers=account.headers)

    response = await client.post(url, json={"winner": titles[1]}, headers=account.headers)

    assert response.status == 409
    assert (await response.json())["error"]["code"] == "already_voted"
    outcome = await db.fetchval("SELECT outcome FROM ranking_duels WHERE id = $1", duel_id)
    assert outcome == "a"


async def test_only_the_user_the_duel_was_offered_to_may_vote(client, db, titles) -> None:
    owner, other = await sign_up(client), await sign_up(client)
    duel_id = await offer(db, owner.id, titles[0], titles[1])

    response = await client.post(
        f"/api/v1/duels/{duel_id}/vote", json={"winner": titles[0]}, headers=other.headers
    )

    assert response.status == 403
    assert (await response.json())["error"]["code"] == "not_your_duel"
    assert await db.fetchval("SELECT outcome FROM ranking_duels WHERE id = $1", duel_id) is None


async def test_an_expired_duel_takes_no_vote(client, db, titles) -> None:
    account = await sign_up(client)
    duel_id = await offer(db, account.id, titles[0], titles[1])
    await db.execute(
        "UPDATE ranking_duels SET expires_at = now() - interval '1 second' WHERE id = $1", duel_id
    )

    response = await client.post(
        f"/api/v1/duels/{duel_id}/vote", json={"winner": titles[0]}, headers=account.headers
    )

    assert response.status == 410
    assert (await response.json())["error"]["code"] == "duel_expired"


async def test_bad_votes_are_refused_with_the_reason(client, db, titles) -> None:
    account = await sign_up(client)
    duel_id = await offer(db, account.id, titles[0], titles[1])
    url = f"/api/v1/duels/{duel_id}/vote"

    outsider = await client.post(url, json={"winner": titles[2]}, headers=account.headers)
    both = await client.post(
        url, json={"winner": titles[0], "skip": "both"}, headers=account.headers
    )
    odd_skip = await client.post(url, json={"skip": "maybe"}, headers=account.headers)
    missing = await client.post(
        "/api/v1/duels/999999999/vote", json={"winner": 1}, headers=account.headers
    )
    anonymous = await client.post(url, json={"winner": titles[0]})

    assert outsider.status == 422
    assert "winner" in (await outsider.json())["error"]["fields"]
    assert both.status == odd_skip.status == 422
    assert missing.status == 404
    assert anonymous.status == 401
    assert await db.fetchval("SELECT outcome FROM ranking_duels WHERE id = $1", duel_id) is None


async def test_a_user_never_gets_the_same_pair_twice(client, titles) -> None:
    account = await sign_up(client)
    pairs = []
    duel = await (await client.get("/api/v1/duels/next", headers=account.headers)).json()
    for _ in range(12):
        pairs.append(frozenset((duel["a"]["id"], duel["b"]["id"])))
        vote = await client.post(
            f"/api/v1/duels/{duel['id']}/vote",
            json={"skip": "cant_decide"},
            headers=account.headers,
        )
        duel = (await vote.json())["next"]

    assert len(set(pairs)) == len(pairs)


async def test_a_title_the_user_does_not_know_is_not_offered_again(client, titles) -> None:
    account = await sign_up(client)
    duel = await (await client.get("/api/v1/duels/next", headers=account.headers)).json()
    unknown = duel["a"]["id"]

    vote = await client.post(
        f"/api/v1/duels/{duel['id']}/vote", json={"skip": "unknown_a"}, headers=account.headers
    )
    assert vote.status == 200
    duel = (await vote.json())["next"]
    seen = []
    for _ in range(10):
        seen += [duel["a"]["id"], duel["b"]["id"]]
        vote = await client.post(
            f"/api/v1/duels/{duel['id']}/vote",
            json={"winner": duel["b"]["id"]},
            headers=account.headers,
        )
        duel = (await vote.json())["next"]

    assert unknown not in seen


async def test_votes_over_the_websocket_get_the_next_duel_and_push_it_on_the_users_channel(
    client, titles
) -> None:
    account = await sign_up(client)
    live = await Live.open(client, headers=account.headers)
    assert (await live.subscribe(f"user:{account.id}"))["type"] == "subscribed"
    duel = await (await client.get("/api/v1/duels/next", headers=account.headers)).json()

    await live.send(
        {
            "type": "action",
            "id": 7,
            "action": "duel.vote",
            "data": {"duel_id": duel["id"], "winner": duel["b"]["id"]},
        }
    )

    reply = await live.expect("reply", id=7)
    assert reply["data"]["outcome"] == "b"
    pushed = await live.expect("publication", channel=f"user:{account.id}")
    assert pushed["data"] == {"type": "ranking.next_duel", "duel": reply["data"]["next"]}
    await live.close()


async def test_a_strong_favourite_does_not_fill_the_users_duels(client, db) -> None:
    # Given a user who liked and rated one title of a small catalogue
    titles = await new_titles(db, 12, kind="series")
    favourite = titles[0]
    account = await sign_up(client)
    for method, path, body in (("PUT", "like", None), ("PUT", "rating", {"rating": 5})):
        response = await client.request(
            method, f"/api/v1/media/{favourite}/{path}", json=body, headers=account.headers
        )
        assert response.status == 200

    # When they play 20 duels in a row, choosing their favourite whenever it is offered
    shown: list[set[int]] = []
    duel = await (
        await client.get("/api/v1/duels/next?kind=series", headers=account.headers)
    ).json()
    for _ in range(20):
        pair = {duel["a"]["id"], duel["b"]["id"]}
        shown.append(pair)
        winner = favourite if favourite in pair else duel["a"]["id"]
        vote = await client.post(
            f"/api/v1/duels/{duel['id']}/vote", json={"winner": winner}, headers=account.headers
        )
        duel = (await vote.json())["next"]

    # Then no title was in two consecutive duels, nor in more than a third of them
    assert all(not before & after for before, after in itertools.pairwise(shown))
    appearances = Counter(m for pair in shown for m in pair)
    assert max(appearances.values()) <= 20 // 3
    assert appearances[favourite] >= 2  # still offered: the rule caps, it does not hide


async def test_concurrent_preparations_fill_the_queue_once(db, redis, settings, titles) -> None:
    # Given a user with nothing prepared, and several requests preparing their duels at once
    user_id = await new_user(db, "Racer")

    made = await asyncio.gather(
        *(service.prepare_matchups(db, redis, settings, user_id, "game") for _ in range(5))
    )

    # Then one preparation made the queue's worth of duels, the others waited and found it full
    assert sorted(made) == [0, 0, 0, 0, settings.duel_prefetch + 1]
    queue = await redis.lrange(rkey(settings, "ranking", "queue", user_id, "game"), 0, -1)
    open_duels = await db.fetch(
        "SELECT id FROM ranking_duels WHERE user_id = $1 AND outcome IS NULL", user_id
    )
    assert sorted(int(d) for d in queue) == sorted(row["id"] for row in open_duels)


async def test_a_vote_on_a_duel_handed_out_before_its_preparer_committed_waits_for_it(
    client, db, redis, settings, titles
) -> None:
    # A preparer writes the user's queue and matchups to Redis inside its transaction, so
    # that the next preparer counts them; a quick voter can pop a duel in between. Here the
    # preparer is held between its Redis write and its commit.
    account = await sign_up(client)
    async with db.acquire() as conn:
        preparing = conn.transaction()
        await preparing.start()
        await store.lock_preparation(conn, account.id, "game")
        expires_at = datetime.now(UTC) + timedelta(minutes=5)
        [duel] = await store.insert_duels(
            conn, account.id, "game", [(titles[0], titles[1])], expires_at
        )
        matchup = {"id": duel["id"], "kind": "game", "a": {}, "b": {}, "expires_at": ""}
        await redis.set(rkey(settings, "ranking", "duel", duel["id"]), orjson.dumps(matchup), ex=60)

        vote = asyncio.create_task(
            client.post(
                f"/api/v1/duels/{duel['id']}/vote",
                json={"winner": titles[0]},
                headers=account.headers,
            )
        )
        await asyncio.sleep(0.3)
        assert not vote.done()  # waiting for the preparer, not refused
        await preparing.commit()

    response = await vote
    assert response.status == 200, await response.text()
    assert (await response.json())["winner_id"] == titles[0]
