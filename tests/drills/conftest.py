"""Drills: real processes and a Redis of their own, killed and restarted on purpose."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import random_refs
from tests.drills.servers import RedisServer


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.kill()


@pytest.fixture
def drill_env(own_redis: RedisServer, settings) -> dict[str, str]:
    """The environment of the drill's processes: its Redis, this run's database."""
    return {
        "REDIS_URL": own_redis.url,
        "REDIS_PREFIX": f"drill-{random_refs.suffix()}",
        "DATABASE_URL": settings.database_url,
        "METACULT_ENV": "test",
    }
