"""Discovery's actors: keep evidence and the follow graph from events ("Sync Graph"), put a
followed user's news in their followers' feeds live, compute neighbours ("Compute
Neighbors": a full run hourly, the changed titles every minute), renormalise trending."""

from __future__ import annotations

from typing import Any

import dramatiq

from metacult.discovery import service, store, trending
from metacult.identity import ACCOUNT_DELETED, FOLLOWED, UNFOLLOWED
from metacult.infra.events import claim
from metacult.interaction import (
    LIKED,
    RATED,
    REVIEW_DELETED,
    REVIEWED,
    STATUS_CHANGED,
    UNLIKED,
    UNRATED,
)
from metacult.ranking import VOTE_CAST
from workers import broker as broker
from workers.events import on_event
from workers.runtime import resources
from workers.schedule import every

EVIDENCE = (LIKED, UNLIKED, RATED, UNRATED, STATUS_CHANGED, REVIEWED, REVIEW_DELETED, VOTE_CAST)


@on_event(*EVIDENCE)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=3_600_000)
async def record_evidence(event: dict[str, Any]) -> None:
    """Keep what a like, rating, library move, review or duel vote says about taste, and
    count it in trending (idempotent by event id)."""
    res = await resources()
    kind = event["type"]
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "discovery.record_evidence", event["id"]):
            return
        if kind in (LIKED.name, UNLIKED.name):
            await service.note_like(conn, res.redis, res.settings, event, kind == LIKED.name)
        elif kind in (RATED.name, UNRATED.name):
            await service.note_rating(conn, res.redis, res.settings, event)
        elif kind == STATUS_CHANGED.name:
            await service.note_status(conn, res.redis, res.settings, event)
        elif kind in (REVIEWED.name, REVIEW_DELETED.name):
            await service.note_review(conn, res.redis, res.settings, event)
        elif kind == VOTE_CAST.name:
            await service.note_vote(conn, res.redis, res.settings, VOTE_CAST.payload_of(event))
        if event["data"].get("user_id") is not None:
            await service.feed_changed(res.redis, res.settings, event["data"]["user_id"])


@on_event(REVIEWED, RATED, STATUS_CHANGED)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=3_600_000)
async def tell_followers(event: dict[str, Any]) -> None:
    """A followed user's review, high rating or completion enters their followers' feeds,
    announced with ``discovery.feed_new`` on each follower's ``user:{id}``."""
    res = await resources()
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "discovery.tell_followers", event["id"]):
            return
        # Published before commit: a failed publish rolls the claim back (at least once).
        await service.tell_followers(conn, res.redis, res.settings, event)


@on_event(FOLLOWED, UNFOLLOWED)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=7 * 86_400_000)
async def sync_graph(event: dict[str, Any]) -> None:
    """Mirror who follows whom (the feed's source of friends' activity)."""
    res = await resources()
    follows = event["type"] == FOLLOWED.name
    payload = (FOLLOWED if follows else UNFOLLOWED).payload_of(event)
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "discovery.sync_graph", event["id"]):
            return
        await service.sync_follow(conn, payload.follower_id, payload.followee_id, follows)


@on_event(ACCOUNT_DELETED)
@dramatiq.actor(max_retries=10, time_limit=60_000, max_age=7 * 86_400_000)
async def forget_discovery_data(event: dict[str, Any]) -> None:
    """Forget a deleted account's evidence, duel votes, follows, dismissals and news."""
    res = await resources()
    user_id = ACCOUNT_DELETED.payload_of(event).user_id
    async with res.db.acquire() as conn, conn.transaction():
        if not await claim(conn, "discovery.forget_discovery_data", event["id"]):
            return
        await service.forget_user(conn, user_id)


@every(3600)
@dramatiq.actor(max_retries=3, time_limit=600_000, max_age=3_600_000)
async def compute_neighbours() -> None:
    """Recompute every title's neighbours from all evidence and swap them in at once."""
    res = await resources()
    await service.refresh_all_neighbours(res.db, res.redis, res.settings)


@every(60)
@dramatiq.actor(max_retries=3, time_limit=120_000, max_age=300_000)
async def refresh_changed_neighbours() -> None:
    """Recompute the neighbours of the titles whose evidence changed; announce new ones."""
    res = await resources()
    refresh = await service.refresh_changed_neighbours(res.db, res.redis, res.settings)
    if refresh is not None and refresh.gained:
        await service.announce_new_neighbours(res.db, res.redis, res.settings, refresh.gained)


@every(3600)
@dramatiq.actor(max_retries=3, time_limit=60_000, max_age=3_600_000)
async def renormalise_trending() -> None:
    """Fold trending's decay into its scores and drop titles that decayed to nothing;
    drop month-old feed news and week-old refresh records."""
    res = await resources()
    await trending.renormalise(res.redis, res.settings)
    async with res.db.acquire() as conn:
        await store.prune(conn)
