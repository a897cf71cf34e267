"""Actors of the platform itself: the end-to-end probe of the event pipeline."""

from __future__ import annotations

from typing import Any

import dramatiq

from metacult.infra.events import PROBED
from metacult.infra.redis import rkey
from workers.events import on_event
from workers.runtime import resources

PROBE_TTL_S = 300


@on_event(PROBED)
@dramatiq.actor(max_retries=3, time_limit=10_000, max_age=60_000)
async def acknowledge_probe(event: dict[str, Any]) -> None:
    """Answer a probe event: proves outbox → relay → broker → worker → Redis end to end."""
    res = await resources()
    probe = PROBED.payload_of(event)
    await res.redis.set(rkey(res.settings, "probe", event["id"]), probe.token, ex=PROBE_TTL_S)
