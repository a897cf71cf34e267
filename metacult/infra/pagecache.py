"""Public pages rendered once and kept, under versions that writers bump after their change.

A cached page depends on *topics*: ``media:42`` (a title's public part),
``leaderboard:global``, ``leaderboards`` (every board), ``browse`` (every browse page) and
``catalog`` (every page that shows a title's facts, and the genres and platforms). Each topic
has a version in Redis: a random token, one field of one hash, shared by every web node.

The rule that keeps pages fresh, whoever races whom:

* a reader reads the versions of its page's topics **before** it reads PostgreSQL (or the
  boards), and files what it rendered under exactly those versions;
* a writer bumps the topics **after** its change is visible (committed, placed on the
  boards), and before it tells anyone (the live message that makes a browser read again).

A read that raced the write may file the old page, but under the old versions, which no
reader asks for once the bump has landed: every read that starts after the bump misses
and renders the new state. A version is a fresh random token, never a counter, so a Redis
that lost the hash cannot bring an old page back under a reused number.

Rendered pages are kept in each web process (a bounded LRU with a short lifetime, the
backstop should a bump be lost). So are the versions read lately (the *memo*), while this
process's subscription to the bumps is known to be live: a bump publishes the topics it
bumped (in the script that sets them: ``PUBLISH``, ``SPUBLISH`` on a cluster), and the hub,
which carries that channel on its pub/sub connection, drops them from the memo as the
message arrives (``PageCache.bumped``). Whenever the subscription is not known to be live
(not yet subscribed, reconnecting, a gap in the bumps' sequence, no canary lately, a
moved slot) the versions are read from Redis, one ``HMGET`` per turn of the event loop for
all the reads that asked in it; a reconnect empties the memo. So on this process, a read
shows a change once the bump's message has reached it, not as soon as the bump landed in
Redis. When Redis does not answer, pages are rendered from the source and not kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

import asyncpg
import pydantic
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from metacult.config import Settings
from metacult.infra.redis import rkey

log = logging.getLogger("metacult.pagecache")

# Topics other than a title's or a board's own.
CATALOG = "catalog"
BROWSE = "browse"
LEADERBOARDS = "leaderboards"


def media_topic(media_id: int) -> str:
    """The public part of one title's page (facts, counters, duel rating)."""
    return f"media:{media_id}"


def board_topic(scope: str) -> str:
    """One leaderboard's pages."""
    return f"leaderboard:{scope}"


def _versions_key(settings: Settings) -> str:
    return rkey(settings, "pages", "versions")


def bumps_channel(settings: Settings) -> str:
    """The pub/sub channel a bump publishes its topics on (on a cluster a shard channel in
    the versions' hash slot, so that the bump's script publishes on the master it runs on)."""
    return rkey(settings, "pages", "bumped")


# The hash field counting bumps (a topic never starts with "#"): a message whose count is
# not the last one plus one means this process missed a bump.
_SEQUENCE = "#bumps"

