"""The Redis client, and the key prefix every context builds its keys with."""

from __future__ import annotations

from redis.asyncio import Redis

from metacult.config import Settings


def create_redis(settings: Settings) -> Redis:
    """A client on ``settings.redis_url`` (bytes in, bytes out); the caller closes it."""
    return Redis.from_url(
        settings.redis_url,
        health_check_interval=30,
        socket_connect_timeout=settings.redis_timeout,
        socket_timeout=settings.redis_timeout,
        socket_keepalive=True,
        retry_on_timeout=True,
    )


def rkey(settings: Settings, *parts: object) -> str:
    """A namespaced key: ``rkey(s, "leaderboard", "kind:game")`` → ``mc:leaderboard:kind:game``."""
    return ":".join((settings.redis_prefix, *map(str, parts)))
