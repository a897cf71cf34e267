"""The stack a benchmark runs against: a scratch database, a Redis prefix and real processes.

A ``Stack`` is what ``make run`` starts (web server, Dramatiq worker, scheduler), on a
database and a Redis prefix of its own, so that runs never see each other's data; ``stop``
ends the processes, drops the database and deletes the prefix's keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg

from metacult.infra.migrations import migrate

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/metacult"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
COMMANDS = {
    "web": [PYTHON, "-m", "metacult", "serve"],
    "worker": [str(ROOT / ".venv" / "bin" / "dramatiq"), "workers", "--processes", "1",
               "--threads", "4"],
    "scheduler": [PYTHON, "-m", "metacult", "scheduler"],
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ScratchDatabase:
    """A database of its own next to ``base_url``'s, named ``metacult_bench_<run>``."""

    def __init__(self, base_url: str | None = None, *, run: str | None = None) -> None:
        base = base_url or os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
        parts = urlsplit(base)
        self.name = f"metacult_bench_{run or uuid.uuid4().hex[:8]}"
        self.dsn = urlunsplit(parts._replace(path=f"/{self.name}"))
        self.admin_dsn = urlunsplit(parts._replace(path="/postgres"))

    async def create(self, *, search_fallback: bool = False) -> None:
        """Create and migrate it (``search_fallback``: as without pg_trgm / unaccent)."""
        admin = await asyncpg.connect(self.admin_dsn)
        try:
            await admin.execute(f'CREATE DATABASE "{self.name}"')
            if search_fallback:
                await admin.execute(
                    f"ALTER DATABASE \"{self.name}\" SET metacult.search_fallback = 'on'"
                )
        finally:
            await admin.close()
        await migrate(self.dsn)

    async def drop(self) -> None:
        admin = await asyncpg.connect(self.admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await admin.close()


async def wait_ready(base_url: str, process: subprocess.Popen | None = None) -> None:
    """Poll ``/readyz`` for up to 30 s; fail early if ``process`` exited meanwhile."""
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the server at {base_url} exited ({process.returncode})")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{base_url}/readyz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server at {base_url} did not become ready")


def forget_redis_keys(redis_url: str, prefix: str) -> None:
    """Delete the keys of a run's prefix, its Dramatiq queues' included."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for pattern in (f"{prefix}:*", f"{prefix}-dramatiq:*"):
        for key in client.scan_iter(match=pattern, count=1000):
            client.delete(key)
    client.close()


class Stack:
    """A scratch database and Redis prefix, and the processes started on them."""

    def __init__(self, port: int, *, root: Path = ROOT, **env: str) -> None:
        run = uuid.uuid4().hex[:8]
        # The code the processes run: this tree, or another checkout (a before / after).
        self.root = root
        self.database = ScratchDatabase(run=run)
        self.base_url = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database.dsn,
            "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
            "REDIS_PREFIX": f"mcbench-{run}",
            "METACULT_ENV": "test",
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "DB_POOL_MAX": "20",
            **env,
        }
        self.processes: list[subprocess.Popen] = []

    @property
    def dsn(self) -> str:
        return self.database.dsn

    def launch(self, *roles: str, logs: str | None = None, label: str = "") -> None:
        """Start ``roles`` (``web``, ``worker``, ``scheduler``) as ``make run`` does; their
        output goes to ``<logs>/<label>-<role>.log`` if ``logs`` names a directory."""
        for role in roles:
            log = (
                open(Path(logs) / f"{label}-{role}.log", "wb")  # noqa: SIM115
                if logs
                else subprocess.DEVNULL
            )
            self.processes.append(
                subprocess.Popen(
                    COMMANDS[role], cwd=self.root, env=self.env, stdout=log, stderr=log
                )
            )

    async def wait_ready(self) -> None:
        await wait_ready(self.base_url)

    async def sign_up(self, http: aiohttp.ClientSession, n: int) -> str:
        """A new user signed up over the API; returns its access token."""
        email = f"bench-{n}-{uuid.uuid4().hex[:6]}@example.test"
        password = f"pw-{uuid.uuid4().hex}"
        body = {"email": email, "password": password, "display_name": f"Bench {n}"}
        async with http.post(f"{self.base_url}/api/v1/auth/signup", json=body) as response:
            assert response.status == 201, await response.text()
        token = {"grant_type": "password", "email": email, "password": password}
        async with http.post(f"{self.base_url}/api/v1/auth/token", json=token) as response:
            assert response.status == 200, await response.text()
            return (await response.json())["access_token"]

    def terminate(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    async def stop(self) -> None:
        """End the processes, drop the database, delete the prefix's Redis keys."""
        self.terminate()
        await self.database.drop()
        forget_redis_keys(self.env["REDIS_URL"], self.env["REDIS_PREFIX"])
