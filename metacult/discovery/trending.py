"""Trending: exponentially decayed counts in Redis sorted sets, with no periodic rescoring.

An event of weight w at time t adds w·e^(λ(t − t0)) to the title's score, where t0 is the
window's epoch: older additions are worth relatively less as t grows, which is the decay,
and reading divides by e^(λ(now − t0)). When the exponent grows large the window is
renormalised once (every score × e^(−λ(t − t0)), t0 := t) inside the same script, and titles
whose score has decayed to nothing are dropped. Windows: ``day`` (half-life 6 hours) and
``week`` (half-life 2 days). Scopes: ``all``, ``kind:{kind}``, ``genre:{slug}`` and
``kind:{kind}:genre:{slug}``. The keys of a window share one hash tag (one Redis Cluster slot).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Literal

from redis.asyncio import Redis

from metacult.config import Settings
from metacult.discovery.scoring import half_life_lambda
from metacult.infra.redis import rkey

Window = Literal["day", "week"]
HALF_LIVES_S: dict[str, float] = {"day": 6 * 3600.0, "week": 2 * 86_400.0}
# Renormalise when e^(λ(t − t0)) passes e^RENORMALISE_AT (far below a double's range).
RENORMALISE_AT = 40.0
# After a renormalisation, scores below this (in today's units) are dropped.
FORGET_BELOW = 1e-4

# KEYS: t0 key, scopes set, then the scope sets; ARGV: now, λ, weight, member.
_ADD = """
local now = tonumber(ARGV[1])
local lambda = tonumber(ARGV[2])
local t0 = tonumber(redis.call('GET', KEYS[1]))
if not t0 then
    t0 = now
    redis.call('SET', KEYS[1], ARGV[1])
end
local exponent = lambda * (now - t0)
if exponent > tonumber(ARGV[5]) then
    local factor = math.exp(-exponent)
    for _, key in ipairs(redis.call('SMEMBERS', KEYS[2])) do
        local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
        for i = 1, #entries, 2 do
            redis.call('ZADD', key, tonumber(entries[i + 1]) * factor, entries[i])
        end
        redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[6])
    end
    t0 = now
    exponent = 0
    redis.call('SET', KEYS[1], ARGV[1])
end
local increment = tonumber(ARGV[3]) * math.exp(exponent)
for i = 3, #KEYS do
    redis.call('ZINCRBY', KEYS[i], increment, ARGV[4])
    redis.call('SADD', KEYS[2], KEYS[i])
end
return tostring(exponent)
"""


def _base(settings: Settings, window: str) -> str:
    return rkey(settings, "discovery", "trending", "{" + window + "}")


def scope_key(settings: Settings, window: str, scope: str) -> str:
    return f"{_base(settings, window)}:{scope}"


def scopes_of(kind: str, genres: Iterable[str]) -> list[str]:
    """Every scope a title of ``kind`` with ``genres`` counts in."""
    scopes = ["all", f"kind:{kind}"]
    for genre in genres:
        scopes += [f"genre:{genre}", f"kind:{kind}:genre:{genre}"]
    return scopes


def scope_of(kind: str | None, genre: str | None) -> str:
    if kind and genre:
        return f"kind:{kind}:genre:{genre}"
    if kind:
        return f"kind:{kind}"
    if genre:
        return f"genre:{genre}"
    return "all"


async def add(
    redis: Redis,
    settings: Settings,
    media_id: int,
    kind: str,
    genres: Iterable[str],
    weight: float,
    *,
    now: float | None = None,
    board: str = "",
) -> None:
    """Count ``weight`` for a title in every window and scope it belongs to (``board``
    names a separate family of boards, ``duels`` for duel wins)."""
    now = time.time() if now is None else now
    scopes = [f"{board}{scope}" for scope in scopes_of(kind, genres)]
    for window, half_life in HALF_LIVES_S.items():
        base = _base(settings, window)
        keys = [f"{base}:t0", f"{base}:scopes", *(f"{base}:{scope}" for scope in scopes)]
        await redis.eval(
            _ADD,
            len(keys),
            *keys,
            now,
            half_life_lambda(half_life),
            weight,
            media_id,
            RENORMALISE_AT,
            FORGET_BELOW,
        )


async def top(
    redis: Redis,
    settings: Settings,
    window: str,
    scope: str,
    limit: int,
    *,
    now: float | None = None,
) -> list[tuple[int, float]]:
    """The ``limit`` titles trending most in a window and scope, with their decayed score."""
    now = time.time() if now is None else now
    base = _base(settings, window)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.get(f"{base}:t0")
        pipe.zrevrange(f"{base}:{scope}", 0, limit - 1, withscores=True)
        t0_raw, entries = await pipe.execute()
    if t0_raw is None:
        return []
    factor = math.exp(-half_life_lambda(HALF_LIVES_S[window]) * (now - float(t0_raw)))
    return [(int(member), score * factor) for member, score in entries]


async def renormalise(redis: Redis, settings: Settings, *, now: float | None = None) -> None:
    """Fold the decay into the stored scores now (what :func:`add` does when they grow
    large), dropping titles that decayed to nothing; the scheduler runs it hourly."""
    now = time.time() if now is None else now
    for window, half_life in HALF_LIVES_S.items():
        base = _base(settings, window)
        keys = [f"{base}:t0", f"{base}:scopes"]
        # A weightless addition to no set, with a threshold of 0: renormalises at once.
        await redis.eval(
            _ADD, len(keys), *keys, now, half_life_lambda(half_life), 0, 0, -1.0, FORGET_BELOW
        )


async def forget(redis: Redis, settings: Settings) -> None:
    """Remove every trending key (tests, a reset)."""
    for window in HALF_LIVES_S:
        base = _base(settings, window)
        scopes = await redis.smembers(f"{base}:scopes")
        await redis.delete(f"{base}:t0", f"{base}:scopes", *scopes)
