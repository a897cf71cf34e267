"""The Redis client, and the key prefix every context builds its keys with."""

from __future__ import annotations

import redis
from redis.asyncio import Redis, RedisCluster

from metacult.config import Settings


def create_redis(settings: Settings) -> Redis:
    """A client on ``settings.redis_url`` (bytes in, bytes out); the caller closes it.

    With ``REDIS_CLUSTER=1`` it is a :class:`redis.asyncio.RedisCluster` seeded by that
    URL: it has the same commands, routes each key to the master owning its slot and
    follows MOVED/ASK when slots move."""
    if settings.redis_cluster:
        return RedisCluster.from_url(  # type: ignore[return-value]
            settings.redis_url,
            socket_connect_timeout=settings.redis_timeout,
            socket_timeout=settings.redis_timeout,
            socket_keepalive=True,
        )
    return Redis.from_url(
        settings.redis_url,
        health_check_interval=30,
        socket_connect_timeout=settings.redis_timeout,
        socket_timeout=settings.redis_timeout,
        socket_keepalive=True,
        retry_on_timeout=True,
    )


def rkey(settings: Settings, *parts: object) -> str:
    """A namespaced key: ``rkey(s, "leaderboard", "kind:game")`` → ``mc:leaderboard:kind:game``.

    On a Redis Cluster (``REDIS_CLUSTER=1``) the first part is the key's hash tag,
    ``mc:{leaderboard}:kind:game``: every key of one family (leaderboard, session,
    ratelimit, ...) is in one hash slot, so that the scripts and transactions that touch
    several keys of a family run on one master. A key that names its own hash tag
    (``rkey(s, "rt", "hist", "{" + channel + "}")``: one slot per live channel) keeps it."""
    if settings.redis_cluster and parts and not any("{" in str(part) for part in parts):
        first, *rest = parts
        return ":".join((settings.redis_prefix, f"{{{first}}}", *map(str, rest)))
    return ":".join((settings.redis_prefix, *map(str, parts)))


def create_sync_redis(settings: Settings) -> redis.Redis:
    """The blocking client on ``settings.redis_url`` (the command line), cluster or not."""
    if settings.redis_cluster:
        return redis.RedisCluster.from_url(settings.redis_url)  # type: ignore[return-value]
    return redis.Redis.from_url(settings.redis_url)


def is_cluster(client: object) -> bool:
    """Whether ``client`` talks to a Redis Cluster (sharded pub/sub, per-node scans)."""
    return isinstance(client, (RedisCluster, redis.RedisCluster))
