"""What outlives a crash of a Redis that runs as the embedded one does (an append-only
file, fsync before each reply): signals answered 202, which reach PostgreSQL afterwards,
and browser sessions."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis.asyncio

from metacult.interaction import signals
from tests.accounts import sign_in_with_cookie, sign_up
from tests.drills.servers import RedisServer
from tests.helpers import eventually

pytestmark = pytest.mark.slow


async def test_accepted_signals_survive_a_redis_crash_and_are_written_after(
    aiohttp_client, make_app, settings, db, tmp_path: Path
) -> None:
    own = RedisServer(tmp_path / "redis", persistent=True).start()
    try:
        client = await aiohttp_client(make_app(redis_url=own.url))
        ids = []
        for _ in range(5):
            events = [{"id": str(uuid.uuid4()), "type": "view", "media_id": 7} for _ in range(100)]
            response = await client.post("/api/v1/signals", json={"events": events})
            assert response.status == 202
            assert (await response.json())["accepted"] == 100
            ids += [event["id"] for event in events]

        own.kill()  # SIGKILL, the instant after the last 202
        own.start()

        after = redis.asyncio.Redis.from_url(own.url)
        try:
            await signals.write_batches(
                db, after, settings.replace(redis_url=own.url), "drill-writer", claim_idle_ms=0
            )
        finally:
            await after.aclose()
        stored = await db.fetchval(
            "SELECT count(*) FROM signals WHERE event_id = ANY($1::uuid[])",
            [uuid.UUID(i) for i in ids],
        )
        assert stored == len(ids)
    finally:
        own.kill()


async def test_cookie_sessions_survive_a_redis_crash(
    aiohttp_client, make_app, tmp_path: Path
) -> None:
    own = RedisServer(tmp_path / "redis", persistent=True).start()
    try:
        client = await aiohttp_client(make_app(redis_url=own.url))
        account = await sign_up(client)
        await sign_in_with_cookie(client, account)
        assert (await client.get("/api/v1/me")).status == 200

        own.kill()
        own.start()

        async def signed_in() -> bool:
            return (await client.get("/api/v1/me")).status == 200

        assert await eventually(signed_in)
    finally:
        own.kill()
