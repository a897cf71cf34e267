"""Impressions and clicks through the ad event stream and the real worker: the feed
request only emits; the actor counts, moves the spend and publishes the live counters."""

from __future__ import annotations

from tests.accounts import sign_up
from tests.helpers import eventually
from tests.marketing.helpers import campaign_body, create
from tests.realtime.live import Live
from tests.titles import new_titles
from workers.marketing import record_ad_events


async def _feed_ads(client, account) -> list[dict]:
    response = await client.get("/api/v1/feed?limit=20", headers=account.headers)
    assert response.status == 200, await response.text()
    slots = (await response.json())["slots"]
    return [s["content"] for s in slots if s["kind"] == "native_ad" and s["content"]]


async def test_the_worker_counts_impressions_moves_cpm_spend_and_shows_live_counters(
    client, db, worker
) -> None:
    admin = await sign_up(client, role="admin")
    await new_titles(db, 6, kind="game", genres=("roguelike",), platforms=("pc",))
    reader = await sign_up(client)
    response = await client.patch(
        "/api/v1/me", headers=reader.headers, json={"favourite_genres": ["roguelike"]}
    )
    assert response.status == 200
    # 1 cent per impression (CPM 10.00), once per user per day.
    body = campaign_body(
        targeting={"genres": ["roguelike"]},
        budget={"total_cents": 10**6, "daily_cents": 10**6, "price_cents": 1000},
        frequency_cap_per_day=1,
    )
    campaign = await create(client, admin, body)
    live = await Live.open(client, headers=admin.headers)
    assert (await live.subscribe("admin:dashboard"))["type"] == "subscribed"

    assert len(await _feed_ads(client, reader)) == 1
    # Capped: the second render shows no ad and counts nothing.
    assert await _feed_ads(client, reader) == []
    # What the scheduler sends every few seconds.
    record_ad_events.send()

    async def spent() -> dict | None:
        found = await client.get(f"/api/v1/admin/campaigns/{campaign['id']}", headers=admin.headers)
        budget = (await found.json())["budget"]
        return budget if budget["spent_cents"] else None

    assert (await eventually(spent, within=30))["spent_cents"] == 1
    report = await client.get(
        f"/api/v1/admin/campaigns/{campaign['id']}/report", headers=admin.headers
    )
    (day,) = (await report.json())["days"]
    assert (day["impressions"], day["clicks"], day["spent_cents"]) == (1, 0, 1)

    while True:
        data = (await live.expect("publication", channel="admin:dashboard", within=30))["data"]
        if data.get("type") == "marketing.stats" and data["impressions_per_minute"] >= 1:
            break
    assert data["impressions_today"] >= 1
    assert data["spent_cents_today"] >= 1
    assert {"clicks_per_minute", "spent_cents_per_minute", "clicks_today"} <= set(data)
