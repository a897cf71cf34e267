"""Min-level targeting: an ad shows to users from a gamification level up."""

from __future__ import annotations

from datetime import timedelta

from metacult import gamification
from metacult.gamification import rules as gamification_rules
from metacult.marketing import service
from metacult.typedefs import DB, REDIS, SETTINGS
from tests.accounts import sign_up
from tests.marketing.helpers import campaign_body, create, far_window
from tests.marketing.test_ads import GAME


async def _select(client, user_id: int, at) -> list[int]:
    app = client.app
    chosen = await service.select_ads(
        app[DB], app[REDIS], app[SETTINGS], user_id, 3, (GAME,), frozenset(), at
    )
    return [campaign.id for campaign, _ in chosen]


async def test_a_min_level_campaign_shows_only_to_users_of_that_level_or_more(client, db) -> None:
    admin = await sign_up(client, role="admin")
    veteran, newcomer = await sign_up(client), await sign_up(client)
    # Badges granted by hand bring their XP: the veteran climbs levels.
    for badge in gamification_rules.BADGES:
        path = f"/api/v1/admin/users/{veteran.id}/badges/{badge.id}"
        assert (await client.put(path, headers=admin.headers)).status == 200
    async with db.acquire() as conn:
        level = await gamification.user_level(conn, veteran.id)
        assert await gamification.user_level(conn, newcomer.id) == 1
    assert level >= 2

    start = far_window()
    everyone = await create(client, admin, campaign_body(start))
    reached = await create(client, admin, campaign_body(start, targeting={"min_level": level}))
    beyond = await create(client, admin, campaign_body(start, targeting={"min_level": level + 1}))
    assert reached["targeting"]["min_level"] == level
    at = start + timedelta(hours=12)

    assert set(await _select(client, veteran.id, at)) == {everyone["id"], reached["id"]}
    assert await _select(client, newcomer.id, at) == [everyone["id"]]
    assert beyond["id"] not in await _select(client, veteran.id, at)


async def test_a_bad_min_level_is_a_422_naming_the_field(client) -> None:
    admin = await sign_up(client, role="admin")
    for bad in (0, -3, "high", 10**6, 2.5):
        response = await client.post(
            "/api/v1/admin/campaigns",
            headers=admin.headers,
            json=campaign_body(targeting={"min_level": bad}),
        )
        assert response.status == 422, (bad, await response.text())
        error = (await response.json())["error"]
        assert "targeting.min_level" in str(error), error
