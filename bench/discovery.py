"""Discovery benchmark: neighbour computation, incremental refresh and feed latency.

    .venv/bin/python bench/discovery.py [--sizes 5000000,20000000] [--readers 50]
        [--requests 2000] [--skip-feed]

* neighbours: skewed synthetic interactions (Zipf titles, 100k users × 20k titles at 5M,
  400k users at 20M) built into the matrix and computed by the production code
  (implicit cosine, top 50), each size in a child process so that its peak memory (max RSS,
  interpreter and libraries included) is its own;
* incremental: 10k new interactions on top of the 5M matrix, then the changed titles'
  rows recomputed as the worker does (the users who touched them, all their cells);
* feed: a scratch database and Redis prefix, the real web server, 2 000 users' evidence
  and neighbours loaded, then ``--readers`` concurrent readers asking for their first
  page (``--requests`` in all): p50 / p99; and the cold build of a first page alone.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from metacult.discovery import neighbours as model  # noqa: E402

TITLES = 20_000


def synthetic(interactions: int, users: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    items = (rng.zipf(1.2, interactions * 2) - 1) % TITLES
    items = rng.permutation(TITLES)[items[:interactions]]
    who = rng.integers(0, users, interactions)
    values = rng.choice([0.4, 1.0, 1.5, 2.0], interactions)
    return who, items, values


def run_neighbours(interactions: int) -> None:
    """(child) Time the matrix and the neighbours at one size; print one line."""
    users = interactions // 50
    who, items, values = synthetic(interactions, users)
    started = time.perf_counter()
    matrix = model.build_matrix(who, items, values)
    built = time.perf_counter() - started
    name, found = model.compute(matrix, k=model.DEFAULT_K)
    total = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"neighbours at {interactions / 1e6:.0f}M interactions ({users} users × {TITLES} titles,"
        f" {matrix.nnz} cells): {total:.1f} s ({built:.1f} s building the matrix), model"
        f" {name}, {len(found)} titles, peak RSS {peak_mb:.0f} MB"
    )
    if interactions == 5_000_000:
        run_incremental(who, items, values, users)


def run_incremental(who, items, values, users: int) -> None:
    new_who, new_items, new_values = synthetic(10_000, users, seed=3)
    all_who = np.concatenate([who, new_who])
    all_items = np.concatenate([items, new_items])
    all_values = np.concatenate([values, new_values])
    before = model.build_matrix(who, items, values)
    norms = dict(zip(map(int, before.item_ids), model.item_norms(before.cells), strict=True))
    started = time.perf_counter()
    changed = np.unique(new_items)
    touching = np.isin(all_who, np.unique(all_who[np.isin(all_items, changed)]))
    partial = model.build_matrix(all_who[touching], all_items[touching], all_values[touching])
    found = model.cosine_rows(partial, changed.tolist(), norms, model.DEFAULT_K)
    elapsed = time.perf_counter() - started
    print(
        f"incremental after 10k new interactions: {len(changed)} titles changed,"
        f" {partial.nnz} cells read, {elapsed:.1f} s ({len(found)} titles refreshed)"
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


async def run_feed(readers: int, requests: int) -> None:
    import aiohttp

    from bench.stack import Stack, forget_redis_keys, free_port
    from metacult.config import Settings
    from metacult.discovery import service
    from metacult.infra.db import create_pool
    from metacult.infra.redis import create_redis

    stack = Stack(free_port())
    await stack.database.create()
    try:
        settings = Settings.from_env(stack.env)
        db = await create_pool(settings)
        redis = create_redis(settings)
        async with db.acquire() as conn:
            ids = await _titles(conn, 2000)
        stack.launch("web")
        await stack.wait_ready()
        async with aiohttp.ClientSession() as http:
            tokens = [await stack.sign_up(http, n) for n in range(readers)]
            async with db.acquire() as conn:
                user_ids = [r["id"] for r in await conn.fetch("SELECT id FROM users ORDER BY id")]
                rng = random.Random(4)
                rows = [
                    (u, rng.choice(ids), "film", "like", 1.0)
                    for u in list(range(10_000, 12_000)) + user_ids
                    for _ in range(20)
                ]
                await conn.copy_records_to_table(
                    "discovery_evidence",
                    records=[(*r, _now()) for r in dict(((r[0], r[1]), r) for r in rows).values()],
                    columns=("user_id", "media_id", "kind", "source", "value", "occurred_at"),
                )
            await service.refresh_all_neighbours(db, redis, settings)
            headers = [{"Authorization": f"Bearer {t}"} for t in tokens]
            cold = []
            for h in headers:
                started = time.perf_counter()
                async with http.get(f"{stack.base_url}/api/v1/feed", headers=h) as response:
                    assert response.status == 200, await response.text()
                    await response.read()
                cold.append(time.perf_counter() - started)

            async def load(path: str) -> list[float]:
                timings: list[float] = []
                left = requests

                async def reader(h: dict[str, str]) -> None:
                    nonlocal left
                    while left > 0:
                        left -= 1
                        started = time.perf_counter()
                        async with http.get(f"{stack.base_url}{path}", headers=h) as response:
                            await response.read()
                        timings.append(time.perf_counter() - started)

                await asyncio.gather(*(reader(h) for h in headers))
                return timings

            timings = await load("/api/v1/feed")
            # The same load on the smallest signed-in endpoint: what the server costs alone.
            baseline = await load("/api/v1/me")
        print(
            f"feed under {readers} concurrent readers ({requests} first pages):"
            f" p50 {percentile(timings, 0.5) * 1000:.1f} ms,"
            f" p99 {percentile(timings, 0.99) * 1000:.1f} ms;"
            f" a first page built cold: p50 {percentile(cold, 0.5) * 1000:.1f} ms,"
            f" max {max(cold) * 1000:.1f} ms; GET /api/v1/me under the same load:"
            f" p50 {percentile(baseline, 0.5) * 1000:.1f} ms,"
            f" p99 {percentile(baseline, 0.99) * 1000:.1f} ms"
        )
        await db.close()
        await redis.aclose()
    finally:
        for process in stack.processes:
            process.terminate()
            process.wait(10)
        await stack.database.drop()
        forget_redis_keys(stack.env["REDIS_URL"], stack.env["REDIS_PREFIX"])


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def _titles(conn, count: int) -> list[int]:
    from metacult import catalog

    ids = []
    async with conn.transaction():
        for index in range(count):
            draft = catalog.MediaDraft(kind="film", title=f"Bench film {index}", year=2000)
            ids.append(await catalog.save_title(conn, draft))
    return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5000000,20000000")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--skip-feed", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_neighbours(args.child)
        return
    for size in (int(s) for s in args.sizes.split(",") if s):
        subprocess.run([sys.executable, __file__, "--child", str(size)], check=True)
    if not args.skip_feed:
        asyncio.run(run_feed(args.readers, args.requests))


if __name__ == "__main__":
    main()
