"""Signals: checked one by one, appended to a Redis stream, written to PostgreSQL in batches,
once per event id, and never lost when a writer dies mid-batch."""

from __future__ import annotations

import uuid

import orjson

from metacult.interaction import signals, store
from tests.accounts import sign_up
from tests.helpers import eventually
from workers.interaction import write_signals


def view(media_id: int, **extra) -> dict:
    return {"id": str(uuid.uuid4()), "type": "view", "media_id": media_id, **extra}


async def stored(db, ids) -> list:
    return await db.fetch(
        "SELECT event_id, type, user_id, media_id, data FROM signals "
        "WHERE event_id = ANY($1::uuid[]) ORDER BY event_id",
        [uuid.UUID(str(i)) for i in ids],
    )


async def test_malformed_signals_are_refused_one_by_one_and_the_others_kept(
    client, db, redis, settings
) -> None:
    good = [
        view(11),
        {"id": str(uuid.uuid4()), "type": "dwell", "media_id": 11, "dwell_ms": 5400},
        {"id": str(uuid.uuid4()), "type": "search", "query": "zelda breth"},
        {"id": str(uuid.uuid4()), "type": "click", "media_id": 12, "source": "feed", "position": 3},
    ]
    bad = [
        {"id": "not-a-uuid", "type": "view", "media_id": 1},
        {"id": str(uuid.uuid4()), "type": "teleport", "media_id": 1},
        {"id": str(uuid.uuid4()), "type": "dwell", "media_id": 1},
        {"id": str(uuid.uuid4()), "type": "view"},
        {"id": str(uuid.uuid4()), "type": "view", "media_id": 1, "at": "2999-01-01T00:00:00Z"},
        "just a string",
    ]
    before = await redis.xlen(signals.stream_key(settings))

    response = await client.post("/api/v1/signals", json={"events": good + bad})

    assert response.status == 202
    reply = await response.json()
    assert (reply["accepted"], reply["rejected"]) == (4, 6)
    statuses = [result["status"] for result in reply["results"]]
    assert statuses == ["accepted"] * 4 + ["rejected"] * 6
    reasons = [result["reason"] for result in reply["results"][4:]]
    assert reasons[0].startswith("id:")
    assert reasons[1].startswith("type:")
    assert "dwell_ms" in reasons[2]
    assert "media_id" in reasons[3]
    assert reasons[4] == "at: in the future"
    assert reply["results"][1]["id"] == good[1]["id"]
    assert await redis.xlen(signals.stream_key(settings)) >= before + 4


async def test_a_batch_is_limited_to_five_hundred_events(client) -> None:
    response = await client.post("/api/v1/signals", json={"events": [view(1)] * 501})
    assert response.status == 422
    assert "events" in (await response.json())["error"]["fields"]


async def test_signals_reach_postgresql_once_each_with_the_signed_in_user(
    client, db, worker
) -> None:
    account = await sign_up(client)
    events = [view(21), view(22), view(23)]
    await client.post("/api/v1/signals", json={"events": events}, headers=account.headers)
    # The app retries after a timeout: the same events arrive twice.
    await client.post("/api/v1/signals", json={"events": events[:2]}, headers=account.headers)

    write_signals.send()

    async def written():
        rows = await stored(db, [e["id"] for e in events])
        return len(rows) == 3 and rows

    rows = await eventually(written)
    assert {row["user_id"] for row in rows} == {account.id}
    assert sorted(row["media_id"] for row in rows) == [21, 22, 23]


async def test_nothing_is_lost_when_a_writer_dies_mid_batch(
    client, db, redis, settings, worker
) -> None:
    events = [view(31), view(32, source="feed")]
    await client.post("/api/v1/signals", json={"events": events})
    await signals.ensure_group(redis, settings)
    # A writer reads the batch, then dies before writing and acknowledging it.
    taken = await signals.read_batch(
        redis, settings, "crashed-writer", claim_idle_ms=60_000, count=500
    )
    assert {e["id"] for e in events} <= {str(signals.entry_row(f)[0]) for _, f in taken}
    assert await stored(db, [e["id"] for e in events]) == []

    # The restarted worker (another consumer name) takes over what was left pending
    # once it has been idle long enough (here: at once).
    write_signals.send(claim_idle_ms=0)

    async def written():
        rows = await stored(db, [e["id"] for e in events])
        return len(rows) == 2 and rows

    rows = await eventually(written)
    assert sorted(row["media_id"] for row in rows) == [31, 32]

    async def acknowledged():
        pending = await redis.xpending(signals.stream_key(settings), signals.GROUP)
        return pending["pending"] == 0

    assert await eventually(acknowledged)


async def test_a_writer_dying_after_the_insert_writes_nothing_twice(
    client, db, redis, settings
) -> None:
    events = [view(41), view(42)]
    await client.post("/api/v1/signals", json={"events": events})
    await signals.ensure_group(redis, settings)
    taken = await signals.read_batch(
        redis, settings, "dying-writer", claim_idle_ms=60_000, count=500
    )
    # It committed the rows but died before acknowledging the entries.
    async with db.acquire() as conn, conn.transaction():
        await store.insert_signals(conn, [signals.entry_row(fields) for _, fields in taken])

    await signals.write_batches(db, redis, settings, "next-writer", claim_idle_ms=0)

    assert len(await stored(db, [e["id"] for e in events])) == 2
    pending = await redis.xpending(signals.stream_key(settings), signals.GROUP)
    assert pending["pending"] == 0


async def test_an_entry_postgresql_refuses_does_not_block_the_others(
    client, db, redis, settings
) -> None:
    good = view(51)
    await client.post("/api/v1/signals", json={"events": [good]})
    key = signals.stream_key(settings)
    unwritable = {
        "id": str(uuid.uuid4()),
        "type": "search",
        "user_id": None,
        "media_id": None,
        "data": {"query": "nul \u0000 inside"},
        "at": "2026-01-01T00:00:00+00:00",
        "received_at": "2026-01-01T00:00:00+00:00",
    }
    await redis.xadd(key, {"e": orjson.dumps(unwritable)})
    await redis.xadd(key, {"garbage": b"1"})

    await signals.write_batches(db, redis, settings, "sturdy-writer", claim_idle_ms=0)

    assert len(await stored(db, [good["id"]])) == 1
    assert await stored(db, [unwritable["id"]]) == []
    pending = await redis.xpending(key, signals.GROUP)
    assert pending["pending"] == 0


async def test_nul_characters_are_refused_at_the_door(client) -> None:
    event = {"id": str(uuid.uuid4()), "type": "search", "query": "a\u0000b"}
    reply = await (await client.post("/api/v1/signals", json={"events": [event]})).json()
    assert reply["results"][0]["status"] == "rejected"
    assert "NUL" in reply["results"][0]["reason"]