# KEYS: the versions. ARGV: the channel, then topic and new version pairs. Sets them, counts
# the bump and publishes ``{count} {topic} {topic} ...``, at once.
_BUMP = """
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
local count = redis.call('HINCRBY', KEYS[1], '#bumps', 1)
local topics = {}
for i = 2, #ARGV, 2 do
  topics[#topics + 1] = ARGV[i]
end
redis.call('PUBLISH', ARGV[1], count .. ' ' .. table.concat(topics, ' '))
"""
_SHARDED_BUMP = _BUMP.replace("redis.call('PUBLISH',", "redis.call('SPUBLISH',")
assert _SHARDED_BUMP != _BUMP
_scripts: weakref.WeakKeyDictionary[Redis, AsyncScript] = weakref.WeakKeyDictionary()
# The page caches that read their versions through each Redis client of this process: a
# bump made through that client tells them at once (a web node knows its own changes).
_readers: weakref.WeakKeyDictionary[Redis, weakref.WeakSet[PageCache]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class Rendered:
    """A reply rendered once: the model, its JSON body and its entity tag."""

    reply: pydantic.BaseModel
    body: bytes
    etag: str


def rendered(reply: pydantic.BaseModel, body: bytes) -> Rendered:
    """``reply`` encoded as ``body``, tagged by a digest of its bytes (the same on every node)."""
    return Rendered(reply, body, '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"')


class PageCache:
    """The pages this process keeps: at most ``entries``, each for at most ``ttl`` seconds,
    and the topics' versions while the hub hears the bumps (``trust_for`` seconds after it
    last heard from Redis on that subscription)."""

    def __init__(self, entries: int, ttl: float, trust_for: float = 10.0) -> None:
        self.entries = entries
        self.ttl = ttl
        self.trust_for = trust_for
        self._pages: OrderedDict[tuple, tuple[float, Rendered]] = OrderedDict()
        self._asking: list[tuple[Sequence[str], asyncio.Future]] | None = None
        self._reads: set[asyncio.Task] = set()
        # The memo: versions read from Redis since the subscription went live, minus those
        # a bump's message named since. Trusted until ``_trusted_until`` (monotonic time).
        self._memo: dict[str, bytes] = {}
        self._memo_limit = 4 * max(entries, 256)
        self._trusted_until = 0.0
        self._last_bump: int | None = None
        # Bumped topics heard while each read of the versions is under way (not memoised
        # from its answer, which may predate the bump), and a count of the subscription's
        # changes (a read that straddles one memoises nothing).
        self._under_way: list[set[str]] = []
        self._subscription = 0

    async def versions(
        self, redis: Redis, settings: Settings, topics: Sequence[str]
    ) -> tuple | None:
        """The versions of ``topics``: memoised, or read in one ``HMGET`` with those of every
        page asked for in the same turn of the event loop. Each reader's versions are still
        read after it asked (the batch is sent on the next turn), which is all freshness
        needs; memoised ones are those no bump has been heard of since they were read."""
        memo = self._memo
        if memo and time.monotonic() < self._trusted_until:
            try:
                return tuple([memo[topic] for topic in topics])
            except KeyError:
                pass
        loop = asyncio.get_running_loop()
        answer: asyncio.Future = loop.create_future()
        if self._asking is None:
            self._asking = []
            loop.call_soon(self._send, redis, settings)
        self._asking.append((topics, answer))
        return await answer

    def _send(self, redis: Redis, settings: Settings) -> None:
        asking, self._asking = self._asking or [], None
        task = asyncio.ensure_future(self._read(redis, settings, asking))
        self._reads.add(task)
        task.add_done_callback(self._reads.discard)

    async def _read(
        self, redis: Redis, settings: Settings, asking: list[tuple[Sequence[str], asyncio.Future]]
    ) -> None:
        wanted = sorted({topic for topics, _ in asking for topic in topics})
        readers = _readers.get(redis)
        if readers is None:
            readers = _readers[redis] = weakref.WeakSet()
        readers.add(self)
        current = None
        bumped: set[str] = set()
        subscription = self._subscription
        self._under_way.append(bumped)
        try:
            found = await versions(redis, settings, wanted)
            if found is not None:
                current = dict(zip(wanted, found, strict=True))
                if subscription == self._subscription and self._trusted_until:
                    if len(self._memo) > self._memo_limit:
                        # Topics of pages long gone (one per title read): start afresh
                        # rather than keep them all.
                        self._memo.clear()
                    for topic, version in current.items():
                        if topic not in bumped:
                            self._memo[topic] = version
        finally:
            self._under_way.remove(bumped)
            # Whatever happened (even a cancel at shutdown), no reader is left waiting: a
            # reader without versions renders its page from the source.
            for topics, answer in asking:
                if not answer.done():
                    answer.set_result(
                        None if current is None else tuple(current[t] for t in topics)
                    )

    # The subscription to the bumps, as the hub sees it.

    def subscribed(self) -> None:
        """The hub's subscription to ``bumps_channel`` is confirmed: every bump from now on
        will be heard, so versions read from now on may be memoised."""
        self._forget()
        self._trusted_until = time.monotonic() + self.trust_for

    def unsubscribed(self) -> None:
        """The subscription is lost (a reconnect, a moved slot): versions come from Redis,
        and nothing memoised before survives."""
        self._forget()
        self._trusted_until = 0.0

    def heard(self) -> None:
        """Redis was heard on the subscription (its canary): it is still live."""
        if self._trusted_until:
            self._trusted_until = time.monotonic() + self.trust_for

    def bumped(self, message: bytes) -> None:
        """A bump's message (``{count} {topic} ...``): its topics' versions are not memoised
        any more; a count that does not follow the last one empties the memo."""
        count, *topics = message.decode().split(" ")
        number = int(count)
        if self._last_bump is not None and number != self._last_bump + 1:
            self._forget()
        self._last_bump = number
        self.forget(topics)
        self.heard()

    def forget(self, topics: Iterable[str]) -> None:
        """Versions of ``topics`` are not memoised any more (nor memoised from reads under
        way): they were bumped, as a message said, or by this process itself."""
        topics = list(topics)
        for topic in topics:
            self._memo.pop(topic, None)
        for bumped in self._under_way:
            bumped.update(topics)

    def _forget(self) -> None:
        self._memo.clear()
        self._last_bump = None
        self._subscription += 1

    def get(self, key: tuple) -> Rendered | None:
        found = self._pages.get(key)
        if found is None:
            return None
        filed_at, page = found
        if time.monotonic() - filed_at > self.ttl:
            del self._pages[key]
            return None
        self._pages.move_to_end(key)
        return page

    def put(self, key: tuple, page: Rendered) -> None:
        if self.entries <= 0:
            return
        self._pages[key] = (time.monotonic(), page)
        self._pages.move_to_end(key)
        while len(self._pages) > self.entries:
            self._pages.popitem(last=False)


async def versions(redis: Redis, settings: Settings, topics: Sequence[str]) -> tuple | None:
    """The current versions of ``topics`` (one round trip), or None when Redis fails.

    A topic never bumped (or lost with Redis) gets a fresh token, set only if none is there.
    """
    key = _versions_key(settings)
    try:
        found = await redis.hmget(key, list(topics))
        if all(found):
            return tuple(found)
        async with redis.pipeline(transaction=False) as pipe:
            for topic, value in zip(topics, found, strict=True):
                if value is None:
                    pipe.hsetnx(key, topic, secrets.token_hex(8))
            pipe.hmget(key, list(topics))
            *_, found = await pipe.execute()
        return tuple(found) if all(found) else None
    except (RedisError, OSError) as exc:
        log.warning("page versions unavailable", extra={"error": repr(exc)})
        return None


async def bump(redis: Redis, settings: Settings, topics: Iterable[str]) -> None:
    """Give ``topics`` new versions, and tell every web node: call it once the change is
    visible to readers, and before telling anyone (a live message) of it.

    A failure is logged, not raised (the change is committed already); the pages it
    concerns then live at most ``page_cache_ttl`` seconds more.
    """
    fresh = {topic: secrets.token_hex(8) for topic in topics}
    if not fresh:
        return
    script = _scripts.get(redis)
    if script is None:
        script = _scripts[redis] = redis.register_script(
            _SHARDED_BUMP if settings.redis_cluster else _BUMP
        )
    pairs = [part for topic, version in fresh.items() for part in (topic, version)]
    try:
        await script(keys=[_versions_key(settings)], args=[bumps_channel(settings), *pairs])
    except (RedisError, OSError) as exc:
        log.warning("page versions not bumped", extra={"topics": sorted(fresh), "error": repr(exc)})
        return
    # The caches reading through this client know at once: their next read shows the
    # change without waiting for the bump's message (a node that signed a token out
    # refuses it on the next request).
    for cache in list(_readers.get(redis, ())):
        cache.forget(fresh)


async def page(
    cache: PageCache,
    db: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    topics: Sequence[str],
    key: tuple,
    render: Callable[[], Awaitable[Rendered]],
) -> Rendered:
    """The page ``key`` that depends on ``topics``: kept, or rendered (and kept) now.

    A page is kept only as long as the database connections it was read through: once
    one ends (a database that went away), pages are rendered again, so a node that lost
    its database answers as it would without the cache (503), not with old pages.
    """
    generation = getattr(db, "generation", None)
    current = await cache.versions(redis, settings, topics)
    if current is None:
        return await render()
    filed = (key, current, generation)
    found = cache.get(filed)
    if found is not None:
        return found
    made = await render()
    cache.put(filed, made)
    return made
