"""What live channels carried, for tests of every context (through realtime's surface),
and channels that refuse publications for a while (a failing Redis script)."""

from __future__ import annotations

from typing import Any

import orjson

from metacult import realtime
from metacult.realtime.publishing import history_key, meta_key


async def published(redis: Any, settings: Any, channel: str) -> list[dict[str, Any]]:
    """The data of every publication kept in a live channel's history, oldest first."""
    history = await realtime.history_after(redis, settings, channel, 0, limit=1000)
    return [orjson.loads(entry.frame)["data"] for entry in history.entries]


async def refuse_publications(redis: Any, settings: Any, channel: str) -> None:
    """Make every publication on ``channel`` fail until :func:`accept_publications` (its
    position is a string where the publish script reads a hash: Redis answers WRONGTYPE)."""
    await redis.set(meta_key(settings, channel), "refusing")


async def accept_publications(redis: Any, settings: Any, channel: str) -> None:
    """Publications on ``channel`` succeed again; its history starts over (a new epoch)."""
    await redis.delete(meta_key(settings, channel), history_key(settings, channel))
