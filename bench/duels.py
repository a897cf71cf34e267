"""Duels benchmark: synthetic voters with hidden Bradley-Terry tastes, through the real API.

    .venv/bin/python bench/duels.py [--titles 500] [--votes 10000] [--users 50] [--concurrency 16]
    .venv/bin/python bench/duels.py --quick --arms uncapped,matchmaker   # τ only, a few minutes

For each arm (random pairs; the matchmaker without its variety rule, ``uncapped``; the
matchmaker as it runs) it makes a fresh database and Redis
namespace, starts the real web server (``python -m metacult serve``) and a real Dramatiq
worker, inserts the titles, signs the voters up over HTTP, and lets them vote. Every voter
shares hidden strengths (normal, σ = 2) and picks A with probability 1 / (1 + e^(sB − sA)),
except for 5% of clicks made at random. It prints, per arm: Kendall's τ between the
``kind:game`` leaderboard and the hidden strengths after 5k and 10k votes and the votes/s
accepted (``--concurrency`` voters at once, as fast as the server answers); then, in a
further ``--latency-votes`` cast by 4 voters at ``--latency-rate`` votes/s, the latency of
the next matchup (GET /duels/next, and the vote whose reply carries it) and of the vote's
rank move on a websocket subscribed to ``leaderboard:kind:game`` (from sending the vote to
the message moving one of its titles; the latest vote on that title counts).
Over that latency phase it also reads each step of the vote's way to the message from two
scrapes of ``/metrics`` (mean, and p50 / p99 interpolated in the histograms' buckets): the
relay's commit → enqueue, the worker's enqueue → start and run of ``update_ratings``, the
time a rank move was held for its board's next message (``metacult_ranking_move_hold_seconds``,
when the code has it) and the hub's publish → send. ``--before DIR`` (a checkout of earlier
code: ``git archive main | tar -x -C DIR``) runs each arm on that code first, in the same run.
``--quick`` is a smaller run (200 titles, 4000 votes, 20 voters, no latency phase) for
comparing arms' τ in one bounded run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import sys
import time
from pathlib import Path

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import Stack  # noqa: E402
from metacult import catalog  # noqa: E402
from metacult.config import Settings  # noqa: E402
from metacult.infra.db import create_pool  # noqa: E402
from metacult.ranking.audit import kendall_tau  # noqa: E402

RANDOM_CLICKS = 0.05

# The vote's way to the rank-move message, step by step, as ``/metrics`` shows it.
STEPS = {
    "commit→enqueue": "metacult_outbox_commit_to_enqueue_seconds",
    "enqueue→start": 'metacult_worker_enqueue_to_start_seconds{actor="update_ratings"}',
    "run": 'metacult_worker_run_seconds{actor="update_ratings"}',
    "move held": 'metacult_ranking_move_hold_seconds{actor="update_ratings"}',
    "publish→send": "metacult_realtime_publish_to_send_seconds",
}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def checkout(path: str) -> Path:
    """A directory of code to run, as an absolute path (the processes start in it)."""
    return Path(path).resolve()


def scrape(text: str) -> dict[str, float]:
    """The samples of a ``/metrics`` page, by name with labels."""
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and " " in line:
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def step_figures(first: dict[str, float], last: dict[str, float]) -> dict[str, tuple]:
    """Per step of ``STEPS`` observed between two scrapes: (count, mean, p50, p99) in ms,
    the quantiles interpolated linearly within the histogram's buckets."""
    figures = {}
    for step, metric in STEPS.items():
        name, _, labels = metric.partition("{")
        inner = labels.rstrip("}")
        count_key = f"{name}_count" + (f"{{{inner}}}" if inner else "")
        sum_key = f"{name}_sum" + (f"{{{inner}}}" if inner else "")
        count = last.get(count_key, 0.0) - first.get(count_key, 0.0)
        if count <= 0:
            continue
        mean = (last[sum_key] - first.get(sum_key, 0.0)) / count
        buckets = []
        for key, value in last.items():
            if not key.startswith(f"{name}_bucket{{"):
                continue
            body = key[len(name) + len("_bucket{") : -1]
            parts = dict(part.split("=", 1) for part in body.split(","))
            bound = parts.pop("le").strip('"')
            rest = ",".join(f"{k}={v}" for k, v in parts.items())
            if rest != inner:
                continue
            upper = math.inf if bound == "+Inf" else float(bound)
            buckets.append((upper, value - first.get(key, 0.0)))
        buckets.sort()

        def quantile(q: float, buckets=buckets, count=count) -> float:
            target, lower, below = q * count, 0.0, 0.0
            for upper, cumulative in buckets:
                if cumulative >= target:
                    if math.isinf(upper):
                        return lower
                    inside = cumulative - below
                    return lower + (upper - lower) * ((target - below) / inside if inside else 1)
                lower, below = upper, cumulative
            return lower

        figures[step] = (int(count), mean * 1000, quantile(0.5) * 1000, quantile(0.99) * 1000)
    return figures


