"""``Idempotency-Key``: a retried write replays its first answer instead of acting twice.

Mobile apps retry a write when the network drops its reply; with the same key the
server answers what it answered the first time (Stripe's and Zulip's habit). Keys are
kept a day per caller (the account, or the address of an anonymous caller), bound to
the request they first came with: the same key on another request is refused. Only
successful answers are kept, so a request refused for bad input can be fixed and sent
again with the same key. While the first request runs, a second one gets 409.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from metacult.config import Settings
from metacult.infra.auth import Principal
from metacult.infra.errors import Conflict, Unavailable, invalid_field
from metacult.infra.redis import rkey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP_SECONDS = 86_400
# Longer than any write takes; a request that died mid-way frees its key after this.
RUNNING_SECONDS = 60
_RUNNING = b"running"
_REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def key_of(request: web.Request) -> str | None:
    """The request's idempotency key, or None; 422 when it is not 1–255 printable ASCII."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise invalid_field(HEADER, "must be 1 to 255 printable ASCII characters")
    return key


async def once(
    request: web.Request,
    redis: Redis,
    settings: Settings,
    principal: Principal | None,
    key: str,
    answer: Callable[[], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    """Run ``answer`` the first time this caller sends ``key``; replay its reply afterwards."""
    caller = f"user:{principal.user_id}" if principal else f"ip:{request.remote}"
    slot = rkey(settings, "idempotency", caller, hashlib.sha256(key.encode()).hexdigest())
    fingerprint = hashlib.sha256(
        b"%s %s\n%s" % (request.method.encode(), request.path_qs.encode(), await request.read())
    ).hexdigest()
    try:
        claimed = await redis.set(slot, _RUNNING, nx=True, ex=RUNNING_SECONDS)
        kept = None if claimed else await redis.get(slot)
    except _REDIS_DOWN:
        raise Unavailable() from None
    if not claimed:
        if kept is None or kept == _RUNNING:
            raise Conflict(
                "A request with this Idempotency-Key is still running.", code="idempotency_running"
            )
        first = orjson.loads(kept)
        if first["fingerprint"] != fingerprint:
            raise invalid_field(HEADER, "was already used for another request")
        return web.Response(
            status=first["status"],
            body=first["body"].encode(),
            content_type=first["content_type"],
            headers={REPLAYED_HEADER: "true"},
        )
    try:
        response = await answer()
    except BaseException:
        await _forget(redis, slot)
        raise
    if 200 <= response.status < 300 and isinstance(response, web.Response):
        record = {
            "fingerprint": fingerprint,
            "status": response.status,
            "content_type": response.content_type,
            "body": (response.body or b"").decode(),
        }
        # Redis away now: the write happened; only a later retry could act twice.
        with contextlib.suppress(*_REDIS_DOWN):
            await redis.set(slot, orjson.dumps(record), ex=KEEP_SECONDS)
    else:
        await _forget(redis, slot)
    return response


async def _forget(redis: Redis, slot: str) -> None:
    with contextlib.suppress(*_REDIS_DOWN):  # else it expires after RUNNING_SECONDS
        await redis.delete(slot)
