"""Concurrent websockets per account and per IP, counted in Redis for every node together.

Each open websocket holds a lease: a member of one sorted set per subject (its IP, and
its account when signed in) scored with when it expires. The hub renews its leases at
every ping, a closed connection gives its lease back, and a node that dies leaves leases
that expire after ``LEASE_PINGS`` pings, so its connections stop counting soon after.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from metacult.config import Settings
from metacult.infra.errors import RateLimited
from metacult.infra.redis import rkey

# A lease lives this many ping intervals without renewal.
LEASE_PINGS = 3

# KEYS: the subjects' sets. ARGV[1]: the member, ARGV[2]: lease (ms), ARGV[3..]: each
# key's limit. Returns 0 (admitted, the member added to every set) or the full key's index.
_ADMIT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local lease = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[2 + i]) then
    return i
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + lease, ARGV[1])
  redis.call('PEXPIRE', key, lease)
end
return 0
"""

# KEYS: the sets of many leases; ARGV[1]: lease (ms), then one member per key.
_RENEW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local lease = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + lease, ARGV[1 + i])
  redis.call('PEXPIRE', key, lease)
end
return 0
"""


class TooManyConnections(RateLimited):
    code = "too_many_connections"


@dataclass(frozen=True, slots=True)
class Lease:
    """One websocket's place in its subjects' counts (one per open websocket: no dict)."""

    member: str
    keys: tuple[str, ...]


def _lease_ms(settings: Settings) -> int:
    return int(LEASE_PINGS * settings.realtime_ping_interval * 1000)


async def admit(redis: Redis, settings: Settings, ip: str, user_id: int | None) -> Lease | None:
    """A lease for one more websocket of ``ip`` (and ``user_id``), or 429
    ``too_many_connections``; None when Redis does not answer (the connection is let in:
    the hub cannot serve it long without Redis anyway)."""
    keys = [rkey(settings, "rt", "conns", "ip", ip)]
    limits = [settings.realtime_max_websockets_per_ip]
    if user_id is not None:
        keys.append(rkey(settings, "rt", "conns", "user", str(user_id)))
        limits.append(settings.realtime_max_websockets_per_user)
    member = secrets.token_hex(8)
    try:
        full = await redis.eval(_ADMIT, len(keys), *keys, member, _lease_ms(settings), *limits)
    except (RedisError, OSError):
        return None
    if full:
        whose = "this IP" if full == 1 else "this account"
        raise TooManyConnections(
            LEASE_PINGS, f"Too many live connections from {whose} ({limits[full - 1]})."
        )
    return Lease(member=member, keys=tuple(keys))


async def renew(redis: Redis, settings: Settings, leases: Iterable[Lease]) -> None:
    """Extend every lease (one script call); leases already given back stay gone."""
    keys, members = [], []
    for lease in leases:
        for key in lease.keys:
            keys.append(key)
            members.append(lease.member)
    if keys:
        await redis.eval(_RENEW, len(keys), *keys, _lease_ms(settings), *members)


async def release(redis: Redis, lease: Lease | None) -> None:
    """Give the lease back (a lost answer only lets it expire)."""
    if lease is None:
        return
    # Given back even when the websocket's handler is being cancelled (its client left):
    # a cancelled ZREM would hold the place until the lease expires.
    await asyncio.shield(_give_back(redis, lease))


async def _give_back(redis: Redis, lease: Lease) -> None:
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for key in lease.keys:
                pipe.zrem(key, lease.member)
            await pipe.execute()
    except (RedisError, OSError):
        pass
