"""End-to-end delivery: an event the broker lost is sent again until every consumer
subscribed to it has processed it, and then leaves the outbox's responsibility."""

from __future__ import annotations

from collections.abc import Sequence

from metacult.app import create_app
from metacult.infra.events import PROBED, Event, emit
from metacult.infra.outbox import MAX_RESENDS, relay_once, sweep_once
from metacult.interaction import LIKED
from tests.accounts import sign_up
from tests.helpers import eventually
from tests.titles import new_title
from workers.events import consumers_of, resend


def lost_by_the_broker(events: Sequence[Event]) -> None:
    """Accepted, then lost: what an empty Redis restart does to enqueued messages."""


async def _sweep_until(db, event_id, settled: str) -> None:
    """Sweep (with no wait before a re-send) until ``settled`` holds of the event's row.

    The sweep is global and takes the oldest batch first: the run's other undelivered
    events may fill it, so it goes on until this event's turn came; and it stops then,
    because every further pass over a batch re-sends what is still unclaimed in it."""
    while not await db.fetchval(f"SELECT {settled} FROM outbox WHERE id = $1", event_id):
        assert await sweep_once(db, consumers_of, resend, resend_after=0) > 0


async def _like_event(db, media_id: int):
    return await db.fetchrow(
        "SELECT id, sent_at, delivered_at, resends FROM outbox "
        "WHERE type = 'interaction.liked' AND (data->>'media_id')::bigint = $1",
        media_id,
    )


async def test_a_lost_event_is_sent_again_until_its_consumer_processed_it(
    aiohttp_client, settings, db, worker
) -> None:
    client = await aiohttp_client(create_app(settings, relay=False))
    account = await sign_up(client)
    media_id = await new_title(db)
    liked = await client.put(f"/api/v1/media/{media_id}/like", headers=account.headers)
    assert liked.status == 200
    while await relay_once(db, lost_by_the_broker, consumers=consumers_of):
        pass
    event = await _like_event(db, media_id)
    assert event["sent_at"] is not None and event["delivered_at"] is None
    # The like counted itself in its transaction; no consumer saw the lost event.
    assert await db.fetchval("SELECT likes FROM media_stats WHERE media_id = $1", media_id) == 1
    tracked = sorted(consumers_of(LIKED.name))

    async def claims() -> int:
        return await db.fetchval(
            "SELECT count(*) FROM processed_events WHERE event_id = $1 AND consumer = ANY($2)",
            event["id"],
            tracked,
        )

    assert await claims() == 0

    await _sweep_until(db, event["id"], "resends > 0")

    # Every consumer of a like (the recount, and gamification's XP) processed the re-sent
    # one (counted by the tracked names: an actor may record claims of its own besides).
    async def processed() -> bool:
        return await claims() == len(tracked)

    assert await eventually(processed, within=60)

    await _sweep_until(db, event["id"], "delivered_at IS NOT NULL")
    assert (await _like_event(db, media_id))["resends"] == 1


async def test_an_event_nobody_tracks_is_delivered_once_sent(db) -> None:
    async with db.acquire() as conn, conn.transaction():
        event = await emit(conn, PROBED, PROBED.payload(token="untracked"))
    while await relay_once(db, lost_by_the_broker, consumers=consumers_of):
        pass
    row = await db.fetchrow("SELECT sent_at, delivered_at FROM outbox WHERE id = $1", event.id)
    assert row["delivered_at"] is not None and row["delivered_at"] == row["sent_at"]


async def test_an_event_still_unprocessed_after_the_last_resend_is_given_up(db) -> None:
    media_id = await new_title(db)
    async with db.acquire() as conn, conn.transaction():
        event = await emit(conn, LIKED, LIKED.payload(user_id=1, media_id=media_id, kind="film"))
        await conn.execute(
            "UPDATE outbox SET sent_at = now() - interval '1 hour', resends = $2 WHERE id = $1",
            event.id,
            MAX_RESENDS,
        )

    await _sweep_until(db, event.id, "gave_up_at IS NOT NULL")

    row = await db.fetchrow("SELECT resends, gave_up_at FROM outbox WHERE id = $1", event.id)
    assert row["gave_up_at"] is not None
    assert row["resends"] == MAX_RESENDS


async def test_every_tracked_consumer_records_the_claim_it_is_tracked_by(
    client, db, worker
) -> None:
    """Each subscription's claim name is the one its actor records: otherwise the outbox
    would re-send a processed event until it gave up. Exercised on every event type that a
    review, its moderation and an account deletion emit."""
    author = await sign_up(client)
    admin = await sign_up(client, role="admin")
    media_id = await new_title(db)
    written = await client.post(
        f"/api/v1/media/{media_id}/reviews", json={"body": "Worth it."}, headers=author.headers
    )
    assert written.status == 201
    review_id = (await written.json())["id"]
    hidden = await client.post(
        f"/api/v1/admin/reviews/{review_id}/hide",
        json={"reason": "spoilers"},
        headers=admin.headers,
    )
    assert hidden.status in (200, 204), await hidden.text()
    assert (await client.delete("/api/v1/me", headers=author.headers)).status == 204

    rows = await db.fetch(
        "SELECT id, type FROM outbox WHERE (type LIKE 'interaction.review%' "
        "AND (data->>'review_id')::bigint = $1) "
        "OR (type = 'identity.account_deleted' AND (data->>'user_id')::bigint = $2)",
        review_id,
        author.id,
    )
    assert {row["type"] for row in rows} >= {
        "interaction.reviewed",
        "interaction.review_hidden",
        "identity.account_deleted",
    }
    assert all(consumers_of(row["type"]) for row in rows)

    async def missing_claims() -> list:
        missing = []
        for row in rows:
            claims = await db.fetch(
                "SELECT consumer FROM processed_events WHERE event_id = $1", row["id"]
            )
            absent = consumers_of(row["type"]) - {claim["consumer"] for claim in claims}
            if absent:
                missing.append((row["type"], sorted(absent)))
        return missing

    async def all_claimed() -> bool:
        return not await missing_claims()

    try:
        await eventually(all_claimed, within=60)
    except AssertionError:
        raise AssertionError(f"claims never recorded: {await missing_claims()}") from None
