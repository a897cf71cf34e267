"""Browser sessions: aiohttp-session on Redis, so any web node (or a restarted one) reads them.

The cookie holds only a random session id; the Redis key holds the user id. Each user's
session ids are also kept in a set, so that deleting an account (or "sign out
everywhere") ends every session at once.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from aiohttp import web
from aiohttp_session import Handler, Session, get_session, new_session, session_middleware
from aiohttp_session.redis_storage import RedisStorage
from redis.asyncio import Redis

from metacult.config import Settings
from metacult.infra.redis import rkey
from metacult.typedefs import REDIS, SESSIONS, SETTINGS

COOKIE_NAME = "metacult_session"
USER_KEY = "uid"
# How often a session's "last used" time is written (seconds).
SEEN_EVERY = 60


def new_session_id() -> str:
    """256 random bits: the only thing the cookie holds."""
    return secrets.token_urlsafe(32)


def _encode(data: object) -> str:
    return orjson.dumps(data).decode()


class SessionStorage(RedisStorage):
    """RedisStorage whose keys live under the deployment's prefix (``rkey(s, "session", id)``)."""

    def __init__(self, redis: Redis, settings: Settings) -> None:
        # RedisStorage insists on a plain client; this class does its own reads and writes
        # on ``self.redis``, which may be a RedisCluster (REDIS_CLUSTER=1).
        super().__init__(
            redis if isinstance(redis, Redis) else Redis(),
            cookie_name=COOKIE_NAME,
            max_age=settings.session_ttl,
            secure=settings.secure_cookies,
            httponly=True,
            samesite="Lax",
            key_factory=new_session_id,
            encoder=_encode,
            decoder=orjson.loads,
        )
        self.redis = redis
        self.settings = settings
        self.middleware = session_middleware(self)

    def key(self, session_id: str) -> str:
        return rkey(self.settings, "session", session_id)

    def user_sessions_key(self, user_id: int) -> str:
        return rkey(self.settings, "user-sessions", user_id)

    async def load_session(self, request: web.Request) -> Session:
        session_id = self.load_cookie(request)
        if not session_id or len(session_id) > 128:
            return Session(None, data=None, new=True, max_age=self.max_age)
        raw = await self.redis.get(self.key(session_id))
        if raw is None:
            return Session(None, data=None, new=True, max_age=self.max_age)
        try:
            data = self._decoder(raw)
        except ValueError:
            data = None
        return Session(session_id, data=data, new=False, max_age=self.max_age)

    async def save_session(
        self, request: web.Request, response: web.StreamResponse, session: Session
    ) -> None:
        session_id = session.identity
        if session.empty:
            # Signed out: forget the key and clear the cookie.
            if session_id is not None:
                await self.forget(str(session_id), session)
            self.save_cookie(response, "", max_age=session.max_age)
            return
        if session_id is None:
            session_id = self._key_factory()
        session_id = str(session_id)
        self.save_cookie(response, session_id, max_age=session.max_age)
        # A session loaded by this request is only rewritten while it still exists, so a
        # request in flight cannot bring back a session signed out meanwhile.
        await self.redis.set(
            self.key(session_id),
            self._encoder(self._get_session_data(session)),
            ex=self.max_age,
            xx=not session.new,
        )

    async def forget(self, session_id: str, session: Session | Any = None) -> None:
        """Delete one session (and its place in its user's set)."""
        await self.redis.delete(self.key(session_id))
        user_id = session.get(USER_KEY) if session is not None else None
        if user_id is not None:
            await self.redis.srem(self.user_sessions_key(int(user_id)), session_id)


def install(app: web.Application) -> None:
    """Open the session storage with the app's Redis client (``with_session`` serves it to
    each request, from identity's one middleware)."""
    app.cleanup_ctx.append(_open_storage)


async def _open_storage(app: web.Application) -> AsyncIterator[None]:
    app[SESSIONS] = SessionStorage(app[REDIS], app[SETTINGS])
    yield


async def with_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """``handler``'s response, with the session it loaded or changed saved into it."""
    return await request.app[SESSIONS].middleware(request, handler)


async def start(request: web.Request, user_id: int) -> None:
    """Sign ``user_id`` in on this browser with a fresh session id (the old one is dropped);
    the session remembers the browser and the network it began on, for the device list."""
    storage = request.app[SESSIONS]
    current = await get_session(request)
    if current.identity is not None:
        await storage.forget(str(current.identity), current)
    session = await new_session(request)
    session_id = new_session_id()
    session.set_new_identity(session_id)
    session[USER_KEY] = user_id
    session["at"] = session["seen"] = int(time.time())
    session["ua"] = request.headers.get("User-Agent", "")[:300]
    session["ip"] = ip_prefix(request.remote)
    members = storage.user_sessions_key(user_id)
    async with storage.redis.pipeline(transaction=True) as pipe:
        pipe.sadd(members, session_id)
        pipe.expire(members, storage.max_age or storage.settings.session_ttl)
        await pipe.execute()


async def end(request: web.Request) -> None:
    """Sign this browser out: its session is deleted and the cookie cleared."""
    session = await get_session(request)
    if session.identity is not None:
        await request.app[SESSIONS].forget(str(session.identity), session)
    session.invalidate()


def credential(session_id: str) -> str:
    """The ``Principal.credential`` of a session: it names the session without being the
    cookie's secret, since it travels to other processes and into realtime tickets."""
    return "session:" + hashlib.sha256(session_id.encode()).hexdigest()[:32]


async def signed_in(request: web.Request) -> tuple[int, str] | None:
    """The user this request's session cookie belongs to and the session's credential."""
    if COOKIE_NAME not in request.cookies:
        return None
    session = await get_session(request)
    user_id = session.get(USER_KEY)
    if not isinstance(user_id, int) or session.identity is None:
        return None
    now = int(time.time())
    if now - int(session.get("seen", 0)) >= SEEN_EVERY:
        # Saved with the response: "last used" in the device list, to the minute.
        session["seen"] = now
    return user_id, credential(str(session.identity))


def ip_prefix(ip: str | None) -> str:
    """The network a device signs in from, not its address: IPv4 /24, IPv6 /48."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ""
    bits = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


async def sessions_of(
    redis: Redis, settings: Settings, user_id: int
) -> list[tuple[str, dict[str, Any]]]:
    """The user's live browser sessions: ``(session id, session data)``."""
    members = rkey(settings, "user-sessions", user_id)
    session_ids = sorted(sid.decode() for sid in await redis.smembers(members))
    if not session_ids:
        return []
    raws = await redis.mget([rkey(settings, "session", sid) for sid in session_ids])
    found = []
    for sid, raw in zip(session_ids, raws, strict=True):
        if raw is None:
            await redis.srem(members, sid)
            continue
        data = orjson.loads(raw).get("session") or {}
        if data.get(USER_KEY) == user_id:
            found.append((sid, data))
    return found


async def end_one(redis: Redis, settings: Settings, user_id: int, session_id: str) -> None:
    """End one session of ``user_id`` (its browser is signed out on its next request)."""
    await redis.delete(rkey(settings, "session", session_id))
    await redis.srem(rkey(settings, "user-sessions", user_id), session_id)


async def end_all(redis: Redis, settings: Settings, user_id: int) -> None:
    """End every session of ``user_id`` on every browser."""
    members = rkey(settings, "user-sessions", user_id)
    session_ids = await redis.smembers(members)
    keys = [rkey(settings, "session", sid.decode()) for sid in session_ids]
    await redis.delete(*keys, members)
