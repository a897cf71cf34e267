"""Marketing benchmark: ad selection for a feed page, with live campaigns and users'
frequency caps, and ad clicks per second.

    .venv/bin/python bench/ads.py [--campaigns 1000] [--users 10000] [--renders 2000]
                                  [--go-seconds 5]

It starts ``bench/stack.py``'s stack (a scratch database and Redis prefix, then the web
server), makes ``--campaigns`` live campaigns of varied
targeting and price, and ``--users`` users' frequency caps (a few campaigns seen today
each), then:

1. **selection**: ``--renders`` feed renders (a page of 20 titles, its two native slots) of
   random users through ``marketing.service.select_ads`` — the time it adds to the feed:
   p50 / p99 (target on 2 cores: p99 ≤ 5 ms);
2. **clicks**: as many click links followed through ``marketing.service.click`` (each
   verified, de-duplicated and, when billed, counted): clicks/s;
3. **/go**: ``wrk`` (1 thread, 32 connections, ``--go-seconds``) on a shop offer's
   affiliate redirect served by the web process: redirects/s and p50 / p99 (target ≥
   5,000/s). Each click goes to the click stream; the stream is then written to PostgreSQL
   as ``workers.commerce.record_clicks`` does, and the run checks that every redirect wrk
   counted is a stored click. ``wrk`` must be installed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import Stack, free_port  # noqa: E402
from metacult import catalog, commerce  # noqa: E402
from metacult.commerce import rules  # noqa: E402
from metacult.commerce import service as commerce_service  # noqa: E402
from metacult.config import Settings  # noqa: E402
from metacult.infra.db import create_pool  # noqa: E402
from metacult.infra.redis import create_redis  # noqa: E402
from metacult.marketing import service, store  # noqa: E402

GENRES = ["rpg", "action", "drama", "comedy", "horror", "roguelike", "strategy", "thriller"]
PLATFORMS = ["pc", "ps5", "switch", "xbox-series"]


def campaign_fields(index: int, now: datetime) -> dict:
    return {
        "advertiser": f"Advertiser {index}",
        "title": f"Campaign {index}",
        "body": "",
        "image_url": None,
        "cta_label": "Open",
        "cta_url": f"https://ads.example/{index}",
        "media_id": None,
        "kinds": random.sample(list(catalog.KINDS), random.randint(0, 2)),
        "genres": random.sample(GENRES, random.randint(0, 2)),
        "platforms": random.sample(PLATFORMS, random.randint(0, 1)),
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=30),
        "total_budget_micros": 10**13,
        "daily_budget_micros": 10**12,
        "price_model": random.choice(["cpm", "cpc"]),
        "price_micros": random.randint(1, 500) * 10_000,
        "frequency_cap": random.randint(1, 5),
        "status": "active",
        "video_url": None,
        "video_mime": None,
        "video_duration_s": None,
        "video_width": None,
        "video_height": None,
        "vast_tag_url": None,
        "min_level": 1,
    }


def page() -> tuple[catalog.MediaSummary, ...]:
    return tuple(
        catalog.MediaSummary(
            i,
            random.choice(catalog.KINDS),
            f"T{i}",
            f"t{i}",
            2020,
            None,
            tuple(random.sample(GENRES, 2)),
            tuple(random.sample(PLATFORMS, 1)),
        )
        for i in range(20)
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def wrk(url: str, seconds: int) -> tuple[int, float, float, float]:
    """Requests made, requests/s, p50 and p99 (ms) of ``url`` under wrk (1 thread, 32
    connections); every answer must be a redirect."""
    command = ["wrk", "-t1", "-c32", f"-d{seconds}s", "--latency", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    made = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return made, rate, _latency(out, "50%"), _latency(out, "99%")


def _latency(out: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def go_redirects(stack: Stack, db, redis, settings: Settings, seconds: int) -> None:
    """``/go`` under wrk, then every redirect checked to be a stored click."""
    async with db.acquire() as conn, conn.transaction():
        media_id = await catalog.save_title(
            conn, catalog.MediaDraft(kind="game", title="Bench game", igdb_id=1)
        )
    draft = rules.OfferDraft(
        store="steam",
        offer_type="buy",
        region="FR",
        price=None,
        currency=None,
        discount_percent=0,
        url="https://store.example/app/1",
        source="feed",
    )
    await commerce_service.save_offers(db, redis, settings, media_id, "feed", [draft])
    async with db.acquire() as conn:
        offer_id = await conn.fetchval(
            "SELECT id FROM commerce_offers WHERE media_id = $1", media_id
        )
    made, rate, p50, p99 = wrk(f"{stack.base_url}/go/{offer_id}?campaign=bench", seconds)
    # wrk counts the requests answered; a connection cut at the end may still have sent one.
    while await commerce.record_clicks(db, redis, settings):
        pass
    async with db.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT count(*) FROM commerce_clicks WHERE offer_id = $1", offer_id
        )
    print(
        f"/go: {made} redirects in {seconds} s: {rate:.0f}/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms;"
        f" clicks stored {stored} ({'every one' if stored >= made else 'MISSING some'})"
    )
    if stored < made:
        raise SystemExit(f"{made - stored} clicks were not stored")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--renders", type=int, default=2000)
    parser.add_argument("--go-seconds", type=int, default=5)
    args = parser.parse_args()
    stack = Stack(free_port())
    await stack.database.create()
    prefix = stack.env["REDIS_PREFIX"]
    settings = Settings.from_env(stack.env)
    db = await create_pool(settings)
    redis = create_redis(settings)
    now = datetime.now(UTC)
    try:
        async with db.acquire() as conn, conn.transaction():
            ids = [
                (await store.create(conn, campaign_fields(i, now))).id
                for i in range(args.campaigns)
            ]
        day = now.date().isoformat()
        async with redis.pipeline(transaction=False) as pipe:
            for user in range(1, args.users + 1):
                seen = {str(c): random.randint(1, 3) for c in random.sample(ids, 5)}
                pipe.hset(f"{prefix}:marketing:seen:{user}:{day}", mapping=seen)
            await pipe.execute()

        timings: list[float] = []
        tokens: list[str] = []
        for _ in range(args.renders):
            user = random.randint(1, args.users)
            started = time.perf_counter()
            chosen = await service.select_ads(
                db, redis, settings, user, 2, page(), frozenset(), datetime.now(UTC)
            )
            timings.append((time.perf_counter() - started) * 1000)
            tokens.extend(token for _, token in chosen)
        print(
            f"selection: {args.renders} renders, {args.campaigns} campaigns, "
            f"{args.users} users' caps: p50 {statistics.median(timings):.2f} ms, "
            f"p99 {percentile(timings, 0.99):.2f} ms"
        )

        started = time.perf_counter()
        for index, token in enumerate(tokens):
            await service.click(
                db,
                redis,
                settings,
                token,
                client=f"10.0.{index // 250}.{index % 250}",
                user_agent="Mozilla/5.0",
                at=datetime.now(UTC),
            )
        elapsed = time.perf_counter() - started
        print(f"clicks: {len(tokens)} in {elapsed:.2f} s: {len(tokens) / elapsed:.0f}/s")

        stack.launch("web")
        await stack.wait_ready()
        await go_redirects(stack, db, redis, settings, args.go_seconds)
    finally:
        await db.close()
        await redis.aclose()
        await stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
