"""The profile's timezone, admins granting and revoking badges, the export and deletion."""

from __future__ import annotations

from tests.accounts import sign_up
from tests.channels import published
from tests.gamification.conftest import badges_of
from tests.helpers import eventually
from tests.titles import new_title


async def badge_xp(db, user_id: int, badge_id: str) -> int:
    return await db.fetchval(
        "SELECT coalesce(sum(xp), 0) FROM gamification_ledger WHERE user_id = $1"
        " AND action = 'badge' AND subject = $2",
        user_id,
        f"badge:{badge_id}",
    )


async def test_the_profile_takes_an_iana_timezone_and_refuses_others(client) -> None:
    account = await sign_up(client)

    response = await client.patch(
        "/api/v1/me", json={"timezone": "Europe/Paris"}, headers=account.headers
    )
    assert response.status == 200
    assert (await response.json())["timezone"] == "Europe/Paris"

    for wrong in ("Mars/Olympus", "../etc/passwd", "", None):
        response = await client.patch(
            "/api/v1/me", json={"timezone": wrong}, headers=account.headers
        )
        assert response.status == 422, wrong
        assert "timezone" in (await response.json())["error"]["fields"]


async def test_an_admin_grants_and_revokes_a_badge_and_the_user_is_told(
    client, db, redis, settings
) -> None:
    player, admin = await sign_up(client), await sign_up(client, role="admin")
    path = f"/api/v1/admin/users/{player.id}/badges/critic"

    assert (await client.put(path, headers=player.headers)).status == 403
    response = await client.put(path, headers=admin.headers)
    assert (await response.json()) == {"changed": True}
    assert (await (await client.put(path, headers=admin.headers)).json()) == {"changed": False}
    assert "critic" in await badges_of(db, player.id)
    assert await badge_xp(db, player.id, "critic") == 25

    response = await client.delete(path, headers=admin.headers)
    assert (await response.json()) == {"changed": True}
    assert "critic" not in await badges_of(db, player.id)
    assert await badge_xp(db, player.id, "critic") == 0
    told = [m["type"] for m in await published(redis, settings, f"user:{player.id}")]
    assert "gamification.badge" in told and "gamification.badge_revoked" in told

    unknown = await client.put(
        f"/api/v1/admin/users/{player.id}/badges/no_such_badge", headers=admin.headers
    )
    assert unknown.status == 404
    stats = await client.get("/api/v1/admin/gamification/stats", headers=admin.headers)
    assert (await stats.json())["xp_awarded_24h"] >= 25


async def test_the_export_holds_the_ledger_and_deletion_purges_it(client, db, worker) -> None:
    account, media = await sign_up(client), await new_title(db)
    await client.put(f"/api/v1/media/{media}/like", headers=account.headers)

    async def liked() -> bool:
        return bool(
            await db.fetchval(
                "SELECT 1 FROM gamification_ledger WHERE user_id = $1 AND action = 'like'",
                account.id,
            )
        )

    await eventually(liked)
    exported = await (await client.get("/api/v1/me/export", headers=account.headers)).json()
    section = exported["gamification"]
    assert {row["action"] for row in section["ledger"]} >= {"like", "daily"}
    assert "early_adopter" in {badge["id"] for badge in section["badges"]}

    await client.delete("/api/v1/me", headers=account.headers)

    async def purged() -> bool:
        left = await db.fetchval(
            "SELECT (SELECT count(*) FROM gamification_ledger WHERE user_id = $1)"
            " + (SELECT count(*) FROM gamification_badges WHERE user_id = $1)"
            " + (SELECT count(*) FROM gamification_users WHERE user_id = $1)",
            account.id,
        )
        return left == 0

    await eventually(purged)


async def test_progress_of_an_unknown_user_is_a_404(client) -> None:
    response = await client.get("/api/v1/users/999999999999/progress")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "user_not_found"
