"""Rate limits shared by every node: token buckets kept in Redis, one Lua script per check.

A :class:`Limit` allows ``count`` actions per ``per`` seconds with bursts up to ``count``.
:func:`consume` takes one credit for a subject (an IP, an account, a connection) or
raises :class:`RateLimited` with the seconds until one is back; :func:`check` only asks;
:func:`allowed` answers a bool instead. Redis away: :class:`Unavailable` (503).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from metacult.config import Settings
from metacult.infra.errors import RateLimited, Unavailable

__all__ = ["Limit", "RateLimited", "allowed", "check", "consume"]
from metacult.infra.redis import rkey

# KEYS[1]: the bucket. ARGV: capacity, refill per millisecond, cost, credits needed.
# Redis' clock, not the caller's, so every node agrees on the time.
_BUCKET = """
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local need = tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * refill)
if tokens >= need then
  tokens = tokens - cost
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / refill) + 1000)
  return 0
end
return math.ceil((need - tokens) / refill)
"""


@dataclass(frozen=True, slots=True)
class Limit:
    """``count`` actions per ``per`` seconds for each subject, under the name ``name``."""

    name: str
    count: int
    per: float

    @property
    def refill_per_ms(self) -> float:
        return self.count / (self.per * 1000)


async def _bucket(redis: Redis, settings: Settings, limit: Limit, subject: str, cost: int) -> int:
    """Milliseconds to wait before the action is allowed (0: allowed, and ``cost`` taken)."""
    key = rkey(settings, "ratelimit", limit.name, subject)
    need = max(cost, 1)
    try:
        wait_ms = await redis.eval(
            _BUCKET, 1, key, limit.count, repr(limit.refill_per_ms), cost, need
        )
    except (RedisConnectionError, RedisTimeoutError):
        # Fail closed: what these limits protect (sign-in) must not go unguarded.
        raise Unavailable("Rate limits cannot be checked right now; try again shortly.") from None
    return int(wait_ms)


async def consume(
    redis: Redis, settings: Settings, limit: Limit, subject: str, *, cost: int = 1
) -> None:
    """Take ``cost`` credits from ``subject``'s bucket, or raise :class:`RateLimited`."""
    wait_ms = await _bucket(redis, settings, limit, subject, cost)
    if wait_ms:
        raise RateLimited(math.ceil(wait_ms / 1000))


async def check(redis: Redis, settings: Settings, limit: Limit, subject: str) -> None:
    """Raise :class:`RateLimited` when ``subject`` has no credit left, without taking one."""
    wait_ms = await _bucket(redis, settings, limit, subject, 0)
    if wait_ms:
        raise RateLimited(math.ceil(wait_ms / 1000))


async def allowed(
    redis: Redis, settings: Settings, limit: Limit, subject: str, *, cost: int = 1
) -> bool:
    """Take ``cost`` credits when there are enough; say whether the action may proceed."""
    return await _bucket(redis, settings, limit, subject, cost) == 0
