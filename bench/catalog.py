"""Catalogue benchmark: browse and search latency as the catalogue grows.

    .venv/bin/python bench/catalog.py [--titles 20000] [--repeat 20] [--fallback]

It makes a fresh database (``--fallback``: without pg_trgm / unaccent, as on the
embedded PostgreSQL), loads the demo catalogue, adds ``--titles`` synthetic titles
whose words follow a Zipf-like law (a few common words, many rare ones, like real
titles), then times each query ``--repeat`` times through the same SQL the API uses:
searches with and without typos, and every sort from the start and after a cursor.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import ScratchDatabase  # noqa: E402
from metacult.catalog import service, views  # noqa: E402
from metacult.catalog.browse import Filters, Position  # noqa: E402
from metacult.config import Settings  # noqa: E402
from metacult.infra.db import create_pool  # noqa: E402

SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "ten",
    "sha",
    "dow",
    "riv",
    "er",
    "em",
    "pire",
    "storm",
    "gar",
    "den",
    "sil",
    "ent",
    "cri",
    "son",
    "dre",
    "am",
]
SEARCHES = [
    "zelda breth",
    "amelie",
    "the wichter 3",
    "lord rings",
    "interstelar",
    "dark",
]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


async def _fill(db: asyncpg.Pool, count: int) -> None:
    rng = random.Random(7)
    vocabulary = [_word(rng) for _ in range(max(100, count // 2))]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    rows = []
    for i in range(count):
        words = rng.choices(vocabulary, weights, k=rng.randint(1, 4))
        title = " ".join(words).title()
        rows.append(("film", title, f"bench-{i}", rng.randint(1920, 2025), rng.random() * 100))
    await db.executemany(
        "INSERT INTO media (kind, title, slug, year, popularity) VALUES ($1, $2, $3, $4, $5)", rows
    )
    await db.execute("ANALYZE media; ANALYZE catalog_words")


async def _time(run, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


async def main(args: argparse.Namespace) -> None:
    settings = Settings.from_env()
    scratch = ScratchDatabase(settings.database_url)
    try:
        await scratch.create(search_fallback=args.fallback)
        db = await create_pool(
            settings.replace(database_url=scratch.dsn),
            min_size=1,
            command_timeout=settings.db_job_command_timeout,
        )
        try:
            await service.seed_demo(db)
            await _fill(db, args.titles)
            total = await db.fetchval("SELECT count(*) FROM media")
            print(f"{total} titles ({'fallback' if args.fallback else 'extensions'} search)")
            print(f"{'query':<34} {'p50 ms':>8} {'p95 ms':>8}")
            for q in SEARCHES:
                p50, p95 = await _time(
                    lambda q=q: views.browse(db, Filters(q=q), "relevance", None, 21), args.repeat
                )
                print(f"{'search ' + repr(q):<34} {p50:8.1f} {p95:8.1f}")
            for sort in ("popular", "top_rated", "newest", "title"):
                first = await views.browse(db, Filters(), sort, None, 21)
                after = Position(sort, views.key_of(first[-1], sort))
                for label, position in (("first page", None), ("after a cursor", after)):
                    p50, p95 = await _time(
                        lambda s=sort, p=position: views.browse(db, Filters(), s, p, 21),
                        args.repeat,
                    )
                    print(f"{sort + ', ' + label:<34} {p50:8.1f} {p95:8.1f}")
        finally:
            await db.close()
    finally:
        await scratch.drop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--titles", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--fallback", action="store_true")
    asyncio.run(main(parser.parse_args()))
