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

import asyncio
import logging
from collections.abc import Sequence

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from metacult.config import Settings
from metacult.infra import pagecache
from metacult.interaction.service import MediaStats
from metacult.realtime import media_channel, publish, sent_revision

log = logging.getLogger("metacult.interaction")

# The name of the counters' revision on their channel (``publish(revision=)``).
STATS = "stats"


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
            media_channel(counted.media_id),
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
            sent = await sent_revision(redis, settings, media_channel(counted.media_id), STATS)
        except (RedisError, OSError):
            sent = None
        if sent is None or sent < counted.revision:
            fresh.append(counted)
    return fresh


class Announcer:
    """The web process's publication of the counters its requests committed, one title at
    a time: while a title's counters are being published, the newer ones committed
    meanwhile wait, and only the newest of them is published next. A burst of likes on one
    title (a hundred fans at once) costs a few publications, not one each, and its last
    state reaches the watchers sooner; counters are a state, and each message carries all
    of it. Each request answers once its state, or a newer one, is published (its reader
    reads the renewed page). A failure is logged, not raised: the change is committed, and
    ``update_media_stats`` publishes it."""

    def __init__(self) -> None:
        self._newest: dict[int, MediaStats] = {}
        self._waiting: dict[int, list[asyncio.Future[None]]] = {}
        self._publishers: dict[int, asyncio.Task[None]] = {}

    async def committed(self, redis: Redis, settings: Settings, stats: MediaStats | None) -> None:
        if stats is None:
            return
        media_id = stats.media_id
        waiting = self._newest.get(media_id)
        if waiting is None or waiting.revision < stats.revision:
            self._newest[media_id] = stats
        done = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(media_id, []).append(done)
        if media_id not in self._publishers:
            publisher = asyncio.ensure_future(self._publish(redis, settings, media_id))
            self._publishers[media_id] = publisher
        await done

    async def _publish(self, redis: Redis, settings: Settings, media_id: int) -> None:
        try:
            while (newest := self._newest.pop(media_id, None)) is not None:
                waiting = self._waiting.pop(media_id, [])
                try:
                    await announce(redis, settings, [newest])
                except (RedisError, OSError) as exc:
                    log.warning(
                        "counters not published", extra={"media_id": media_id, "error": repr(exc)}
                    )
                finally:
                    for done in waiting:
                        if not done.done():
                            done.set_result(None)
        finally:
            # Normally nothing is left; a cancelled publisher lets its waiters answer (the
            # recount's actor publishes what it did not).
            del self._publishers[media_id]
            self._newest.pop(media_id, None)
            for done in self._waiting.pop(media_id, []):
                if not done.done():
                    done.set_result(None)


ANNOUNCER = web.AppKey("interaction_announcer", Announcer)
