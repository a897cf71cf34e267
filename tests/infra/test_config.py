"""Settings are read once from the environment and refused clearly when malformed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from metacult.config import ConfigError, Settings


@pytest.mark.unit
def test_defaults_are_enough_to_start_in_development() -> None:
    settings = Settings.from_env({})
    assert settings.port == 8080
    assert settings.database_url.startswith("postgresql://")


@pytest.mark.unit
@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"REDIS_URL": "nonsense"}, "REDIS_URL"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"METACULT_ENV": "production"}, "SECRET_KEY"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
        ({"DB_COMMAND_TIMEOUT": "0"}, "DB_COMMAND_TIMEOUT"),
        ({"DB_ACQUIRE_TIMEOUT": "soon"}, "DB_ACQUIRE_TIMEOUT"),
        ({"OUTBOX_RESEND_AFTER": "0"}, "OUTBOX_RESEND_AFTER"),
        ({"REDIS_CLUSTER": "maybe"}, "REDIS_CLUSTER"),
        ({"REDIS_CLUSTER": "1"}, "BROKER_URL"),
    ],
)
def test_a_malformed_setting_is_refused_by_name(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)


@pytest.mark.slow  # runs a subprocess
def test_the_cli_stops_with_one_clear_line_on_a_bad_setting() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "metacult", "migrate"],
        env={**os.environ, "PORT": "not-a-port"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "metacult: configuration error: PORT must be a whole number, got 'not-a-port'"
    ]


@pytest.mark.unit
def test_on_a_redis_cluster_each_key_family_is_one_hash_slot() -> None:
    from metacult.infra.redis import rkey

    plain = Settings.from_env({})
    cluster = Settings.from_env({"REDIS_CLUSTER": "1", "BROKER_URL": "amqp://mq/"})
    assert rkey(plain, "leaderboard", "kind:game") == "mc:leaderboard:kind:game"
    assert rkey(cluster, "leaderboard", "kind:game") == "mc:{leaderboard}:kind:game"
    # A key that names its own hash tag (a live channel's) keeps it.
    assert rkey(cluster, "rt", "hist", "{media:1}") == "mc:rt:hist:{media:1}"
