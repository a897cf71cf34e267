"""The latest audit's report is kept and shown to administrators."""

from __future__ import annotations

from datetime import UTC, datetime

from metacult.ranking import service
from tests.accounts import sign_up
from tests.titles import new_titles


async def test_administrators_read_the_latest_audit(client, db, redis, settings) -> None:
    gamer = await sign_up(client)
    await new_titles(db, 4, kind="game")
    duel = await (await client.get("/api/v1/duels/next?kind=game", headers=gamer.headers)).json()
    voted = await client.post(
        f"/api/v1/duels/{duel['id']}/vote", json={"winner": duel["a"]["id"]}, headers=gamer.headers
    )
    assert voted.status == 200
    admin = await sign_up(client, role="admin")
    before = datetime.now(UTC)

    report = await service.audit_drift(db, redis, settings)

    response = await client.get("/api/v1/admin/leaderboards/audit", headers=admin.headers)
    assert response.status == 200, await response.text()
    latest = await response.json()
    assert datetime.fromisoformat(latest["taken_at"]) >= before
    assert latest["votes"] == report["votes"]
    assert latest["kinds"] == report["kinds"]
    assert set(latest["kinds"]["game"]) == {"titles", "votes", "kendall_tau", "board_drift"}


async def test_gamers_do_not_read_the_audit(client) -> None:
    gamer = await sign_up(client)

    response = await client.get("/api/v1/admin/leaderboards/audit", headers=gamer.headers)

    assert response.status == 403
