"""A user's activity, their data export, and what remains of them once the account is deleted."""

from __future__ import annotations

import uuid

from metacult import interaction
from metacult.identity.events import ACCOUNT_DELETED, UserPayload
from metacult.infra import pagecache
from metacult.infra.events import emit
from metacult.interaction import signals
from tests.accounts import sign_up
from tests.channels import accept_publications, published, refuse_publications
from tests.helpers import eventually
from tests.titles import new_title
from workers.interaction import forget_late_signals, write_signals


async def test_activity_lists_a_users_actions_newest_first_page_by_page(client, db) -> None:
    account = await sign_up(client)
    film, game = await new_title(db, "film"), await new_title(db, "game")
    await client.put(f"/api/v1/media/{film}/like", headers=account.headers)
    await client.put(f"/api/v1/media/{film}/rating", json={"rating": 4}, headers=account.headers)
    await client.put(
        f"/api/v1/media/{game}/status", json={"status": "playing"}, headers=account.headers
    )
    review = await (
        await client.post(
            f"/api/v1/media/{game}/reviews", json={"body": "Fun"}, headers=account.headers
        )
    ).json()
    # Undone actions leave the activity.
    other = await new_title(db)
    await client.put(f"/api/v1/media/{other}/like", headers=account.headers)
    await client.delete(f"/api/v1/media/{other}/like", headers=account.headers)

    first = await (
        await client.get(f"/api/v1/users/{account.id}/activity", params={"limit": "2"})
    ).json()
    second = await (
        await client.get(
            f"/api/v1/users/{account.id}/activity",
            params={"limit": "2", "cursor": first["next_cursor"]},
        )
    ).json()

    items = first["items"] + second["items"]
    assert [(i["type"], i["media_id"]) for i in items] == [
        ("reviewed", game),
        ("status_changed", game),
        ("rated", film),
        ("liked", film),
    ]
    assert items[0]["review_id"] == review["id"]
    assert items[1]["status"] == "playing" and items[2]["rating"] == 4.0
    assert second["next_cursor"] is None


async def test_a_deleted_account_leaves_anonymous_reviews_and_no_personal_data(
    client, db, redis, settings, worker
) -> None:
    leaving, staying = await sign_up(client), await sign_up(client)
    media_id = await new_title(db, "game")
    for account, rating in ((leaving, 5), (staying, 3)):
        await client.put(f"/api/v1/media/{media_id}/like", headers=account.headers)
        await client.put(
            f"/api/v1/media/{media_id}/rating", json={"rating": rating}, headers=account.headers
        )
    await client.put(
        f"/api/v1/media/{media_id}/status", json={"status": "playing"}, headers=leaving.headers
    )
    review = await (
        await client.post(
            f"/api/v1/media/{media_id}/reviews", json={"body": "GOTY"}, headers=leaving.headers
        )
    ).json()
    await client.put(f"/api/v1/reviews/{review['id']}/like", headers=leaving.headers)
    signal_id = str(uuid.uuid4())
    await client.post(
        "/api/v1/signals",
        json={"events": [{"id": signal_id, "type": "view", "media_id": media_id}]},
        headers=leaving.headers,
    )
    write_signals.send()
    await eventually(
        lambda: db.fetchval("SELECT 1 FROM signals WHERE event_id = $1", uuid.UUID(signal_id))
    )

    assert (await client.delete("/api/v1/me", headers=leaving.headers)).status == 204

    async def forgotten():
        async with db.acquire() as conn:
            data = await interaction.export_user_data(conn, leaving.id)
            stats = (await interaction.media_stats(conn, [media_id]))[media_id]
        return not any(data.values()) and stats.likes == 1 and stats

    stats = await eventually(forgotten)
    assert (stats.ratings_count, stats.average, stats.reviews_count) == (1, 3.0, 1)
    kept = await (await client.get(f"/api/v1/reviews/{review['id']}")).json()
    assert kept["body"] == "GOTY"
    assert (kept["author_id"], kept["author"]["display_name"], kept["likes"]) == (
        None,
        "deleted user",
        0,
    )
    # The account is gone: its activity reads as no such user, and none of it is kept.
    assert (await client.get(f"/api/v1/users/{leaving.id}/activity")).status == 404
    assert await db.fetchval("SELECT count(*) FROM activities WHERE user_id = $1", leaving.id) == 0
    messages = await published(redis, settings, f"media:{media_id}")
    assert messages[-1]["likes"] == 1 and messages[-1]["ratings_count"] == 1


