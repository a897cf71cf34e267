"""An actor for the killed-worker drill: its first run hangs (the drill kills the worker
under it), every run records when it started, so the drill sees the re-run and its delay."""

from __future__ import annotations

import time

import dramatiq
import redis

from workers.broker import settings


def runs_key(prefix: str, token: str) -> str:
    return f"{prefix}:drill:{token}:runs"


@dramatiq.actor(max_retries=0, time_limit=300_000)
def hold_then_record(token: str) -> None:
    """Record this run's start; the first run then holds until its worker is killed."""
    client = redis.Redis.from_url(settings.redis_url)
    try:
        runs = client.rpush(runs_key(settings.redis_prefix, token), time.time())
    finally:
        client.close()
    if runs == 1:
        time.sleep(300)
