"""The ledger: one row per source, caps, reversals, replays and events out of order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from metacult.gamification import service
from tests.gamification.conftest import action_xp, event, liked, new_user, voted, xp_of
from tests.titles import new_title


async def ledger_total(db, user_id: int) -> int:
    return await db.fetchval(
        "SELECT coalesce(sum(xp), 0) FROM gamification_ledger WHERE user_id = $1", user_id
    )


async def award(client, *events) -> None:
    app = client.app
    from metacult.typedefs import DB, REDIS, SETTINGS

    for item in events:
        await service.award_event(app[DB], app[REDIS], app[SETTINGS], item)


async def test_a_like_earns_its_xp_and_the_days_bonus_once(client, db) -> None:
    user, media = await new_user(db), await new_title(db)

    await award(client, liked(user, media))

    assert await action_xp(db, user, "like") == 2
    assert await action_xp(db, user, "daily") == 5
    assert await xp_of(db, user) == await ledger_total(db, user)


async def test_liking_and_unliking_a_title_again_and_again_earns_one_like(client, db) -> None:
    user, media = await new_user(db), await new_title(db)
    start = datetime.now(UTC) - timedelta(minutes=10)

    for step in range(6):
        await award(client, liked(user, media, start + timedelta(seconds=step), back=step % 2 == 1))
    await award(client, liked(user, media, start + timedelta(seconds=10)))

    assert await action_xp(db, user, "like") == 2


async def test_unliking_takes_the_likes_xp_back(client, db) -> None:
    user, media = await new_user(db), await new_title(db)
    at = datetime.now(UTC) - timedelta(minutes=1)

    await award(
        client, liked(user, media, at), liked(user, media, at + timedelta(seconds=1), back=True)
    )

    assert await action_xp(db, user, "like") == 0
    assert await action_xp(db, user, "daily") == 5
    assert await xp_of(db, user) == await ledger_total(db, user)


async def test_a_replayed_event_awards_nothing_twice_even_without_its_claim(client, db) -> None:
    user, media = await new_user(db), await new_title(db)
    like = liked(user, media)

    await award(client, like, like)
    # The processed-event claim lost (a restored backup): the ledger's key still holds.
    await db.execute("DELETE FROM processed_events WHERE event_id = $1::uuid", like["id"])
    await award(client, like)

    assert await action_xp(db, user, "like") == 2
    assert (
        await db.fetchval(
            "SELECT count(*) FROM gamification_ledger WHERE user_id = $1 AND action = 'like'", user
        )
        == 1
    )


async def test_an_unlike_arriving_before_its_like_leaves_nothing_earned(client, db) -> None:
    user, media = await new_user(db), await new_title(db)
    at = datetime.now(UTC) - timedelta(minutes=1)
    like, unlike = liked(user, media, at), liked(user, media, at + timedelta(seconds=5), back=True)

    await award(client, unlike, like)

    assert await action_xp(db, user, "like") == 0
    counters = await db.fetchval(
        "SELECT value FROM gamification_counters WHERE user_id = $1 AND name = 'likes'", user
    )
    assert counters in (None, 0)


async def test_duel_votes_earn_at_most_the_daily_cap(client, db) -> None:
    user = await new_user(db)
    at = datetime.now(UTC)

    await award(client, *(voted(user, duel, at) for duel in range(1, 61)))

    assert await action_xp(db, user, "duel_vote") == 50


async def test_the_nightly_audit_corrects_a_counter_that_drifted_from_the_ledger(
    client, db
) -> None:
    user, media = await new_user(db), await new_title(db)
    await award(client, liked(user, media))
    await db.execute("UPDATE gamification_users SET xp = xp + 1000 WHERE user_id = $1", user)

    assert await service.audit_totals(db) >= 1

    assert await xp_of(db, user) == await db.fetchval(
        "SELECT sum(xp) FROM gamification_ledger WHERE user_id = $1", user
    )
    assert await service.audit_totals(db) == 0


async def test_concurrent_awards_on_the_same_users_neither_deadlock_nor_lose_xp(client, db) -> None:
    a, b = await new_user(db), await new_user(db)
    follows = []
    for round_ in range(10):
        for follower, followee in ((a, b), (b, a)):
            name = "identity.followed" if round_ % 2 == 0 else "identity.unfollowed"
            at = datetime.now(UTC) + timedelta(milliseconds=round_)
            follows.append(event(name, at, follower_id=follower, followee_id=followee))
    likes = [liked(user, await new_title(db)) for user in (a, b) for _ in range(5)]

    await asyncio.gather(*(award(client, item) for item in follows + likes))

    for user in (a, b):
        total = await db.fetchval(
            "SELECT sum(xp) FROM gamification_ledger WHERE user_id = $1", user
        )
        assert await xp_of(db, user) == total
        assert await action_xp(db, user, "like") == 10
