"""Gamification benchmark: events per second through the award actor's body, and the time
from an event to its ``user:{id}`` message.

    .venv/bin/python bench/gamification.py [--users 1000] [--events 20000] [--concurrency 8]
                                           [--rate 200] [--seconds 20]

It makes a scratch database and Redis prefix, 1,000 users and 200 titles, then:

1. **throughput**: ``--events`` events of a realistic mix (duel votes 45 %, likes 20 %,
   ratings 15 %, unlikes 5 %, statuses 8 %, reviews 4 %, follows 3 %) for random users,
   applied by ``--concurrency`` concurrent awards (as a worker's threads would): events/s;
2. **latency**: events at a steady ``--rate`` per second for ``--seconds``; for each, the
   time from the event (its commit time, ``occurred_at``) to its message arriving on the
   user's channel, read by a Redis subscriber: p50 / p99.

Targets on 2 cores: at least 2,000 events/s; p99 at most 1 s. The broker hop (outbox relay
→ Redis → worker) is measured by ``bench/duels.py``; this measures the award itself.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import Stack, free_port  # noqa: E402
from metacult import catalog, identity  # noqa: E402
from metacult.config import Settings  # noqa: E402
from metacult.gamification import service  # noqa: E402
from metacult.infra.db import create_pool  # noqa: E402
from metacult.infra.redis import create_redis  # noqa: E402

MIX = [
    ("vote", 45),
    ("like", 20),
    ("rate", 15),
    ("unlike", 5),
    ("status", 8),
    ("review", 4),
    ("follow", 3),
]


def make_event(kind: str, user: int, users: list[int], titles: list[int]) -> dict:
    media = random.choice(titles)
    about = {"user_id": user, "media_id": media, "kind": "film"}
    match kind:
        case "vote":
            name, data = (
                "ranking.vote_cast",
                {
                    "duel_id": random.randrange(1, 10**9),
                    "user_id": user,
                    "kind": "film",
                    "a_id": titles[0],
                    "b_id": titles[1],
                    "outcome": "a",
                    "winner_id": titles[0],
                    "loser_id": titles[1],
                    "cast_at": datetime.now(UTC).isoformat(),
                },
            )
        case "like":
            name, data = "interaction.liked", about
        case "unlike":
            name, data = "interaction.unliked", about
        case "rate":
            name, data = "interaction.rated", {**about, "rating": 4.0, "previous": None}
        case "status":
            name, data = (
                "interaction.status_changed",
                {
                    **about,
                    "status": "watched",
                    "previous": None,
                },
            )
        case "review":
            name, data = (
                "interaction.reviewed",
                {
                    **about,
                    "review_id": random.randrange(1, 10**9),
                    "spoiler": False,
                    "length": 300,
                },
            )
        case _:
            name, data = (
                "identity.followed",
                {
                    "follower_id": user,
                    "followee_id": random.choice(users),
                },
            )
    return {
        "id": str(uuid.uuid4()),
        "type": name,
        "version": 1,
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": data,
    }  # fmt: skip


def random_kind() -> str:
    return random.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    # The stack's database and Redis prefix only: the awarding runs in this process.
    stack = Stack(free_port())
    await stack.database.create()
    prefix = stack.env["REDIS_PREFIX"]
    settings = Settings.from_env(stack.env)
    db = await create_pool(settings)
    redis = create_redis(settings)
    try:
        async with db.acquire() as conn, conn.transaction():
            users = [
                await identity.create_user(conn, email=f"p{i}@bench.test", display_name=f"P{i}")
                for i in range(args.users)
            ]
            titles = []
            for i in range(200):
                draft = catalog.MediaDraft(
                    kind="film", title=f"Bench film {i}", genres=(f"g{i % 12}",)
                )
                titles.append(await catalog.save_title(conn, draft))

        events = [
            make_event(random_kind(), random.choice(users), users, titles)
            for _ in range(args.events)
        ]
        queue: asyncio.Queue[dict] = asyncio.Queue()
        for item in events:
            queue.put_nowait(item)

        async def award_all() -> None:
            while not queue.empty():
                await service.award_event(db, redis, settings, queue.get_nowait())

        started = time.perf_counter()
        await asyncio.gather(*(award_all() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started
        print(
            f"throughput: {args.events} events in {elapsed:.1f} s = {args.events / elapsed:.0f}/s"
        )

        latencies: list[float] = []
        pubsub = redis.pubsub()
        await pubsub.psubscribe(f"{prefix}:*user:*")
        sent: dict[int, list[float]] = {}

        async def listen() -> None:
            async for message in pubsub.listen():
                if message["type"] != "pmessage":
                    continue
                user = int(message["channel"].decode().rsplit(":", 1)[-1])
                if sent.get(user):
                    latencies.append(time.perf_counter() - sent[user].pop(0))

        listener = asyncio.create_task(listen())
        tasks = []
        deadline = time.perf_counter() + args.seconds
        while time.perf_counter() < deadline:
            user = random.choice(users)
            item = make_event("like", user, users, titles)
            sent.setdefault(user, []).append(time.perf_counter())
            tasks.append(asyncio.create_task(service.award_event(db, redis, settings, item)))
            await asyncio.sleep(1 / args.rate)
        await asyncio.gather(*tasks)
        await asyncio.sleep(0.5)
        listener.cancel()
        await pubsub.aclose()
        if latencies:
            latencies.sort()
            p99 = latencies[int(len(latencies) * 0.99) - 1]
            print(
                f"latency at {args.rate:.0f}/s: {len(latencies)} messages, "
                f"p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
            )
    finally:
        await redis.aclose()
        await db.close()
        await stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
