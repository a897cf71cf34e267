"""A title's counters on its ``media:{id}`` channel, once they are committed.

Two writers publish them. The web process that counted a like or a rating in its
transaction publishes at once after the commit: that is what watchers see, tens of
milliseconds after the click. ``update_media_stats`` recounts the title from its rows
afterwards and publishes what it finds; that reconciles a count that drifted (a history
import leaves its counting to the recount) and covers a web process that died between its
commit and its publication. Each publication carries the counter row's revision, and the
publish script drops one not newer than the last sent: watchers see each state once, and
never an older one after a newer (two likes committed in one order may reach Redis in the
other).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from metacult.config import Settings
from metacult.infra import pagecache
from metacult.interaction.service import MediaStats
from metacult.realtime import publish, sent_revision

log = logging.getLogger("metacult.interaction")

# The name of the counters' revision on their channel (``publish(revision=)``).
STATS = "stats"


def stats_channel(media_id: int) -> str:
    return f"media:{media_id}"


async def announce(redis: Redis, settings: Settings, stats: Sequence[MediaStats]) -> None:
    """Renew the titles' pages and the browse pages, then publish the titles' counters.

    In that order: a browser that reads a page again on the live message reads it renewed
    (the bump reaches every node's hub connection before the message)."""
    if not stats:
        return
    topics = [pagecache.media_topic(counted.media_id) for counted in stats]
    await pagecache.bump(redis, settings, [*topics, pagecache.BROWSE])
    for counted in stats:
        await publish(
            redis,
            settings,
            stats_channel(counted.media_id),
            counted.as_message(),
            revision=(STATS, counted.revision),
        )


async def unannounced(
    redis: Redis, settings: Settings, stats: Sequence[MediaStats]
) -> list[MediaStats]:
    """Those of ``stats`` whose revision is not known to be published (a recount that
    changed nothing after the web process published: nothing to renew, nothing to send).
    When Redis cannot tell, the counters are announced: at least once."""
    fresh = []
    for counted in stats:
        try:
            sent = await sent_revision(redis, settings, stats_channel(counted.media_id), STATS)
        except (RedisError, OSError):
            sent = None
        if sent is None or sent < counted.revision:
            fresh.append(counted)
    return fresh


async def announce_committed(redis: Redis, settings: Settings, stats: MediaStats | None) -> None:
    """The web process's publication of the counters its request committed. A failure is
    logged, not raised: the change is committed, and ``update_media_stats`` publishes it."""
    if stats is None:
        return
    try:
        await announce(redis, settings, [stats])
    except (RedisError, OSError) as exc:
        log.warning(
            "counters not published", extra={"media_id": stats.media_id, "error": repr(exc)}
        )
