"""Events written with a change reach the workers after commit, even across a Redis outage."""

from __future__ import annotations

import contextlib
import functools

from metacult.infra.events import PROBED, ProbePayload, emit
from metacult.infra.outbox import relay_once
from metacult.infra.redis import rkey
from tests import random_refs
from tests.helpers import eventually, redis_address, redis_url_via
from tests.tcp_proxy import TcpProxy
from workers.broker import create_broker
from workers.events import dispatch


async def test_an_emitted_event_reaches_its_actor(client, db, redis, settings, worker) -> None:
    token = random_refs.suffix()
    async with db.acquire() as conn, conn.transaction():
        event = await emit(conn, PROBED, ProbePayload(token=token))

    async def acknowledged() -> bytes | None:
        return await redis.get(rkey(settings, "probe", event.id))

    assert await eventually(acknowledged) == token.encode()


async def test_a_rolled_back_change_sends_no_event(db) -> None:
    class Abort(Exception):
        pass

    try:
        async with db.acquire() as conn, conn.transaction():
            event = await emit(conn, PROBED, ProbePayload(token="never"))
            raise Abort
    except Abort:
        pass
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE id = $1", event.id) == 0


async def test_events_wait_out_a_redis_outage_and_are_delivered_after(
    db, redis, settings, worker
) -> None:
    """The broker (Redis, or RabbitMQ under ``make test-rabbitmq``) goes away and back."""
    broker_url = settings.broker_url or settings.redis_url
    proxy = await TcpProxy(*redis_address(broker_url)).start()
    via_proxy = redis_url_via(broker_url, proxy.port)
    if settings.broker_is_rabbitmq:
        via_proxy += "?socket_timeout=2&connection_attempts=1"
    broker = create_broker(settings.replace(broker_url=via_proxy, redis_timeout=2))
    through_proxy = functools.partial(dispatch, broker=broker)
    token = random_refs.suffix()
    try:
        # Events other tests left unsent would fill the relay's first batch.
        while await relay_once(db, dispatch):
            pass
        await proxy.cut()
        async with db.acquire() as conn, conn.transaction():
            event = await emit(conn, PROBED, ProbePayload(token=token))
        with contextlib.suppress(Exception):
            await relay_once(db, through_proxy)
        row = await db.fetchrow("SELECT sent_at, attempts FROM outbox WHERE id = $1", event.id)
        assert row["sent_at"] is None and row["attempts"] >= 1

        await proxy.restore()
        await eventually(lambda: _relay_until_sent(db, through_proxy, event.id))

        async def acknowledged() -> bytes | None:
            return await redis.get(rkey(settings, "probe", event.id))

        assert await eventually(acknowledged) == token.encode()
    finally:
        await proxy.cut()
        broker.close()


async def _relay_until_sent(db, send, event_id) -> bool:
    await relay_once(db, send)
    return await db.fetchval("SELECT sent_at IS NOT NULL FROM outbox WHERE id = $1", event_id)
