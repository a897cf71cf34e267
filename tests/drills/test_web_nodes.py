"""Two web nodes sharing one port (SO_REUSEPORT) and two workers, under ``python -m
metacult run --concurrency web=2,worker=2``: a vote on one node reaches a leaderboard
watcher on the other, and a session cookie and a bearer token are good on both."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest

from tests.accounts import sign_in_with_cookie, sign_up
from tests.drills.servers import Process, python
from tests.helpers import eventually, free_port
from tests.ranking.conftest import offer
from tests.realtime.live import Live
from tests.titles import new_titles

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


async def session_on(base_url: str, node: str, jar: aiohttp.CookieJar) -> aiohttp.ClientSession:
    """A client whose one keep-alive connection the kernel gave to ``node``: new ones are
    opened until one lands there (each connection goes to either node)."""
    for _ in range(100):
        http = aiohttp.ClientSession(
            base_url=base_url, connector=aiohttp.TCPConnector(limit=1), cookie_jar=jar
        )
        async with http.get("/healthz") as response:
            if (await response.json())["node"] == node:
                return http
        await http.close()
    raise AssertionError(f"no connection reached {node}")


async def answering_node(http: aiohttp.ClientSession) -> str:
    async with http.get("/healthz") as response:
        return (await response.json())["node"]


async def websockets_on(http: aiohttp.ClientSession) -> float:
    """The open websockets the node of ``http``'s connection reports on /metrics."""
    async with http.get("/metrics") as response:
        text = await response.text()
    found = re.search(r'^metacult_realtime_connections\{transport="websocket"\} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


async def test_two_web_nodes_on_one_port_share_live_channels_sessions_and_tokens(
    drill_env: dict[str, str], own_database, tmp_path: Path
) -> None:
    dsn, db = own_database
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**drill_env, "DATABASE_URL": dsn, "PORT": str(port), "HOST": "127.0.0.1"}
    run = await Process(
        python("-m", "metacult", "run", "--concurrency", "web=2,worker=2"),
        env,
        tmp_path / "run.log",
        cwd=REPO,
    ).start()
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1, for both nodes
    sessions: list[aiohttp.ClientSession] = []
    try:

        async def both_serve() -> bool:
            seen = set()
            for _ in range(20):
                try:
                    async with aiohttp.ClientSession(base_url=base_url) as http:
                        seen.add(await answering_node(http))
                except aiohttp.ClientError:
                    return False
            return seen == {"web.1", "web.2"}

        assert await eventually(both_serve, within=60), run.output()
        workers = set(re.findall(r"(worker\.[12]) started", run.output()))
        assert workers == {"worker.1", "worker.2"}, run.output()

        one = await session_on(base_url, "web.1", jar)
        two = await session_on(base_url, "web.2", jar)
        sessions += [one, two]

        # Given an account made on web.1, its bearer token and its session work on web.2.
        account = await sign_up(one)
        await sign_in_with_cookie(one, account)
        async with two.get("/api/v1/me", headers=account.headers) as response:
            assert response.status == 200 and (await response.json())["id"] == account.id
        async with two.get("/api/v1/me") as response:
            assert response.status == 200, "the session cookie of web.1 is refused on web.2"
            assert (await response.json())["id"] == account.id
        assert await answering_node(two) == "web.2"

        # When a watcher on web.2 follows the game board and a vote is cast on web.1 ...
        watcher = await session_on(base_url, "web.2", aiohttp.CookieJar(unsafe=True))
        sessions.append(watcher)
        live = await Live.open(watcher)  # takes the connection that reached web.2
        assert (await live.subscribe("leaderboard:kind:game"))["type"] == "subscribed"
        assert await websockets_on(two) == 1 and await websockets_on(one) == 0
        a, b = await new_titles(db, 2, kind="game")
        duel_id = await offer(db, account.id, a, b)
        async with one.post(
            f"/api/v1/duels/{duel_id}/vote", json={"winner": a}, headers=account.headers
        ) as response:
            assert response.status < 300, await response.text()
        assert await answering_node(one) == "web.1"

        # ... then the rank move reaches the watcher on the other node.
        while True:
            frame = await live.expect("publication", channel="leaderboard:kind:game", within=30)
            moved = {move["media_id"] for move in frame["data"]["moves"]}
            if a in moved:
                break
        await live.close()
    finally:
        for http in sessions:
            await http.close()
        code = await run.stop(grace=30)
    output = run.output()
    assert code == 0, output
    for name in ("web.1", "web.2", "worker.1", "worker.2"):
        assert f"{name} stopped (rc=0)" in output, output
