"""Real actions through the API, awarded by a real worker, pushed live on ``user:{id}``."""

from __future__ import annotations

from tests.accounts import daytime_zone, sign_up
from tests.gamification.conftest import action_xp, badges_of
from tests.helpers import eventually
from tests.realtime.live import Live
from tests.titles import new_title

# Every account made in the platform's first year earns "early adopter" at sign-up.
EARLY_ADOPTER_XP = 25


async def message(live: Live, kind: str, **fields) -> dict:
    """The data of the next publication of ``kind`` (and these fields) on a user channel."""
    while True:
        data = (await live.expect("publication"))["data"]
        if data["type"] == kind and all(data.get(k) == v for k, v in fields.items()):
            return data


async def signed_up(client, db):
    """An account whose sign-up has been awarded (its early adopter badge)."""
    account = await sign_up(client)
    # Its day is daytime, whatever the hour of the run (the night owl badge would count).
    zone = {"timezone": daytime_zone()}
    assert (await client.patch("/api/v1/me", json=zone, headers=account.headers)).status == 200

    async def awarded() -> bool:
        return "early_adopter" in await badges_of(db, account.id)

    await eventually(awarded)
    return account


async def progress(client, account) -> dict:
    response = await client.get("/api/v1/me/progress", headers=account.headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_like_through_the_api_earns_xp_pushed_live(client, db, worker) -> None:
    account, media = await signed_up(client, db), await new_title(db)
    live = await Live.open(client, headers=account.headers)
    assert (await live.subscribe(f"user:{account.id}"))["type"] == "subscribed"

    await client.put(f"/api/v1/media/{media}/like", headers=account.headers)

    data = await message(live, "gamification.xp", actions={"like": 2, "daily": 5})
    assert (data["gained"], data["xp"]) == (7, EARLY_ADOPTER_XP + 7)

    # The message carries the new totals; the page reads them once the award committed.
    async def committed() -> dict:
        mine = await progress(client, account)
        return mine if mine["xp"] == EARLY_ADOPTER_XP + 7 else {}

    mine = await eventually(committed)
    assert (mine["level"], mine["xp_for_next"], mine["streak_days"]) == (1, 100, 1)
    assert mine["league"]["channel"] == f"leaderboard:league:{mine['league']['id']}"


async def test_a_first_review_earns_its_badge_live_and_deleting_it_takes_the_xp_back(
    client, db, worker
) -> None:
    author, media = await signed_up(client, db), await new_title(db)
    live = await Live.open(client, headers=author.headers)
    await live.subscribe(f"user:{author.id}")

    response = await client.post(
        f"/api/v1/media/{media}/reviews", json={"body": "x" * 600}, headers=author.headers
    )
    review = await response.json()

    badge = (await message(live, "gamification.badge"))["badge"]
    assert (badge["id"], badge["tier"], badge["xp"]) == ("first_review", "bronze", 10)

    async def long_review_earned() -> bool:
        return await action_xp(db, author.id, "review") == 40

    await eventually(long_review_earned)

    await client.delete(f"/api/v1/reviews/{review['id']}", headers=author.headers)

    async def taken_back() -> bool:
        return await action_xp(db, author.id, "review") == 0

    await eventually(taken_back)
    # Badges stay earned: the achievement happened.
    assert "first_review" in await badges_of(db, author.id)


async def test_a_moderator_hiding_a_review_takes_its_xp_back(client, db, worker) -> None:
    author, admin, media = (
        await sign_up(client),
        await sign_up(client, role="admin"),
        await new_title(db),
    )
    response = await client.post(
        f"/api/v1/media/{media}/reviews", json={"body": "Short one."}, headers=author.headers
    )
    review = await response.json()

    async def earned() -> bool:
        return await action_xp(db, author.id, "review") == 20

    await eventually(earned)
    await client.post(
        f"/api/v1/admin/reviews/{review['id']}/hide",
        json={"reason": "spam"},
        headers=admin.headers,
    )

    async def hidden() -> bool:
        return await action_xp(db, author.id, "review") == 0

    await eventually(hidden)


async def test_ratings_and_statuses_through_the_api_earn_their_badges(client, db, worker) -> None:
    account = await signed_up(client, db)
    game, film = await new_title(db, "game"), await new_title(db, "film")

    await client.put(f"/api/v1/media/{film}/rating", json={"rating": 4}, headers=account.headers)
    await client.put(
        f"/api/v1/media/{game}/status", json={"status": "completed"}, headers=account.headers
    )

    async def both() -> bool:
        return {"first_rating", "finisher"} <= await badges_of(db, account.id)

    await eventually(both)
    assert await action_xp(db, account.id, "status") == 15
    mine = await progress(client, account)
    # 5 rating + 15 completed + 5 daily + 10 + 10 for two bronze badges.
    assert mine["xp"] == EARLY_ADOPTER_XP + 45
    assert mine["badges"] == 3


async def test_a_badge_page_shows_rarity_and_hides_secret_badges(client, db, worker) -> None:
    account, media = await signed_up(client, db), await new_title(db)
    await client.put(f"/api/v1/media/{media}/rating", json={"rating": 3}, headers=account.headers)

    async def rated() -> bool:
        return "first_rating" in await badges_of(db, account.id)

    await eventually(rated)
    from metacult.gamification import service

    assert await service.refresh_rarity(db) >= 1

    response = await client.get("/api/v1/badges", headers=account.headers)
    items = {item["id"]: item for item in (await response.json())["items"]}
    assert items["first_rating"]["earned_at"] is not None
    assert 0 < items["first_rating"]["rarity"] <= 100
    assert items["night_owl"]["hidden"] is True
    assert items["night_owl"]["name"] == "Secret badge"

    response = await client.get(f"/api/v1/users/{account.id}/badges")
    assert [item["id"] for item in (await response.json())["items"]] == [
        "early_adopter",
        "first_rating",
    ]
    response = await client.get(f"/api/v1/users/{account.id}/progress")
    assert (await response.json())["xp"] == EARLY_ADOPTER_XP + 20
