"""Neighbour refreshes through the workers' code: full runs swap whole, changed titles
are refreshed between them, and a loved title's new neighbour is announced."""

from __future__ import annotations

from metacult.discovery import service, store
from metacult.typedefs import DB, REDIS, SETTINGS
from tests.accounts import sign_up
from tests.helpers import eventually
from tests.realtime.live import Live
from tests.titles import new_title, new_titles


async def _like_all(client, db, account, ids: list[int]) -> None:
    async with db.acquire() as conn:
        before = await conn.fetchval(
            "SELECT count(*) FROM discovery_evidence WHERE user_id = $1", account.id
        )
    for media_id in ids:
        response = await client.put(f"/api/v1/media/{media_id}/like", headers=account.headers)
        assert response.status in (200, 201, 204)

    async def recorded() -> bool:
        async with db.acquire() as conn:
            return await conn.fetchval(
                "SELECT count(*) FROM discovery_evidence WHERE user_id = $1", account.id
            ) >= before + len(ids)

    await eventually(recorded)


async def test_changed_titles_are_refreshed_between_full_runs_and_announced(
    client, db, redis, settings, worker
) -> None:
    app = client.app
    loved, old_friend, newcomer = await new_titles(db, 3, kind="film")
    game = await new_title(db, "game")
    fans = [await sign_up(client) for _ in range(3)]
    for fan in fans:
        await _like_all(client, db, fan, [loved, old_friend, game])
    full = await service.refresh_all_neighbours(
        app[DB], app[REDIS], app[SETTINGS], ease_max_items=0
    )
    assert full.model == "cosine"
    similar = await (await client.get(f"/api/v1/media/{loved}/similar")).json()
    assert newcomer not in {e["media"]["id"] for e in similar["same_kind"]}
    assert game in {e["media"]["id"] for e in similar["other_kinds"]}
    live = await Live.open(client, headers=fans[0].headers)
    assert (await live.subscribe(f"user:{fans[0].id}"))["type"] == "subscribed"

    # Two of the fans now love a newcomer too: only the changed titles are recomputed.
    for fan in fans[1:]:
        await _like_all(client, db, fan, [newcomer])
    refresh = await service.refresh_changed_neighbours(
        app[DB], app[REDIS], app[SETTINGS], ease_max_items=0
    )
    assert refresh is not None
    assert refresh.scope == "incremental"
    assert loved in refresh.gained[newcomer]
    await service.announce_new_neighbours(app[DB], app[REDIS], app[SETTINGS], refresh.gained)

    async with db.acquire() as conn:
        stored = await store.neighbours_of(conn, [newcomer])
    assert loved in {n for n, _ in stored[newcomer]}
    cached = await service.neighbours_of(None, redis, settings, [newcomer])
    assert [n for n, _ in cached[newcomer]] == [n for n, _ in stored[newcomer]]
    message = (await live.expect("publication"))["data"]
    assert message["type"] == "discovery.feed_new"
    assert message["media_id"] == newcomer
    assert message["reason"]["type"] == "because_you_liked"
    # Nothing changed since: nothing to do.
    assert (
        await service.refresh_changed_neighbours(
            app[DB], app[REDIS], app[SETTINGS], ease_max_items=0
        )
        is None
    )


async def test_a_deleted_account_leaves_nothing_in_discovery(client, db, worker) -> None:
    media_id = await new_title(db, "film")
    account = await sign_up(client)
    await _like_all(client, db, account, [media_id])
    await client.post(f"/api/v1/feed/{media_id}/dismiss", json={}, headers=account.headers)

    response = await client.delete(
        "/api/v1/me", json={"password": account.password}, headers=account.headers
    )
    assert response.status in (200, 202, 204), await response.text()

    async def forgotten() -> bool:
        async with db.acquire() as conn:
            left = await conn.fetchval(
                "SELECT (SELECT count(*) FROM discovery_evidence WHERE user_id = $1)"
                " + (SELECT count(*) FROM discovery_dismissals WHERE user_id = $1)",
                account.id,
            )
        return left == 0

    await eventually(forgotten)


def test_the_scheduler_runs_discoverys_periodic_jobs() -> None:
    import workers  # noqa: F401
    from workers.schedule import JOBS

    periods = {job.actor.actor_name: job.every_s for job in JOBS}
    assert periods["compute_neighbours"] == 3600
    assert periods["refresh_changed_neighbours"] == 60
    assert periods["renormalise_trending"] == 3600


async def test_the_periodic_actors_run_on_a_real_worker(
    client, db, redis, settings, worker
) -> None:
    from workers import discovery as actors

    for actor in (actors.compute_neighbours, actors.renormalise_trending):
        actor.send()

    async def ran() -> bool:
        async with db.acquire() as conn:
            return bool(
                await conn.fetchval("SELECT count(*) FROM discovery_runs WHERE scope = 'full'")
            )

    await eventually(ran)
