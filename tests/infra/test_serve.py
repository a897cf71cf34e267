"""The real server process starts, reports ready, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.helpers import serve_process


@pytest.mark.slow
async def test_serve_answers_ready_and_exits_cleanly_on_ctrl_c(settings) -> None:
    async with serve_process(output=asyncio.subprocess.PIPE) as server:
        server.process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(server.process.wait(), 30) == 0
        out = (await server.process.stdout.read()).decode()
        assert f"http://localhost:{server.port}" in out
