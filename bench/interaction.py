"""Interaction benchmark: demo users, signals ingestion and live counters, through the real API.

    .venv/bin/python bench/interaction.py [--demo-users 200] [--signal-batches 100]
        [--ratings 2000] [--users 20] [--concurrency 8]

It makes a fresh database and Redis namespace, loads the demo catalogue and
``--demo-users`` demo histories (timed), starts the real web server, a Dramatiq worker
and the scheduler, signs ``--users`` users up over HTTP, then measures:

* signals: batches of 500 views (1% of them resent duplicates) posted ``--concurrency``
  at a time — accepted events/s, POST latency, and how long after the last POST the
  writer has everything in PostgreSQL (duplicates stored once);
* ratings: ``--ratings`` PUTs on Zipf-skewed titles — requests/s, latency, the delay
  from a rating to the ``stats`` message on a websocket subscribed to the hottest
  title, and whether the counters match the rows at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import sys
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import Stack  # noqa: E402
from metacult.config import Settings  # noqa: E402
from metacult.infra.db import create_pool  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def ms(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 0.5) * 1000:.1f} ms, p99 {percentile(values, 0.99) * 1000:.1f} ms"
    )


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.stack = Stack(args.port)
        self.base_url = self.stack.base_url
        self.dsn = self.stack.dsn

    async def prepare(self) -> list[int]:
        await self.stack.database.create()
        from metacult import catalog, interaction

        settings = Settings.from_env(self.stack.env)
        pool = await create_pool(
            settings, min_size=1, command_timeout=settings.db_job_command_timeout
        )
        try:
            await catalog.seed_demo(pool)
            started = time.perf_counter()
            print(await interaction.seed_demo_users(pool, settings, self.args.demo_users))
            print(f"  in {time.perf_counter() - started:.1f} s")
            async with pool.acquire() as conn:
                popular = await catalog.browse(conn, catalog.Filters(), "popular", None, 100_000)
        finally:
            await pool.close()
        return [item.media.id for item in popular.items]

    async def signals(self, http: aiohttp.ClientSession, media: list[int]) -> None:
        rng = random.Random(1)
        weights = [1 / (rank + 1) for rank in range(len(media))]
        sent: list[str] = []
        latencies: list[float] = []
        batches = self.args.signal_batches
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(batches):
            queue.put_nowait(n)

        async def poster() -> None:
            while not queue.empty():
                queue.get_nowait()
                events = []
                for media_id in rng.choices(media, weights=weights, k=495):
                    event_id = str(uuid.uuid4())
                    sent.append(event_id)
                    events.append({"id": event_id, "type": "view", "media_id": media_id})
                for event_id in rng.sample(sent, k=min(5, len(sent))):
                    events.append({"id": event_id, "type": "view", "media_id": media[0]})
                started = time.perf_counter()
                async with http.post(
                    f"{self.base_url}/api/v1/signals", json={"events": events}
                ) as response:
                    assert response.status == 202, await response.text()
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(poster() for _ in range(self.args.concurrency)))
        posting = time.perf_counter() - started
        unique = len(sent)
        print(
            f"signals: {batches * 500} events in {posting:.1f} s "
            f"({batches * 500 / posting:.0f} events/s accepted); POST {ms(latencies)}"
        )
        conn = await asyncpg.connect(self.dsn)
        try:
            last_post = time.perf_counter()
            while (stored := await conn.fetchval("SELECT count(*) FROM signals")) < unique:
                if time.perf_counter() - last_post > 120:
                    break
                await asyncio.sleep(0.1)
            print(
                f"  {stored} of {unique} distinct events in PostgreSQL "
                f"{time.perf_counter() - last_post:.1f} s after the last POST"
            )
        finally:
            await conn.close()

    async def ratings(self, http: aiohttp.ClientSession, tokens: list[str], media: list[int]):
        rng = random.Random(2)
        hot = media[0]
        weights = [1 / (rank + 1) for rank in range(len(media))]
        latencies: list[float] = []
        message_latency: list[float] = []
        pending: list[float] = []
        subscribed = asyncio.Event()

        async def watch() -> None:
            async with http.ws_connect(f"{self.base_url}/ws") as ws:
                await ws.send_json({"type": "subscribe", "id": 1, "channel": f"media:{hot}"})
                async for message in ws:
                    frame = message.json()
                    if frame.get("type") == "subscribed":
                        subscribed.set()
                    publication = frame.get("type") == "publication"
                    if publication and frame["data"]["type"] == "interaction.stats":
                        now = time.perf_counter()
                        message_latency.extend(now - at for at in pending)
                        pending.clear()

        watcher = asyncio.create_task(watch())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(subscribed.wait(), 10)
        remaining = [self.args.ratings]

        async def rater() -> None:
            while remaining[0] > 0:
                remaining[0] -= 1
                token = rng.choice(tokens)
                media_id = rng.choices(media, weights=weights)[0]
                rating = rng.randint(1, 10) / 2
                started = time.perf_counter()
                async with http.put(
                    f"{self.base_url}/api/v1/media/{media_id}/rating",
                    json={"rating": rating},
                    headers={"Authorization": f"Bearer {token}"},
                ) as response:
                    assert response.status == 200, await response.text()
                latencies.append(time.perf_counter() - started)
                if media_id == hot:
                    pending.append(time.perf_counter())

        started = time.perf_counter()
        await asyncio.gather(*(rater() for _ in range(self.args.concurrency)))
        elapsed = time.perf_counter() - started
        print(
            f"ratings: {self.args.ratings} PUTs in {elapsed:.1f} s "
            f"({self.args.ratings / elapsed:.0f}/s); PUT {ms(latencies)}"
        )
        conn = await asyncpg.connect(self.dsn)
        try:
            for _ in range(600):
                mismatched = await conn.fetchval(
                    "SELECT count(*) FROM media_stats s WHERE ratings_count <> "
                    "(SELECT count(*) FROM ratings r WHERE r.media_id = s.media_id)"
                )
                if mismatched == 0:
                    break
                await asyncio.sleep(0.1)
            print(f"  counters matching their rows: {'yes' if mismatched == 0 else 'no'}")
        finally:
            await conn.close()
        print(f"  rating → stats message on media:{hot}: {ms(message_latency)}")
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def main(args: argparse.Namespace) -> None:
    bench = Bench(args)
    try:
        media = await bench.prepare()
        bench.stack.launch("web", "worker", "scheduler")
        await bench.stack.wait_ready()
        async with aiohttp.ClientSession() as http:
            tokens = [await bench.stack.sign_up(http, n) for n in range(args.users)]
            await bench.signals(http, media)
            await bench.ratings(http, tokens, media)
    finally:
        await bench.stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--demo-users", type=int, default=200)
    parser.add_argument("--signal-batches", type=int, default=100)
    parser.add_argument("--ratings", type=int, default=2000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--port", type=int, default=8093)
    asyncio.run(main(parser.parse_args()))
