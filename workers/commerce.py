"""Commerce's actors: "Sync Offers" from the store feed and TMDB (hourly, or for given
titles), and the click stream written to PostgreSQL in batches."""

from __future__ import annotations

import dramatiq

from metacult import commerce
from workers import broker as broker
from workers.runtime import resources
from workers.schedule import every

MINUTE_MS = 60_000


@every(3600)
@dramatiq.actor(max_retries=3, time_limit=30 * MINUTE_MS, max_age=60 * MINUTE_MS)
async def sync_offers(media_ids: list[int] | None = None) -> None:
    """Refresh offers (every wanted or offered title, or ``media_ids``) and send the
    price-drop alerts; running twice sends no second alert the same day."""
    res = await resources()
    await commerce.sync_offers(res.db, res.redis, res.settings, media_ids)


@every(5)
@dramatiq.actor(max_retries=10, time_limit=MINUTE_MS, max_age=10 * MINUTE_MS)
async def record_clicks() -> None:
    """Write the affiliate clicks of the stream to PostgreSQL, a batch at a time."""
    res = await resources()
    while await commerce.record_clicks(res.db, res.redis, res.settings):
        pass
