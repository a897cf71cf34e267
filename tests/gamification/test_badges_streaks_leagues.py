"""Badge rules from the counters the actor keeps, streaks in the user's timezone with
freezes, and a league week closing with promotions and demotions (a controlled clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from metacult.gamification import rules, service, store
from metacult.typedefs import DB, REDIS, SETTINGS
from tests import random_refs
from tests.channels import published
from tests.gamification.conftest import action_xp, badges_of, event, liked, new_user, voted
from tests.titles import new_title, new_titles


async def award(client, *events) -> None:
    app = client.app
    for item in events:
        await service.award_event(app[DB], app[REDIS], app[SETTINGS], item)


def reviewed(user_id: int, media_id: int, review_id: int, length: int = 20):
    return event(
        "interaction.reviewed",
        user_id=user_id,
        media_id=media_id,
        kind="film",
        review_id=review_id,
        spoiler=False,
        length=length,
    )


def rated(user_id: int, media_id: int):
    return event(
        "interaction.rated",
        user_id=user_id,
        media_id=media_id,
        kind="film",
        rating=4,
        previous=None,
    )


async def test_counting_rules_award_their_badges_once(client, db) -> None:
    user = await new_user(db)
    titles = await new_titles(db, 25)
    games = await new_titles(db, 1, kind="game")

    await award(client, event("identity.signed_up", user_id=user))
    await award(client, *(liked(user, media) for media in titles))
    await award(client, *(voted(user, duel) for duel in range(1, 11)))
    await award(client, reviewed(user, titles[0], review_id=10**9 + user))
    await award(client, rated(user, titles[1]))
    await award(
        client,
        event(
            "interaction.status_changed",
            user_id=user,
            media_id=games[0],
            kind="game",
            status="completed",
            previous="playing",
        ),
    )
    # Replayed events earn no badge twice (nor its XP).
    await award(client, *(liked(user, media) for media in titles[:3]))

    assert {"early_adopter", "fan", "duelist", "first_review", "first_rating", "finisher"} <= (
        await badges_of(db, user)
    )
    assert await action_xp(db, user, "badge") == 25 + 10 + 10 + 10 + 10 + 10


async def test_genre_explorer_counts_the_genres_of_rated_titles(client, db) -> None:
    user = await new_user(db)
    tag = random_refs.suffix()[:6]
    titles = [(await new_titles(db, 1, genres=(f"g{i}-{tag}",)))[0] for i in range(10)]

    await award(client, *(rated(user, media) for media in titles[:9]))
    assert "genre_explorer" not in await badges_of(db, user)
    await award(client, rated(user, titles[9]))

    assert "genre_explorer" in await badges_of(db, user)


async def test_social_badges_come_from_follows_both_ways(client, db) -> None:
    star = await new_user(db, "Star")
    fans = [await new_user(db, "Fan") for _ in range(10)]

    await award(
        client, *(event("identity.followed", follower_id=fan, followee_id=star) for fan in fans)
    )
    await award(
        client,
        *(event("identity.followed", follower_id=fans[0], followee_id=f) for f in fans[1:]),
        event("identity.followed", follower_id=fans[0], followee_id=star),
    )

    assert "social" in await badges_of(db, star)
    assert "networker" in await badges_of(db, fans[0])
    assert await action_xp(db, fans[0], "follow") == 20


async def test_a_review_liked_by_ten_people_pleases_the_crowd(client, db) -> None:
    author, media = await new_user(db, "Author"), await new_title(db)
    review = 10**9 + author
    likers = [await new_user(db, "Reader") for _ in range(10)]

    await award(
        client,
        *(
            event(
                "interaction.review_liked",
                user_id=liker,
                media_id=media,
                kind="film",
                review_id=review,
                author_id=author,
            )
            for liker in likers
        ),
    )

    assert "crowd_pleaser" in await badges_of(db, author)
    assert await action_xp(db, author, "review_liked") == 30


async def test_a_streak_counts_local_days_spends_a_freeze_and_reports_its_break(
    client, db, redis, settings
) -> None:
    # Auckland is UTC+12 in June: 10:00 and 13:00 UTC on 1 June are two local days.
    user = await new_user(db, "Kiwi", timezone="Pacific/Auckland")
    media = await new_titles(db, 4)
    moments = [
        datetime(2026, 6, 1, 10, tzinfo=UTC),  # Mon 1 June, 22:00: the week's freeze
        datetime(2026, 6, 1, 13, tzinfo=UTC),  # Tue 2 June, 01:00 (a night owl)
        datetime(2026, 6, 3, 13, tzinfo=UTC),  # Thu 4 June: 3 June missed, a freeze spent
        datetime(2026, 6, 6, 13, tzinfo=UTC),  # Sun 7 June: two days missed, no freeze left
    ]

    for at, title in zip(moments[:3], media, strict=False):
        await award(client, liked(user, title, at))
    row = await db.fetchrow("SELECT * FROM gamification_users WHERE user_id = $1", user)
    assert (row["streak_days"], row["freezes"]) == (3, 0)
    await award(client, liked(user, media[3], moments[3]))

    row = await db.fetchrow("SELECT * FROM gamification_users WHERE user_id = $1", user)
    assert (row["streak_days"], row["best_streak"]) == (1, 3)
    days = await db.fetch(
        "SELECT day FROM gamification_ledger WHERE user_id = $1 AND action = 'daily' ORDER BY day",
        user,
    )
    assert [r["day"].isoformat() for r in days] == [
        "2026-06-01",
        "2026-06-02",
        "2026-06-04",
        "2026-06-07",
    ]
    streaks = [
        m
        for m in await published(redis, settings, f"user:{user}")
        if m["type"] == "gamification.streak"
    ]
    assert [(m["freezes_spent"], m["broken_from"]) for m in streaks] == [(1, None), (0, 3)]
    assert "night_owl" in await badges_of(db, user)


async def test_a_league_week_closes_once_with_promotions_and_demotions(
    client, db, redis, settings
) -> None:
    now = datetime.now(UTC)
    last_week = rules.week_of(now) - timedelta(days=7)
    during = datetime.combine(last_week, datetime.min.time(), tzinfo=UTC) + timedelta(days=2)
    players = [await new_user(db, "Leaguer") for _ in range(14)]
    async with db.acquire() as conn:
        await store.lock_users(conn, players)
        for player in players:
            await store.set_tier(conn, player, 1)
    # Player i casts i + 1 votes: the last one leads the table.
    for rank, player in enumerate(players):
        await award(
            client,
            *(
                voted(player, 10**6 * (rank + 1) + d, during + timedelta(minutes=d))
                for d in range(rank + 1)
            ),
        )
    league_ids = {
        (await store.membership(db, player, last_week))["league_id"] for player in players
    }
    assert len(league_ids) == 1
    (league_id,) = league_ids
    moves = await published(redis, settings, f"leaderboard:league:{league_id}")
    assert moves and moves[-1]["type"] == "gamification.rank_moves"

    assert await service.close_weeks(db, redis, settings, now=now) >= 1
    assert await service.close_weeks(db, redis, settings, now=now) == 0

    best_first = list(reversed(players))
    tiers = [
        await db.fetchval("SELECT tier FROM gamification_users WHERE user_id = $1", p)
        for p in best_first
    ]
    assert tiers == [2] * 7 + [1] * 2 + [0] * 5
    results = [
        await db.fetchrow(
            "SELECT rank, result FROM gamification_league_members WHERE user_id = $1 AND week = $2",
            p,
            last_week,
        )
        for p in best_first
    ]
    assert [r["rank"] for r in results] == list(range(1, 15))
    told = [
        m
        for m in await published(redis, settings, f"user:{best_first[0]}")
        if m["type"] == "gamification.league_result"
    ]
    assert [(m["result"], m["tier_name"]) for m in told] == [("promoted", "Gold")]
