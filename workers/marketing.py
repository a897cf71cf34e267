"""Marketing's actor: the ad event stream (impressions, billed clicks) written to
PostgreSQL in batches, the spend moved, and the live ad counters on ``admin:dashboard``."""

from __future__ import annotations

import dramatiq

from metacult import marketing
from workers import broker as broker
from workers.runtime import resources
from workers.schedule import every

MINUTE_MS = 60_000


@every(5)
@dramatiq.actor(max_retries=10, time_limit=MINUTE_MS, max_age=10 * MINUTE_MS)
async def record_ad_events() -> None:
    """Count the stream's impressions and clicks, move the campaigns' spend (a campaign
    stops at its total budget), then publish the live ad counters."""
    res = await resources()
    while await marketing.record_events(res.db, res.redis, res.settings):
        pass
    await marketing.publish_dashboard(res.db, res.redis, res.settings)
