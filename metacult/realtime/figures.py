"""Every web node's live figures, per second, kept in Redis so that any node can sum them.

Each hub records its figures (counters, and the rates since its previous record) in one
hash, field = the node, every ``realtime_dashboard_interval``. A node that stopped
recording for three intervals is gone and left out (and its field removed).
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from redis.asyncio import Redis

from metacult.config import Settings
from metacult.infra.redis import rkey

# Counters of a node that are added up across nodes; the others (lag) take the worst node.
_WORST = ("lag_last_seconds", "lag_mean_seconds")


def nodes_key(settings: Settings) -> str:
    return rkey(settings, "rt", "nodes")


def with_rates(
    figures: dict[str, float], previous: dict[str, float] | None, elapsed: float
) -> dict[str, float]:
    """``figures`` plus messages in / out and publications per second, and the mean
    publish-to-send lag, since ``previous`` (taken ``elapsed`` seconds before)."""
    result = dict(figures)
    for name, rate in (
        ("messages_in_total", "messages_in_per_second"),
        ("messages_out_total", "messages_out_per_second"),
        ("publications_total", "publications_per_second"),
    ):
        delta = figures.get(name, 0.0) - (previous or {}).get(name, 0.0)
        result[rate] = round(max(0.0, delta) / elapsed, 3) if previous and elapsed > 0 else 0.0
    count = figures.get("publish_to_send_seconds_count", 0.0)
    total = figures.get("publish_to_send_seconds_sum", 0.0)
    if previous:
        count -= previous.get("publish_to_send_seconds_count", 0.0)
        total -= previous.get("publish_to_send_seconds_sum", 0.0)
    result["lag_mean_seconds"] = round(total / count, 6) if count > 0 else 0.0
    return result


async def record(redis: Redis, settings: Settings, node: str, figures: dict[str, float]) -> None:
    """Keep this node's latest figures where every node reads them."""
    key = nodes_key(settings)
    value = orjson.dumps({"at": time.time(), "figures": figures})
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hset(key, node, value)
        pipe.expire(key, max(60, int(10 * settings.realtime_dashboard_interval)))
        await pipe.execute()


async def by_node(redis: Redis, settings: Settings) -> dict[str, dict[str, float]]:
    """The latest figures of every live node (those that recorded lately)."""
    key = nodes_key(settings)
    fresh_after = time.time() - 3 * max(settings.realtime_dashboard_interval, 1.0)
    nodes: dict[str, dict[str, float]] = {}
    gone: list[bytes] = []
    for node, value in (await redis.hgetall(key)).items():
        entry = orjson.loads(value)
        if entry["at"] < fresh_after:
            gone.append(node)
        else:
            nodes[node.decode()] = entry["figures"]
    if gone:
        await redis.hdel(key, *gone)
    return dict(sorted(nodes.items()))


def summed(nodes: dict[str, dict[str, float]]) -> dict[str, float]:
    """The figures of all nodes together: counts and rates added, lag the worst node's."""
    total: dict[str, float] = {}
    for figures in nodes.values():
        for name, value in figures.items():
            if name in _WORST:
                total[name] = max(total.get(name, 0.0), value)
            else:
                total[name] = total.get(name, 0.0) + value
    return total


async def live_figures(redis: Redis, settings: Settings) -> dict[str, Any]:
    """``{"nodes": {node: figures}, "total": figures}`` for the admin dashboard."""
    nodes = await by_node(redis, settings)
    return {"nodes": nodes, "total": summed(nodes)}