def worker_load(first: dict[str, float], last: dict[str, float]) -> list[tuple[str, int, float]]:
    """What the workers ran between two scrapes: (actor, runs, mean ms), busiest first (the
    other consumers of a vote share the worker's threads and event loop with the ratings)."""
    prefix = 'metacult_worker_run_seconds_count{actor="'
    load = []
    for key, value in last.items():
        if key.startswith(prefix):
            actor = key[len(prefix) : -2]
            count = value - first.get(key, 0.0)
            sum_key = f'metacult_worker_run_seconds_sum{{actor="{actor}"}}'
            if count > 0:
                total = last[sum_key] - first.get(sum_key, 0.0)
                load.append((actor, int(count), total / count * 1000))
    return sorted(load, key=lambda row: -row[1] * row[2])


class Arm:
    """One run: its own database, Redis prefix, web server and worker."""

    def __init__(
        self, name: str, env: dict[str, str], args: argparse.Namespace, root: Path = ROOT
    ) -> None:
        self.name = name
        self.args = args
        self.stack = Stack(args.port, root=root, ACCESS_TOKEN_TTL="86400", **env)
        self.base_url = self.stack.base_url
        self.vote_latency: list[float] = []
        self.next_latency: list[float] = []
        self.message_latency: list[float] = []
        self.last_vote_at: dict[int, float] = {}
        self.taus: dict[int, float] = {}
        self.votes = 0
        self.voting_seconds = 0.0
        self.throughput = 0.0
        self.messages = 0
        self.steps: dict[str, tuple] = {}
        self.load: list[tuple[str, int, float]] = []

    async def start(self, strengths: dict[int, float]) -> dict[int, float]:
        await self.stack.database.create()
        # The titles, saved through catalog's public surface as an import saves them.
        settings = Settings.from_env(self.stack.env)
        pool = await create_pool(
            settings, min_size=1, command_timeout=settings.db_job_command_timeout
        )
        hidden: dict[int, float] = {}
        try:
            async with pool.acquire() as conn, conn.transaction():
                for n, strength in enumerate(strengths.values(), start=1):
                    draft = catalog.MediaDraft(
                        kind="game", title=f"Bench title {n}", genres=("bench",)
                    )
                    hidden[await catalog.save_title(conn, draft)] = strength
        finally:
            await pool.close()
        # The web server and the worker, as ``make run`` starts them.
        self.stack.launch("web", "worker", logs=self.args.logs, label=self.name)
        await self.stack.wait_ready()
        return hidden

    async def watch_leaderboard(self, http: aiohttp.ClientSession, ready: asyncio.Event) -> None:
        """Follow ``leaderboard:kind:game`` as a browser would (reconnecting if dropped)."""
        while True:
            async with http.ws_connect(f"{self.base_url}/ws", heartbeat=10) as ws:
                await ws.send_json(
                    {"type": "subscribe", "id": 1, "channel": "leaderboard:kind:game"}
                )
                async for message in ws:
                    if message.type != aiohttp.WSMsgType.TEXT:
                        break
                    frame = message.json()
                    if frame.get("type") == "ping":
                        await ws.send_json({"type": "pong"})
                    if frame.get("type") == "subscribed":
                        ready.set()
                    if frame.get("type") != "publication":
                        continue
                    self.messages += 1
                    now = time.perf_counter()
                    for move in frame["data"]["moves"]:
                        voted_at = self.last_vote_at.pop(move["media_id"], None)
                        if voted_at is not None:
                            self.message_latency.append(now - voted_at)
                print(f"  [{self.name}] websocket closed ({ws.close_code}); reconnecting")

    async def vote_until(
        self,
        http: aiohttp.ClientSession,
        tokens: list[str],
        hidden: dict[int, float],
        total: int,
        *,
        seats: int | None = None,
        rate: float = 0.0,
    ) -> None:
        """Voters take turns (``seats`` at a time) until ``total`` votes were cast; with
        ``rate``, the seats together vote at about that many votes per second."""
        seats = seats or self.args.concurrency
        interval = seats / rate if rate else 0.0
        remaining = [total - self.votes]
        idle: asyncio.Queue[str] = asyncio.Queue()
        for token in tokens:
            idle.put_nowait(token)

        async def seat(seed: int) -> None:
            rng = random.Random(seed)
            while remaining[0] > 0:
                token = await idle.get()
                try:
                    await self.voter(http, token, hidden, remaining, rng, interval=interval)
                finally:
                    idle.put_nowait(token)

        await asyncio.gather(*(seat(total + i) for i in range(seats)))

    async def voter(
        self,
        http: aiohttp.ClientSession,
        token: str,
        hidden: dict[int, float],
        remaining: list[int],
        rng: random.Random,
        *,
        session_votes: int = 20,
        interval: float = 0.0,
    ) -> None:
        """One sitting of one voter: up to ``session_votes`` duels in a row."""
        headers = {"Authorization": f"Bearer {token}"}
        duel = await self.get_next(http, headers)
        step = 0
        while duel is not None and remaining[0] > 0 and step < session_votes:
            remaining[0] -= 1
            a, b = duel["a"]["id"], duel["b"]["id"]
            if rng.random() < RANDOM_CLICKS:
                winner = rng.choice((a, b))
            else:
                p = 1 / (1 + math.exp(hidden[b] - hidden[a]))
                winner = a if rng.random() < p else b
            started = time.perf_counter()
            # Before sending: the rank move may well arrive before the vote's reply.
            self.last_vote_at[a] = self.last_vote_at[b] = started
            async with http.post(
                f"{self.base_url}/api/v1/duels/{duel['id']}/vote",
                json={"winner": winner},
                headers=headers,
            ) as response:
                body = await response.json()
                if response.status != 200:
                    raise RuntimeError(f"vote refused: {response.status} {body}")
            done = time.perf_counter()
            if interval:
                await asyncio.sleep(max(0.0, interval - (done - started)))
            self.vote_latency.append(done - started)
            self.votes += 1
            duel = body["next"]
            step += 1
            if step % 5 == 0:
                duel = await self.get_next(http, headers)

    async def get_next(self, http: aiohttp.ClientSession, headers: dict) -> dict | None:
        started = time.perf_counter()
        async with http.get(f"{self.base_url}/api/v1/duels/next?kind=game", headers=headers) as r:
            body = await r.json()
        self.next_latency.append(time.perf_counter() - started)
        return body if r.status == 200 else None

    async def settled(self) -> None:
        """Wait until the worker applied every vote cast so far."""
        conn = await asyncpg.connect(self.stack.dsn)
        try:
            for _ in range(1200):
                waiting = await conn.fetchval(
                    "SELECT count(*) FROM outbox o WHERE o.type = 'ranking.vote_cast'"
                    " AND NOT EXISTS (SELECT 1 FROM processed_events p"
                    " WHERE p.consumer = 'ranking.update_ratings' AND p.event_id = o.id)"
                )
                if waiting == 0:
                    return
                await asyncio.sleep(0.25)
        finally:
            await conn.close()

    async def metrics(self, http: aiohttp.ClientSession) -> dict[str, float]:
        async with http.get(f"{self.base_url}/metrics") as response:
            return scrape(await response.text())

    async def board(self, http: aiohttp.ClientSession) -> dict[int, float]:
        ratings: dict[int, float] = {}
        cursor = None
        while True:
            url = f"{self.base_url}/api/v1/leaderboards/kind:game?limit=100"
            if cursor:
                url += f"&cursor={cursor}"
            async with http.get(url) as response:
                page = await response.json()
            ratings.update({e["media"]["id"]: e["rating"] for e in page["entries"]})
            cursor = page["next_cursor"]
            if not cursor:
                return ratings

    async def run(self, strengths: dict[int, float]) -> None:
        hidden = await self.start(strengths)
        try:
            connector = aiohttp.TCPConnector(limit=self.args.concurrency + 4)
            async with aiohttp.ClientSession(connector=connector) as http:
                tokens = [await self.stack.sign_up(http, n) for n in range(self.args.users)]
                ready = asyncio.Event()
                watcher = asyncio.create_task(self.watch_leaderboard(http, ready))
                await asyncio.wait_for(ready.wait(), 10)
                for checkpoint in (self.args.votes // 2, self.args.votes):
                    started = time.perf_counter()
                    await self.vote_until(http, tokens, hidden, checkpoint)
                    self.voting_seconds += time.perf_counter() - started
                    self.throughput = self.votes / self.voting_seconds
                    await self.settled()
                    await asyncio.sleep(0.5)
                    board = await self.board(http)
                    live = {m: board.get(m, 1500.0) for m in hidden}
                    self.taus[checkpoint] = kendall_tau(live, hidden)
                    print(
                        f"  [{self.name}] {self.votes} votes: Kendall τ = "
                        f"{self.taus[checkpoint]:.3f} ({len(board)} titles on the board)",
                        flush=True,
                    )
                # Latency at a steady, moderate load (the phases above saturate 2 cores).
                if not self.args.latency_votes:
                    watcher.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await watcher
                    return
                self.next_latency.clear()
                self.vote_latency.clear()
                self.message_latency.clear()
                self.last_vote_at.clear()
                await asyncio.sleep(1.5)  # the last phase's worker timings reach Redis
                metrics_before = await self.metrics(http)
                await self.vote_until(
                    http,
                    tokens,
                    hidden,
                    self.votes + self.args.latency_votes,
                    seats=4,
                    rate=self.args.latency_rate,
                )
                await self.settled()
                await asyncio.sleep(1.5)  # the workers' timings reach Redis once a second
                metrics_after = await self.metrics(http)
                self.steps = step_figures(metrics_before, metrics_after)
                self.load = worker_load(metrics_before, metrics_after)
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
        finally:
            await self.stack.stop()

    def report(self) -> str:
        ms = 1000
        taus = "  ".join(f"τ@{k / 1000:g}k={v:.3f}" for k, v in self.taus.items())
        if not self.args.latency_votes:
            return f"{self.name:<11} {taus}  votes/s={self.throughput:.0f}"
        return (
            f"{self.name:<11} {taus}  votes/s={self.throughput:.0f}  "
            f"at {self.args.latency_rate:.0f} votes/s: "
            f"next p50/p99={percentile(self.next_latency, 0.5) * ms:.1f}/"
            f"{percentile(self.next_latency, 0.99) * ms:.1f} ms  "
            f"vote+next p50/p99={percentile(self.vote_latency, 0.5) * ms:.1f}/"
            f"{percentile(self.vote_latency, 0.99) * ms:.1f} ms  "
            f"vote→message p50/p99={percentile(self.message_latency, 0.5) * ms:.0f}/"
            f"{percentile(self.message_latency, 0.99) * ms:.0f} ms "
            f"({len(self.message_latency)} samples, {self.messages} messages)"
            + "".join(
                f"\n{'':<11} {step:<15} n={n:<5} mean {mean:6.1f}  p50 {p50:6.1f}  "
                f"p99 {p99:6.1f} ms"
                for step, (n, mean, p50, p99) in self.steps.items()
            )
            + (
                f"\n{'':<11} worker runs: "
                + ", ".join(f"{actor} {n}× {mean:.1f} ms" for actor, n, mean in self.load[:5])
                if self.load
                else ""
            )
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--titles", type=int, default=500)
    parser.add_argument("--votes", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--arms", default="random,matchmaker")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--latency-votes", type=int, default=1000)
    parser.add_argument("--latency-rate", type=float, default=20.0)
    parser.add_argument("--logs", help="a directory for the server's and worker's logs")
    parser.add_argument(
        "--before",
        type=checkout,
        default=None,
        help="a checkout of earlier code, each arm run on it first",
    )
    parser.add_argument("--quick", action="store_true", help="200 titles, 4000 votes, τ only")
    args = parser.parse_args()
    if args.quick:
        args.titles, args.votes, args.users, args.latency_votes = 200, 4000, 20, 0
    rng = random.Random(args.seed)
    strengths = {n: rng.gauss(0, 2) for n in range(args.titles)}
    arms = {
        "random": {"DUEL_EXPLORE_PERCENT": "100"},
        "uncapped": {"DUEL_EXPLORE_PERCENT": "15", "DUEL_VARIETY_WINDOW": "0"},
        "matchmaker": {"DUEL_EXPLORE_PERCENT": "15"},
    }
    codes = [("", ROOT)]
    if args.before:
        codes.insert(0, ("before ", args.before))
    results = []
    for name in args.arms.split(","):
        for label, root in codes:
            arm = Arm(f"{label}{name}", arms[name], args, root)
            print(
                f"{arm.name}: {args.titles} titles, {args.users} voters, {args.votes} votes",
                flush=True,
            )
            await arm.run(strengths)
            results.append(arm.report())
    print(f"\nmachine: {os.cpu_count()} cores, {sys.platform}, Python {sys.version.split()[0]}")
    for line in results:
        print(line)


if __name__ == "__main__":
    asyncio.run(main())
