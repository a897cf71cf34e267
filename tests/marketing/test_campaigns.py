"""Campaigns through the admin API: CRUD, and bad input answered 422 naming the field."""

from __future__ import annotations

import pytest

from tests.accounts import sign_up
from tests.marketing.helpers import campaign_body, create


async def test_an_admin_creates_lists_changes_pauses_and_deletes_a_campaign(client) -> None:
    admin = await sign_up(client, role="admin")
    body = campaign_body(targeting={"kinds": ["game"], "genres": ["rpg"], "platforms": ["pc"]})
    created = await create(client, admin, body)
    assert created["advertiser"] == "Acme Games"
    assert created["status"] == "active"
    assert created["budget"] == {
        "total_cents": 100_000,
        "daily_cents": 100_000,
        "price_model": "cpm",
        "price_cents": 100,
        "spent_cents": 0,
    }
    assert created["targeting"] == {
        "kinds": ["game"],
        "genres": ["rpg"],
        "platforms": ["pc"],
        "min_level": 1,
    }
    url = f"/api/v1/admin/campaigns/{created['id']}"

    listed = await client.get("/api/v1/admin/campaigns?limit=200", headers=admin.headers)
    assert listed.status == 200
    assert created["id"] in {c["id"] for c in (await listed.json())["campaigns"]}

    changed = await client.put(
        url, json={**body, "advertiser": "Acme Studios"}, headers=admin.headers
    )
    assert changed.status == 200, await changed.text()
    assert (await changed.json())["advertiser"] == "Acme Studios"

    paused = await client.patch(url, json={"status": "paused"}, headers=admin.headers)
    assert (await paused.json())["status"] == "paused"

    report = await client.get(f"{url}/report", headers=admin.headers)
    assert await report.json() == {"campaign_id": created["id"], "days": []}

    assert (await client.delete(url, headers=admin.headers)).status == 204
    assert (await client.get(url, headers=admin.headers)).status == 404


async def test_only_admins_manage_campaigns(client) -> None:
    gamer = await sign_up(client)
    response = await client.post(
        "/api/v1/admin/campaigns", json=campaign_body(), headers=gamer.headers
    )
    assert response.status == 403
    assert (await client.get("/api/v1/admin/campaigns")).status == 401


BAD = [
    ({"budget": {"total_cents": 50, "price_cents": 100}}, "budget.total_cents"),
    ({"budget": {"daily_cents": 50, "price_cents": 100}}, "budget.daily_cents"),
    (
        {"schedule": {"starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}},
        "schedule.ends_at",
    ),
    ({"creative": {"cta_url": "javascript:alert(1)"}}, "creative.cta_url"),
    ({"creative": {"image_url": "ftp://acme.example/a.png"}}, "creative.image_url"),
    ({"targeting": {"genres": ["not-a-genre"]}}, "targeting.genres"),
    ({"targeting": {"platforms": ["toaster"]}}, "targeting.platforms"),
    ({"targeting": {"kinds": ["book"]}}, "targeting.kinds.0"),
    ({"creative": {"media_id": 2**62}}, "creative.media_id"),
    ({"video": {"url": "file:///etc/passwd", "duration_s": 30}}, "video.url"),
    ({"vast_tag_url": "data:text/xml,<VAST/>"}, "vast_tag_url"),
    ({"schedule": {"starts_at": "2030-01-01T00:00:00"}}, "schedule.starts_at"),
]


@pytest.mark.parametrize(("changes", "field"), BAD)
async def test_bad_campaigns_are_refused_naming_the_field(client, db, changes, field) -> None:
    admin = await sign_up(client, role="admin")
    async with db.acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM marketing_campaigns")
    response = await client.post(
        "/api/v1/admin/campaigns", json=campaign_body(**changes), headers=admin.headers
    )
    assert response.status == 422, await response.text()
    body = await response.json()
    assert field in body["error"]["fields"], body
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM marketing_campaigns") == before
