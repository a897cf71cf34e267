"""``python -m metacult run``: every process of the Procfile, each restarted when it dies.

What ``make run`` uses in development (production uses systemd units or container
restart policies, see README). A process that exits on its own is logged and started
again after a backoff (1 s, doubling to 30 s, back to 1 s once it has run for 30 s); the
others carry on. Ctrl-C or SIGTERM stops them all: each gets one SIGTERM and
``STOP_GRACE_S`` to exit (SIGKILL after that, logged), and the exit code is 0 when every
one of them exited 0.

A type may run as several processes (``--concurrency web=2,worker=2``: ``web.1``,
``web.2``, ...). Each gets ``NODE_NAME`` (its console name); several web processes share
one port through ``SO_REUSEPORT`` (``REUSE_PORT=1``), the kernel spreading connections.

Under a terminal the supervisor takes the terminal's foreground for its own process
group, so that Ctrl-C reaches it alone (not ``make``, which would report an interrupt, nor
the children, which would each stop on their own schedule) and the stop is orderly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

STOP_GRACE_S = 10.0
MIN_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
# A process that ran this long before dying is restarted after the shortest backoff.
HEALTHY_AFTER_S = 30.0
# The line ``serve`` prints once it listens; the console shows it so it stands out.
BANNER = "Metacult is serving on"

_COLOURS = ("36", "33", "35", "32", "34", "31")
_LINE_LIMIT = 1 << 20


@dataclass(frozen=True)
class ProcessType:
    """One line of the Procfile: ``name: command``."""

    name: str
    command: str


def read_procfile(path: Path) -> list[ProcessType]:
    """The process types of a Procfile (comments and blank lines skipped)."""
    types = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, colon, command = line.partition(":")
        if not colon or not name.strip() or not command.strip():
            raise ValueError(f"{path}:{number}: expected 'name: command', got {line!r}")
        types.append(ProcessType(name.strip(), command.strip()))
    return types


class Console:
    """Prefixed, coloured lines on the terminal (plain when it is not one)."""

    def __init__(self, out: TextIO, names: list[str]) -> None:
        self.out = out
        self.tty = out.isatty()
        self.width = max(len(name) for name in [*names, "system"])
        self.colours = {name: _COLOURS[i % len(_COLOURS)] for i, name in enumerate(names)}

    def line(self, name: str, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        prefix = f"{stamp} {name:<{self.width}} |"
        if self.tty:
            prefix = f"\033[{self.colours.get(name, '1')}m{prefix}\033[0m"
        if BANNER in text:
            text = f"\033[1;32m{text}\033[0m" if self.tty else text
            self.out.write(f"{prefix}\n{prefix} {text}\n{prefix}\n")
        else:
            self.out.write(f"{prefix} {text}\n")
        self.out.flush()

    def system(self, text: str) -> None:
        self.line("system", text)


class Supervised:
    """One process of a type: started, watched, restarted with backoff until told to stop."""

    def __init__(
        self, kind: ProcessType, env: dict[str, str], console: Console, number: int = 1
    ) -> None:
        self.kind = kind
        self.name = f"{kind.name}.{number}"
        self.env = {**env, "NODE_NAME": self.name}
        self.console = console
        self.process: asyncio.subprocess.Process | None = None
        self.exit_code: int | None = None

    async def run(self, stopping: asyncio.Event) -> None:
        backoff = MIN_BACKOFF_S
        while not stopping.is_set():
            started = time.monotonic()
            code = self.exit_code = await self._run_once()
            if stopping.is_set():
                return
            if time.monotonic() - started >= HEALTHY_AFTER_S:
                backoff = MIN_BACKOFF_S
            self.console.system(f"{self.name} died (rc={code}); restarting in {backoff:.0f} s")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(backoff):
                    await stopping.wait()
            backoff = min(backoff * 2, MAX_BACKOFF_S)

    async def _run_once(self) -> int:
        self.process = await asyncio.create_subprocess_exec(
            "/bin/sh",
            "-c",
            self.kind.command,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            limit=_LINE_LIMIT,
            # Its own session: a signal meant for the supervisor never reaches it directly.
            start_new_session=True,
        )
        self.console.system(f"{self.name} started (pid={self.process.pid})")
        output = self.process.stdout
        assert output is not None
        while True:
            try:
                raw = await output.readline()
            except ValueError:  # a line longer than the buffer: show it in pieces
                raw = await output.read(_LINE_LIMIT)
            if not raw:
                break
            self.console.line(self.name, raw.decode(errors="replace").rstrip("\n"))
        return await self.process.wait()

    def terminate(self) -> None:
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


def parse_concurrency(text: str) -> dict[str, int]:
    """``web=2,worker=2`` as ``{"web": 2, "worker": 2}`` (each from 0 to 64)."""
    counts = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, equals, count = item.partition("=")
        if not equals or not name.strip() or not count.strip().isdigit():
            raise ValueError(f"expected name=count, got {item!r}")
        if not 0 <= int(count) <= 64:
            raise ValueError(f"{name.strip()}: between 0 and 64 processes, got {count}")
        counts[name.strip()] = int(count)
    return counts


async def supervise(
    kinds: list[ProcessType],
    env: dict[str, str],
    out: TextIO,
    concurrency: Mapping[str, int] | None = None,
) -> int:
    """Run every process type (``concurrency[name]`` processes of it, one by default) until
    SIGINT / SIGTERM; 0 when every process then exits 0 (one that was dead, waiting for
    its restart, counts with the code it died with)."""
    concurrency = concurrency or {}
    unknown = set(concurrency) - {kind.name for kind in kinds}
    if unknown:
        raise ValueError(f"no such process type in the Procfile: {', '.join(sorted(unknown))}")
    numbered = [
        (kind, number) for kind in kinds for number in range(1, concurrency.get(kind.name, 1) + 1)
    ]
    console = Console(out, [f"{kind.name}.{number}" for kind, number in numbered])
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    processes = [Supervised(kind, env, console, number) for kind, number in numbered]
    watchers = [asyncio.create_task(process.run(stopping)) for process in processes]
    await stopping.wait()
    console.system("stopping every process")
    for process in processes:
        process.terminate()
    _, late = await asyncio.wait(watchers, timeout=STOP_GRACE_S)
    if late:
        for process in processes:
            if process.process is not None and process.process.returncode is None:
                console.system(f"{process.name} still running after {STOP_GRACE_S:.0f} s: SIGKILL")
                process.kill()
        await asyncio.wait(late)
    for process in processes:
        console.system(f"{process.name} stopped (rc={process.exit_code})")
    return 0 if all(process.exit_code == 0 for process in processes) else 1


@contextlib.contextmanager
def terminal_foreground() -> Iterator[None]:
    """Make this process's own group the terminal's foreground group while it runs."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield  # no terminal: signals come from whoever started us
        return
    try:
        previous = os.tcgetpgrp(tty)
        if previous != os.getpgrp():
            raise OSError("started in the background: the terminal stays its owner's")
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        if os.getpgrp() != os.getpid():
            os.setpgid(0, 0)
        os.tcsetpgrp(tty, os.getpgrp())
    except OSError:
        os.close(tty)
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(tty, previous)
        os.close(tty)


def run(procfile: Path, concurrency: Mapping[str, int] | None = None) -> int:
    """Supervise ``procfile``'s processes with this environment (``PORT`` defaults to 8080),
    ``concurrency[name]`` processes of a type; several web ones share the port."""
    kinds = read_procfile(procfile)
    env = {"PORT": "8080", **os.environ}
    if (concurrency or {}).get("web", 1) > 1:
        env["REUSE_PORT"] = "1"
    # ``python`` and ``dramatiq`` in the Procfile are this environment's.
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", os.defpath)])
    with terminal_foreground():
        return asyncio.run(supervise(kinds, env, sys.stdout, concurrency))
