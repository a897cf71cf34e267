"""Realtime's use cases: tickets for ``/ws``, long-polling, signing connections out everywhere.

A ticket is a single-use secret that stands for whoever minted it (user, role and the
credential that authenticated them). Signing out bumps a generation counter, per user and
per credential: a ticket minted under an older generation is void, without any list of
tickets to keep. The open connections are closed by a message on the control channel
(``SIGN_OUTS``), which every web process's hub carries on its one pub/sub connection, with
history, so that a hub that was reconnecting still sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from metacult.config import Settings
from metacult.infra.auth import Principal
from metacult.infra.errors import Unauthenticated, Unavailable
from metacult.infra.redis import rkey
from metacult.realtime import cursor
from metacult.realtime.channels import SIGN_OUTS, resolve
from metacult.realtime.hub import Hub
from metacult.realtime.protocol import Since
from metacult.realtime.publishing import history_after, position, publish

TICKET_MAX_LENGTH = 64


def _ticket_key(settings: Settings, token: str) -> str:
    return rkey(settings, "rt", "ticket", token)


def _generation_keys(settings: Settings, user_id: int, credential: str | None) -> list[str]:
    """The user's generation, and its credential's when it has one (one hash slot)."""
    tag = f"{{user:{user_id}}}"
    keys = [rkey(settings, "rt", "generation", tag)]
    if credential is not None:
        keys.append(rkey(settings, "rt", "generation", tag, credential))
    return keys


async def _generations(
    redis: Redis, settings: Settings, user_id: int, credential: str | None
) -> list[int]:
    values = await redis.mget(_generation_keys(settings, user_id, credential))
    return [int(value or 0) for value in values]


async def mint_ticket(redis: Redis, settings: Settings, principal: Principal) -> str:
    """A single-use ticket for ``/ws?ticket=`` that stands for ``principal`` a short while."""
    token = secrets.token_urlsafe(24)
    generations = await _generations(redis, settings, principal.user_id, principal.credential)
    value = {
        "user_id": principal.user_id,
        "role": principal.role,
        "credential": principal.credential,
        "generations": generations,
    }
    await redis.set(
        _ticket_key(settings, token), orjson.dumps(value), ex=settings.realtime_ticket_ttl
    )
    return token


async def redeem_ticket(redis: Redis, settings: Settings, token: str) -> Principal | None:
    """Whom the ticket stands for; None when it is unknown, used, expired or signed out."""
    if not token or len(token) > TICKET_MAX_LENGTH:
        return None
    raw = await redis.getdel(_ticket_key(settings, token))
    if raw is None:
        return None
    value = orjson.loads(raw)
    current = await _generations(redis, settings, value["user_id"], value["credential"])
    if current != value["generations"]:
        return None
    return Principal(
        user_id=value["user_id"], role=value["role"], via="ticket", credential=value["credential"]
    )


async def disconnect(
    redis: Redis, settings: Settings, *, user_id: int, credential: str | None = None
) -> None:
    """Close the user's open websockets and SSE streams on every web process, and void their
    tickets: those of one ``credential`` (one device), or all of them when it is None.

    Call it after the change that signs them out has committed.
    """
    # The credential's generation when there is one, else the user's (every credential).
    bumped = _generation_keys(settings, user_id, credential)[-1]
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(bumped)
        # A generation must outlive every ticket minted under the previous one.
        pipe.expire(bumped, 2 * settings.realtime_ticket_ttl + 60)
        await pipe.execute()
    await publish(
        redis,
        settings,
        SIGN_OUTS,
        {"type": "disconnect", "user_id": user_id, "credential": credential},
    )


# Long-polling.


class SignedOut(Unauthenticated):
    """You were signed out; sign in again."""

    code = "signed_out"


class PollWaiter:
    """A long-poll request waiting for the next publication on its channels."""

    watching = False

    def __init__(self, principal: Principal | None) -> None:
        self.principal = principal
        self.woken = asyncio.Event()
        self.signed_out = False

    def deliver(self, frame: bytes, droppable: bool = False) -> None:
        if not frame.startswith(b'{"type":"presence"'):
            self.woken.set()

    async def close_going_away(self) -> None:
        """Answer now with what there is: the process is shutting down."""
        self.woken.set()

    async def close_signed_out(self) -> None:
        self.signed_out = True
        self.woken.set()


async def long_poll(
    hub: Hub, principal: Principal | None, channels: list[str], positions: dict[str, Since]
) -> dict[str, Any]:
    """What is new on ``channels`` after ``positions``, waiting up to the long-poll timeout
    for something to be; 401 ``signed_out`` when the caller is signed out meanwhile."""
    waiter = PollWaiter(principal)
    hub.sessions.add(waiter)
    deadline = time.monotonic() + hub.settings.realtime_long_poll_timeout
    try:
        for channel in channels:
            await hub.attach(waiter, channel, None)
        while True:
            waiter.woken.clear()
            if waiter.signed_out:
                raise SignedOut()
            try:
                reply, news = await _collect(hub, channels, positions)
            except (RedisError, OSError):
                raise Unavailable("Live updates are reconnecting; retry.") from None
            remaining = deadline - time.monotonic()
            if news or remaining <= 0 or hub.closing:
                return reply
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await waiter.woken.wait()
    finally:
        for channel in channels:
            hub.detach(waiter, channel)


async def _collect(
    hub: Hub, channels: list[str], positions: dict[str, Since]
) -> tuple[dict[str, Any], bool]:
    """The reply for these positions now, and whether it says anything new."""
    redis, settings = hub.redis, hub.settings
    publications: list[orjson.Fragment] = []
    resync: list[dict[str, Any]] = []
    current: dict[str, Since] = {}
    news = False
    for channel in channels:
        since = positions.get(channel)
        if since is None:
            now = await position(redis, settings, channel)
            current[channel] = Since(offset=now.offset, epoch=now.epoch)
            news = True
            continue
        history = await history_after(
            redis, settings, channel, since.offset, limit=resolve(channel)[0].history_size + 1
        )
        if history.continues(since.epoch, since.offset):
            publications.extend(orjson.Fragment(entry.frame) for entry in history.entries)
            last = history.entries[-1].offset if history.entries else since.offset
            current[channel] = Since(offset=last, epoch=since.epoch)
            news = news or bool(history.entries)
        else:
            now = await position(redis, settings, channel)
            resync.append({"channel": channel, "offset": now.offset, "epoch": now.epoch})
            current[channel] = Since(offset=now.offset, epoch=now.epoch)
            news = True
    reply = {"publications": publications, "resync": resync, "cursor": cursor.encode(current)}
    return reply, news
