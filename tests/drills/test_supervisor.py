"""``make run``'s supervisor: a process that dies is restarted and the others carry on;
Ctrl-C stops every process cleanly and ``make run`` exits 0."""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import signal
import termios
import threading
from pathlib import Path

import aiohttp
import pytest

from tests.helpers import eventually, free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


class Terminal:
    """A pseudo-terminal whose output is collected, as a developer's console would show it."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        self.chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return b"".join(self.chunks).decode(errors="replace")

    def take_as_controlling_terminal(self) -> None:
        """In the child, before exec: a new session whose controlling terminal this is."""
        os.setsid()
        fcntl.ioctl(self.slave, termios.TIOCSCTTY, 0)

    def press_ctrl_c(self) -> None:
        os.write(self.master, b"\x03")

    def close(self) -> None:
        os.close(self.slave)
        os.close(self.master)


async def test_a_killed_process_is_restarted_and_ctrl_c_stops_everything_cleanly(
    drill_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    # ``make run`` without its set-up steps: make itself stays the parent, as it does there.
    (tmp_path / "Makefile").write_text(
        f"run:\n\t@cd {REPO} && exec {os.sys.executable} -m metacult run\n"
    )
    terminal = Terminal()
    env = {**os.environ, **drill_env, "PORT": str(port), "HOST": "127.0.0.1", "LOG_LEVEL": "INFO"}
    make = await asyncio.create_subprocess_exec(
        "make",
        "-s",
        "-C",
        str(tmp_path),
        "run",
        env=env,
        stdin=terminal.slave,
        stdout=terminal.slave,
        stderr=terminal.slave,
        preexec_fn=terminal.take_as_controlling_terminal,
    )
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            def worker_pids() -> list[int]:
                return [
                    int(p) for p in re.findall(r"worker\.1 started \(pid=(\d+)\)", terminal.text)
                ]

            assert await eventually(ready, within=60), terminal.text
            assert await eventually(lambda: _true(len(worker_pids()) == 1), within=30)
            await asyncio.sleep(2)  # the worker is up and consuming

            os.killpg(worker_pids()[0], signal.SIGKILL)

            assert await eventually(lambda: _true(len(worker_pids()) == 2), within=30), (
                terminal.text
            )
            assert "worker.1 died (rc=-9); restarting" in terminal.text
            assert await ready(), terminal.text
            assert "web.1 died" not in terminal.text
            assert "scheduler.1 died" not in terminal.text
            await asyncio.sleep(3)  # the new worker is up

        terminal.press_ctrl_c()
        async with asyncio.timeout(30):
            code = await make.wait()
    finally:
        if make.returncode is None:
            make.kill()
            await make.wait()
        terminal.close()
    output = terminal.text
    assert code == 0, output
    for name in ("web.1", "worker.1", "scheduler.1"):
        assert f"{name} stopped (rc=0)" in output, output
    assert "SIGKILL" not in output
    assert "Metacult is serving on" in output
    assert "Interrupt" not in output


async def _true(value: bool) -> bool:
    return value
