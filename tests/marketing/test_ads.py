"""Ads in the feed's native slots and their clicks: real PostgreSQL and Redis, and a
controlled clock (each test schedules its campaigns on a day of its own, far ahead)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from metacult import catalog
from metacult.marketing import service
from metacult.typedefs import DB, REDIS, SETTINGS
from tests.accounts import sign_up
from tests.marketing.helpers import campaign_body, create, far_window
from tests.titles import new_titles

GAME = catalog.MediaSummary(1, "game", "A game", "a-game", 2020, None, ("rpg",), ("pc",))
FILM = catalog.MediaSummary(2, "film", "A film", "a-film", 2020, None, ("drama",), ())


async def _select(client, user_id: int, at, media=(GAME, FILM), slots=2, dismissed=()):
    app = client.app
    chosen = await service.select_ads(
        app[DB], app[REDIS], app[SETTINGS], user_id, slots, media, frozenset(dismissed), at
    )
    return [campaign.id for campaign, _ in chosen]


async def _written(client) -> None:
    """What the ad event actor does every few seconds: the stream written to PostgreSQL."""
    app = client.app
    while await service.record_events(app[DB], app[REDIS], app[SETTINGS]):
        pass


async def _campaign(client, admin, admin_path: str = "") -> dict:
    response = await client.get(f"/api/v1/admin/campaigns/{admin_path}", headers=admin.headers)
    return await response.json()


async def test_targeting_picks_the_campaigns_whose_kinds_genres_and_platforms_the_page_shows(
    client,
) -> None:
    admin = await sign_up(client, role="admin")
    start = far_window()
    games = await create(
        client, admin, campaign_body(start, targeting={"kinds": ["game"], "genres": ["rpg"]})
    )
    series = await create(client, admin, campaign_body(start, targeting={"kinds": ["series"]}))
    on_switch = await create(
        client, admin, campaign_body(start, targeting={"platforms": ["switch"]})
    )
    at = start + timedelta(hours=12)

    assert await _select(client, 9001, at, slots=3) == [games["id"]]
    assert set(await _select(client, 9002, at, media=(GAME, FILM), slots=3)) == {games["id"]}
    assert series["id"] not in await _select(client, 9003, at, media=(FILM,), slots=3)
    assert on_switch["id"] not in await _select(client, 9003, at, slots=3)
    # Before its schedule, nothing.
    assert await _select(client, 9004, start - timedelta(seconds=1), slots=3) == []


async def test_the_daily_budget_is_paced_over_the_day(client, db) -> None:
    admin = await sign_up(client, role="admin")
    start = far_window()
    # 1 cent per impression (CPM of 10.00), 40.00 a day: 10.00 per quarter of the day.
    body = campaign_body(
        start,
        days=2,
        budget={"total_cents": 10**6, "daily_cents": 4000, "price_cents": 1000},
        frequency_cap_per_day=100,
    )
    paced = await create(client, admin, body)
    async with db.acquire() as conn:
        # The day's first quarter spent but one impression.
        await conn.execute(
            "INSERT INTO marketing_daily (campaign_id, day, spent_micros) VALUES ($1, $2, $3)",
            paced["id"],
            start.date(),
            1000 * 10_000 - 10_000,
        )

    quarter = start + timedelta(hours=6, seconds=-1)
    assert await _select(client, 1, quarter, slots=1) == [paced["id"]]
    await _written(client)
    assert await _select(client, 2, quarter, slots=1) == []
    half = start + timedelta(hours=12, seconds=-1)
    assert await _select(client, 3, half, slots=1) == [paced["id"]]
    # The next day starts with a fresh allowance.
    assert await _select(client, 5, start + timedelta(days=1), slots=1) == [paced["id"]]
    await _written(client)
    report = await client.get(
        f"/api/v1/admin/campaigns/{paced['id']}/report", headers=admin.headers
    )
    days = (await report.json())["days"]
    assert [(d["impressions"], d["spent_cents"]) for d in days] == [(2, 1001), (1, 1)]


async def test_the_frequency_cap_holds_per_user_per_day(client) -> None:
    admin = await sign_up(client, role="admin")
    start = far_window()
    capped = await create(client, admin, campaign_body(start, 2, frequency_cap_per_day=2))
    at = start + timedelta(hours=20)
    assert await _select(client, 77, at) == [capped["id"]]
    assert await _select(client, 77, at) == [capped["id"]]
    assert await _select(client, 77, at) == []
    assert await _select(client, 78, at) == [capped["id"]]
    assert await _select(client, 77, at + timedelta(days=1) - timedelta(hours=19)) == [capped["id"]]


async def _click(client, token: str, at, address: str, user_agent: str = "Mozilla/5.0"):
    app = client.app
    return await service.click(
        app[DB], app[REDIS], app[SETTINGS], token, client=address, user_agent=user_agent, at=at
    )


async def test_clicks_move_the_spend_once_each_and_a_spent_campaign_stops(client) -> None:
    admin = await sign_up(client, role="admin")
    start = far_window()
    body = campaign_body(
        start,
        budget={"total_cents": 300, "daily_cents": 300, "price_model": "cpc", "price_cents": 100},
    )
    small = await create(client, admin, body)
    at = start + timedelta(hours=23, minutes=59)
    app = client.app
    tokens = []
    for user_id in (11, 12, 13):
        ((campaign, token),) = await service.select_ads(
            app[DB], app[REDIS], app[SETTINGS], user_id, 1, (GAME,), frozenset(), at
        )
        assert campaign.id == small["id"]
        tokens.append(token)
    # A flood of the same link, and a bot: one billed click.
    billed = [await _click(client, tokens[0], at, "10.0.0.1") for _ in range(5)]
    assert (
        billed
        == [("https://acme.example/quest?from=metacult", True)]
        + [("https://acme.example/quest?from=metacult", False)] * 4
    )
    # The spend moves when the actor writes the stream, not in the request.
    assert (await _campaign(client, admin, str(small["id"])))["budget"]["spent_cents"] == 0
    await _written(client)
    assert (await _campaign(client, admin, str(small["id"])))["budget"]["spent_cents"] == 100
    assert await _click(client, tokens[1], at, "10.0.0.2", user_agent="Googlebot/2.1") == (
        "https://acme.example/quest?from=metacult",
        False,
    )
    assert (await _click(client, tokens[1], at, "10.0.0.2"))[1] is True
    assert (await _click(client, tokens[2], at, "10.0.0.3"))[1] is True
    await _written(client)

    found = await _campaign(client, admin, str(small["id"]))
    assert found["status"] == "exhausted"
    assert found["budget"]["spent_cents"] == 300
    assert await _select(client, 14, at) == []
    # An old link is refused once expired.
    with pytest.raises(service.ExpiredClick):
        await _click(client, tokens[0], at + timedelta(days=8), "10.0.0.4")


async def test_an_ad_never_promotes_a_title_the_user_dismissed(client) -> None:
    admin = await sign_up(client, role="admin")
    start = far_window()
    promoted = await create(client, admin, campaign_body(start, creative={"media_id": None}))
    title = (await new_titles(client.app[DB], 1, kind="game"))[0]
    body = campaign_body(start, creative={**campaign_body()["creative"], "media_id": title})
    promoting = await create(client, admin, body)
    at = start + timedelta(hours=12)
    assert set(await _select(client, 5, at)) == {promoted["id"], promoting["id"]}
    assert await _select(client, 6, at, dismissed=(title,)) == [promoted["id"]]


async def _feed_slots(client, account) -> list[dict]:
    response = await client.get("/api/v1/feed?limit=20", headers=account.headers)
    assert response.status == 200, await response.text()
    return (await response.json())["slots"]


async def test_the_feed_shows_a_sponsored_card_whose_click_is_counted_once(client, db) -> None:
    admin = await sign_up(client, role="admin")
    await new_titles(db, 6, kind="game", genres=("metroidvania",), platforms=("pc",))
    reader = await sign_up(client)
    response = await client.patch(
        "/api/v1/me", headers=reader.headers, json={"favourite_genres": ["metroidvania"]}
    )
    assert response.status == 200
    body = campaign_body(
        targeting={"genres": ["metroidvania"]},
        budget={
            "total_cents": 10**6,
            "daily_cents": 10**6,
            "price_model": "cpc",
            "price_cents": 10**5,
        },
    )
    campaign = await create(client, admin, body)

    slots = await _feed_slots(client, reader)
    ads = [s["content"] for s in slots if s["kind"] == "native_ad" and s["content"]]
    assert ads, slots
    ad = ads[0]
    assert ad["sponsored"] is True
    assert ad["advertiser"] == "Acme Games"
    assert ad["url"].startswith("/c/")

    for _ in range(3):
        click = await client.get(ad["url"], allow_redirects=False)
        assert click.status == 302
        assert click.headers["Location"] == "https://acme.example/quest?from=metacult"
    # Another render's link of the same user: no second billed click today either.
    slots = await _feed_slots(client, reader)
    again = [s["content"] for s in slots if s["content"] and s["content"]["url"] != ad["url"]]
    if again:
        await client.get(again[0]["url"], allow_redirects=False)
    await _written(client)

    found = await _campaign(client, admin, str(campaign["id"]))
    assert found["budget"]["spent_cents"] == 10**5
    report = await client.get(
        f"/api/v1/admin/campaigns/{campaign['id']}/report", headers=admin.headers
    )
    (day,) = (await report.json())["days"]
    assert day["clicks"] == 1
    assert day["impressions"] >= 1
    assert 0 < day["ctr"] <= 1


async def test_a_tampered_or_unknown_click_link_is_refused(client) -> None:
    response = await client.get("/c/bm90LmEudG9rZW4.c2lnbmF0dXJl", allow_redirects=False)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"
    assert "Location" not in response.headers
