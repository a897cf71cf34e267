"""Ranking's actors: apply each vote to the Glicko-2 ratings; snapshot and audit nightly."""

from __future__ import annotations

from typing import Any

import dramatiq

from metacult.identity import ACCOUNT_DELETED
from metacult.ranking import VOTE_CAST, service
from workers import broker as broker
from workers.events import on_event
from workers.runtime import resources
from workers.schedule import every


@on_event(VOTE_CAST)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=3_600_000)
async def update_ratings(event: dict[str, Any]) -> None:
    """Play the vote's game on both titles (idempotent by event id) and move the boards."""
    res = await resources()
    await service.apply_vote(res.db, res.redis, res.settings, event, state=res.ranking)


@every(5)
@dramatiq.actor(max_retries=0, time_limit=30_000, max_age=10_000)
async def publish_held_rank_moves() -> None:
    """Publish rank moves held for a flush that never came (a worker killed while holding)."""
    res = await resources()
    await service.publish_held_moves(res.redis, res.settings, state=res.ranking)


@on_event(ACCOUNT_DELETED, consumer="ranking.forget_user")
@dramatiq.actor(max_retries=10, time_limit=60_000, max_age=7 * 86_400_000)
async def forget_deleted_voter(event: dict[str, Any]) -> None:
    """Purge a deleted account's personal ranking, unknown titles and open duels."""
    res = await resources()
    user_id = ACCOUNT_DELETED.payload_of(event).user_id
    await service.forget_user(res.db, res.redis, res.settings, user_id, event["id"])


@every(86_400)
@dramatiq.actor(max_retries=3, time_limit=600_000, max_age=3_600_000)
async def audit_leaderboards() -> None:
    """Snapshot today's ranks (movement since yesterday), refit Bradley-Terry, report drift."""
    res = await resources()
    await service.snapshot_leaderboards(res.db, res.redis, res.settings)
    await service.audit_drift(res.db, res.redis, res.settings)
