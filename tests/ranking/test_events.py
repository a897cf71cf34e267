"""The ranking event: a vote through the API emits exactly ``ranking.vote_cast``, and who
receives it."""

from __future__ import annotations

from datetime import datetime

from metacult import ranking
from tests.accounts import sign_up
from tests.outbox import emitted, receivers
from tests.ranking.conftest import offer
from tests.titles import new_titles

# Gamification awards XP from this event.
XP = "award_xp"


async def test_a_vote_emits_vote_cast(client, db) -> None:
    account = await sign_up(client)
    a, b = await new_titles(db, 2, kind="game")
    duel_id = await offer(db, account.id, a, b)

    response = await client.post(
        f"/api/v1/duels/{duel_id}/vote", json={"winner": b}, headers=account.headers
    )

    assert response.status == 200, await response.text()
    [payload] = await emitted(db, ranking.VOTE_CAST, duel_id=duel_id)
    assert datetime.fromisoformat(payload.pop("cast_at")).tzinfo is not None
    assert payload == {
        "duel_id": duel_id,
        "user_id": account.id,
        "kind": "game",
        "a_id": a,
        "b_id": b,
        "outcome": "b",
        "winner_id": b,
        "loser_id": a,
    }
    assert receivers(ranking.VOTE_CAST) == {"update_ratings", XP, "record_evidence"}


async def test_a_skip_emits_vote_cast_with_no_winner(client, db) -> None:
    account = await sign_up(client)
    a, b = await new_titles(db, 2, kind="game")
    duel_id = await offer(db, account.id, a, b)

    await client.post(
        f"/api/v1/duels/{duel_id}/vote", json={"skip": "both"}, headers=account.headers
    )

    [payload] = await emitted(db, ranking.VOTE_CAST, duel_id=duel_id)
    assert (payload["outcome"], payload["winner_id"], payload["loser_id"]) == ("both", None, None)
