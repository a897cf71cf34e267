"""What live channels carried, for tests of every context (through realtime's surface)."""

from __future__ import annotations

from typing import Any

import orjson

from metacult import realtime


async def published(redis: Any, settings: Any, channel: str) -> list[dict[str, Any]]:
    """The data of every publication kept in a live channel's history, oldest first."""
    history = await realtime.history_after(redis, settings, channel, 0, limit=1000)
    return [orjson.loads(entry.frame)["data"] for entry in history.entries]
