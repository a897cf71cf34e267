"""The realistic mix of ``bench/load.py --mix``: signed-in users browsing, searching,
opening titles, liking, rating, reviewing, voting in duels and sending signals, beside
websocket watchers on a title and the leaderboards, all driven from client processes
apart from the server's (one Python client is slower than the server on 2 cores).

Each client process runs ``drive`` for a few seconds and hands back its latencies per
endpoint, its errors, the signals accepted and the publications its watchers received.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
import uuid

import aiohttp
import orjson

# The mix: operation and weight (one in ~9 requests a write, as a social site sees).
MIX = (
    ("GET /api/v1/media (browse)", 14),
    ("GET /api/v1/media?q= (search)", 6),
    ("GET /api/v1/media/{id}", 20),
    ("GET /api/v1/leaderboards/global", 4),
    ("PUT /api/v1/media/{id}/like", 3),
    ("PUT /api/v1/media/{id}/rating", 3),
    ("POST /api/v1/media/{id}/reviews", 1),
    ("duel: GET next + POST vote", 3),
    ("POST /api/v1/signals (100)", 4),
)
SORTS = ("popular", "newest", "top_rated")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def drive(job: dict) -> dict:
    """One client process (run by a ``ProcessPoolExecutor``)."""
    return asyncio.run(_drive(**job))


async def _drive(
    *,
    base: str,
    tokens: list[str],
    media: list[int],
    seconds: float,
    seed: int,
    mode: str = "mix",
    watchers: int = 0,
    channels: tuple[str, ...] = (),
    batch: int = 100,
) -> dict:
    latencies: dict[str, list[float]] = {}
    errors: list[str] = []
    error_count = [0]
    accepted = [0]
    deliveries = [0]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        ready = asyncio.Event()
        subscribed = [0]

        async def watch(n: int) -> None:
            async with http.ws_connect(f"{base}/ws", heartbeat=30) as ws:
                channel = channels[n % len(channels)]
                await ws.send_json({"type": "subscribe", "id": 1, "channel": channel})
                async for message in ws:
                    if message.type != aiohttp.WSMsgType.TEXT:
                        break
                    frame = message.json()
                    kind = frame.get("type")
                    if kind == "ping":
                        await ws.send_json({"type": "pong"})
                    elif kind == "subscribed":
                        subscribed[0] += 1
                        if subscribed[0] == watchers:
                            ready.set()
                    elif kind == "publication" and counting[0]:
                        deliveries[0] += 1

        counting = [False]
        watching = [asyncio.create_task(watch(n)) for n in range(watchers)]
        if watchers:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), 20)
        rng = random.Random(seed)
        weights = [1 / (rank + 1) for rank in range(len(media))]
        names = [name for name, _ in MIX]
        mix_weights = [weight for _, weight in MIX]
        reviewed: set[tuple[int, int]] = set()

        async def call(name: str, method: str, url: str, token: str | None, **kw) -> dict | None:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            started = time.perf_counter()
            try:
                async with http.request(method, url, headers=headers, **kw) as response:
                    body = await response.read()
                    ok = response.status < 400
                    status = response.status
            except aiohttp.ClientError as exc:
                ok, status, body = False, 0, str(exc).encode()
            latencies.setdefault(name, []).append(time.perf_counter() - started)
            if not ok:
                error_count[0] += 1
                if len(errors) < 10:
                    errors.append(f"{name}: {status} {body[:200]!r}")
                return None
            return orjson.loads(body) if body else {}

        async def signals(token: str | None) -> None:
            events = [
                {"id": str(uuid.uuid4()), "type": "view", "media_id": rng.choice(media)}
                for _ in range(batch)
            ]
            reply = await call(
                f"POST /api/v1/signals ({batch})",
                "POST",
                f"{base}/api/v1/signals",
                token,
                json={"events": events},
            )
            if reply is not None:
                accepted[0] += reply["accepted"]

        async def user(n: int, deadline: float) -> None:
            token = tokens[n % len(tokens)]
            while time.perf_counter() < deadline:
                if mode == "bare":
                    await call("bare aiohttp handler", "GET", base + "/", None)
                    continue
                if mode == "signals":
                    await signals(None)
                    continue
                op = rng.choices(names, mix_weights)[0]
                media_id = rng.choices(media, weights)[0]
                if op.startswith("GET /api/v1/media (browse)"):
                    sort = rng.choice(SORTS)
                    await call(op, "GET", f"{base}/api/v1/media?limit=20&sort={sort}", token)
                elif op.startswith("GET /api/v1/media?q="):
                    q = f"bench title {rng.randint(1, 999)}"
                    await call(op, "GET", f"{base}/api/v1/media?limit=20&q={q}", token)
                elif op == "GET /api/v1/media/{id}":
                    await call(op, "GET", f"{base}/api/v1/media/{media_id}", token)
                elif op.startswith("GET /api/v1/leaderboards"):
                    await call(op, "GET", f"{base}/api/v1/leaderboards/global?limit=20", token)
                elif op.startswith("PUT /api/v1/media/{id}/like"):
                    method = rng.choice(("PUT", "DELETE"))
                    await call(op, method, f"{base}/api/v1/media/{media_id}/like", token)
                elif op.startswith("PUT /api/v1/media/{id}/rating"):
                    rating = {"rating": rng.randint(1, 10) / 2}
                    url = f"{base}/api/v1/media/{media_id}/rating"
                    await call(op, "PUT", url, token, json=rating)
                elif op.startswith("POST /api/v1/media/{id}/reviews"):
                    # One review per reader and title: a fresh title each time.
                    target = rng.choice(media)
                    if (n, target) in reviewed:
                        continue
                    reviewed.add((n, target))
                    body = {"body": f"A bench review {uuid.uuid4().hex[:8]}, fairly long."}
                    url = f"{base}/api/v1/media/{target}/reviews"
                    await call(op, "POST", url, token, json=body)
                elif op.startswith("duel"):
                    duel = await call(op, "GET", f"{base}/api/v1/duels/next", token)
                    if duel and duel.get("a"):
                        winner = rng.choice((duel["a"]["id"], duel["b"]["id"]))
                        url = f"{base}/api/v1/duels/{duel['id']}/vote"
                        await call(op, "POST", url, token, json={"winner": winner})
                else:
                    await signals(token)

        counting[0] = True
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(user(n + seed * 1000, deadline) for n in range(len(tokens))))
        elapsed = time.perf_counter() - started
        await asyncio.sleep(1.0)  # publications of the last writes still on their way
        counting[0] = False
        for task in watching:
            task.cancel()
        for task in watching:
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                await task
    return {
        "latencies": latencies,
        "errors": errors,
        "error_count": error_count[0],
        "accepted": accepted[0],
        "deliveries": deliveries[0],
        "elapsed": elapsed,
        "watchers": subscribed[0],
    }
