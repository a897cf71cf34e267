"""Whom a bearer token speaks for, and an account's role, remembered by each web process.

A signed-in request resolved its caller in PostgreSQL every time: an app's bearer token
(its digest joined to its family and account), a browser session's role. Those answers
change rarely (a sign-out, a revocation, a role given, an account deleted), so each web
process keeps them, under the page cache's versions and by the page cache's rule
(``metacult/infra/pagecache.py``):

* a reader reads the version of its topic **before** it reads PostgreSQL, and files
  what it found under that version; it trusts a remembered answer only while the topic's
  version is still the one it was filed under (the versions are memoised while the hub
  hears the bumps, so a hit costs no round trip);
* a writer bumps the topics **after** its change committed, and before it tells anyone
  (``realtime.disconnect``, an answer to the admin): :func:`changed`.

The topics: ``tokens:{xx}``, the access tokens whose digest starts with byte ``xx`` (a
reader knows the token, not yet its account; a change bumps the shards of every live
token of the account, at most 256), and ``account:{id}`` for an account's role.

A token's expiry is checked against the clock on every use. Should a bump be lost (Redis
failed after the commit; bumps are logged, not raised), a remembered answer lives at most
``PAGE_CACHE_TTL`` seconds. ``PAGE_CACHE_ENTRIES=0`` remembers none.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from redis.asyncio import Redis

from metacult.config import Settings
from metacult.identity import credentials, store
from metacult.infra import pagecache
from metacult.infra.auth import Principal
from metacult.infra.pagecache import PageCache
from metacult.infra.remembered import Remembered


def token_topic(digest: bytes) -> str:
    """The shard of the access tokens whose digest starts as ``digest``."""
    return f"tokens:{digest[0]:02x}"


def account_topic(user_id: int) -> str:
    """An account's role and liveness."""
    return f"account:{user_id}"


class Principals:
    """This process's memory of tokens (digest → whom it speaks for, until when) and of
    roles (user id → role), under the versions ``pages`` reads."""

    def __init__(self, pages: PageCache, entries: int, ttl: float) -> None:
        self.pages = pages
        self.tokens: Remembered[tuple[Principal, datetime]] = Remembered(entries, ttl)
        self.roles: Remembered[str] = Remembered(entries, ttl)

    async def _version(self, redis: Redis, settings: Settings, topic: str) -> bytes | None:
        found = await self.pages.versions(redis, settings, (topic,))
        return None if found is None else found[0]

    async def of_token(
        self, pool: asyncpg.Pool, redis: Redis, settings: Settings, token: str
    ) -> Principal | None:
        """Whom a bearer access token speaks for, if it is live."""
        if not token.startswith(credentials.ACCESS_PREFIX) or len(token) > 128:
            return None
        digest = credentials.token_hash(token)
        version = await self._version(redis, settings, token_topic(digest))
        if version is not None:
            found = self.tokens.get(digest, version)
            if found is not None:
                principal, expires_at = found
                return principal if expires_at > datetime.now(UTC) else None
        async with pool.acquire() as conn:
            row = await store.access_token_principal(conn, digest)
        if row is None or not credentials.same_secret(row["token_hash"], digest):
            return None
        principal = Principal(
            user_id=row["user_id"],
            role=row["role"],
            via="bearer",
            credential=credentials.family_credential(row["family_id"]),
        )
        if version is not None:
            self.tokens.put(digest, version, (principal, row["expires_at"]))
        return principal

    async def role(
        self, pool: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int
    ) -> str | None:
        """The role of a live account; None when it was deleted or never existed."""
        version = await self._version(redis, settings, account_topic(user_id))
        if version is not None and (role := self.roles.get(user_id, version)) is not None:
            return role
        async with pool.acquire() as conn:
            role = await store.active_role(conn, user_id)
        if version is not None and role is not None:
            self.roles.put(user_id, version, role)
        return role


async def changed(pool: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int) -> None:
    """What the account's tokens or role grant changed, and is committed: every web process
    stops trusting what it remembered of them (the account's topic and the shards of its
    live tokens are bumped). Call it before telling anyone (closing live connections)."""
    async with pool.acquire() as conn:
        shards = await store.live_token_shards(conn, user_id)
    topics = [account_topic(user_id), *(token_topic(bytes([shard])) for shard in shards)]
    await pagecache.bump(redis, settings, topics)