async def test_counts_corrected_by_a_deletion_are_published_after_a_publish_failed(
    client, db, redis, settings, worker
) -> None:
    leaving, staying = await sign_up(client), await sign_up(client)
    media_id = await new_title(db)
    channel, topic = f"media:{media_id}", pagecache.media_topic(media_id)
    await client.put(f"/api/v1/media/{media_id}/like", headers=leaving.headers)
    await client.put(
        f"/api/v1/media/{media_id}/rating", json={"rating": 4}, headers=staying.headers
    )
    # Both counted and published (one message each) before the channel fails.
    await eventually(lambda: _published_count(redis, settings, channel, 2))
    before = await pagecache.versions(redis, settings, [topic])
    await refuse_publications(redis, settings, channel)

    assert (await client.delete("/api/v1/me", headers=leaving.headers)).status == 204

    # Each try renews the title's pages before it publishes: a second renewal is a retry
    # after a publish that failed, the deletion being committed already.
    first = await eventually(lambda: _renewed_since(redis, settings, topic, before))
    await eventually(lambda: _renewed_since(redis, settings, topic, first))
    assert await _announcements(db, leaving.id) == 0
    await accept_publications(redis, settings, channel)

    # The channel starts over: what it holds now was published after the failures.
    messages = await eventually(lambda: published(redis, settings, channel))
    assert [(m["type"], m["likes"], m["ratings_count"]) for m in messages] == [
        ("interaction.stats", 0, 1)
    ]
    assert await eventually(lambda: _announcements(db, leaving.id)) == 1
    page = await (await client.get(f"/api/v1/media/{media_id}")).json()
    assert (page["stats"]["likes"], page["stats"]["ratings_count"]) == (0, 1)


async def _published_count(redis, settings, channel: str, count: int) -> bool:
    return len(await published(redis, settings, channel)) >= count


async def _announcements(db, user_id: int) -> int:
    """How many times the counters recounted after ``user_id``'s deletion were announced."""
    return await db.fetchval(
        "SELECT count(*) FROM processed_events p JOIN outbox o ON o.id = p.event_id"
        " WHERE p.consumer = 'interaction.announce_recounted_stats'"
        " AND o.type = 'interaction.marks_forgotten' AND o.data @> $1::jsonb",
        {"user_id": user_id},
    )


async def _renewed_since(redis, settings, topic: str, version: tuple | None) -> tuple | None:
    now = await pagecache.versions(redis, settings, [topic])
    return now if now != version else None


async def test_the_account_export_holds_the_users_interactions(client, db) -> None:
    account = await sign_up(client)
    media_id = await new_title(db)
    await client.put(
        f"/api/v1/media/{media_id}/rating", json={"rating": 1.5}, headers=account.headers
    )
    await client.put(f"/api/v1/media/{media_id}/like", headers=account.headers)
    await client.post(
        f"/api/v1/media/{media_id}/reviews", json={"body": "Meh"}, headers=account.headers
    )

    response = await client.get("/api/v1/me/export", headers=account.headers)

    assert response.status == 200
    data = (await response.json())["interaction"]
    assert [(r["media_id"], r["rating"]) for r in data["ratings"]] == [(media_id, 1.5)]
    assert [like["media_id"] for like in data["likes"]] == [media_id]
    assert [review["body"] for review in data["reviews"]] == ["Meh"]


async def test_recent_activity_of_followed_users_for_a_feed(client, db) -> None:
    alice, bob, carol = await sign_up(client), await sign_up(client), await sign_up(client)
    media_id = await new_title(db)
    for account in (alice, carol, bob):
        await client.put(f"/api/v1/media/{media_id}/like", headers=account.headers)

    async with db.acquire() as conn:
        first = await interaction.recent_activity(conn, [alice.id, bob.id], limit=1)
        rest = await interaction.recent_activity(conn, [alice.id, bob.id], before_id=first[-1].id)

    assert [(item.user_id, item.type) for item in first + rest] == [
        (bob.id, "liked"),
        (alice.id, "liked"),
    ]


async def test_signals_buffered_at_deletion_time_are_removed_by_the_late_pass(
    client, db, redis, settings, worker
) -> None:
    account = await sign_up(client)
    # A view the account sent just before its deletion, still in the stream.
    signal_id = uuid.uuid4()
    view = signals.Signal(id=signal_id, type="view", media_id=5)
    await signals.append(redis, settings, [view], account.id, signals.now())
    async with db.acquire() as conn, conn.transaction():
        deleted = await emit(conn, ACCOUNT_DELETED, UserPayload(user_id=account.id))
    await eventually(
        lambda: db.fetchval(
            "SELECT 1 FROM processed_events WHERE consumer = $1 AND event_id = $2",
            "interaction.forget_deleted_account",
            deleted.id,
        )
    )
    # Written after the deletion was handled.
    write_signals.send()
    await eventually(lambda: db.fetchval("SELECT 1 FROM signals WHERE event_id = $1", signal_id))

    forget_late_signals.send(account.id)

    async def gone():
        return not await db.fetchval("SELECT 1 FROM signals WHERE user_id = $1", account.id)

    assert await eventually(gone)
