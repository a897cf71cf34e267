"""Gamification's actors: award XP, badges and streaks from domain events; close the weekly
leagues, refresh badge rarity, audit XP counters and feed the admin dashboard."""

from __future__ import annotations

from typing import Any

import dramatiq

from metacult import identity, interaction, ranking
from metacult.gamification import service
from workers import broker as broker
from workers.events import on_event
from workers.runtime import resources
from workers.schedule import every

AWARDED = (
    interaction.LIKED,
    interaction.UNLIKED,
    interaction.RATED,
    interaction.UNRATED,
    interaction.STATUS_CHANGED,
    interaction.REVIEWED,
    interaction.REVIEW_DELETED,
    interaction.REVIEW_HIDDEN,
    interaction.REVIEW_LIKED,
    interaction.REVIEW_UNLIKED,
    ranking.VOTE_CAST,
    identity.SIGNED_UP,
    identity.FOLLOWED,
    identity.UNFOLLOWED,
)


@on_event(*AWARDED)
@dramatiq.actor(max_retries=10, time_limit=30_000, max_age=86_400_000)
async def award_xp(event: dict[str, Any]) -> None:
    """Write the event's ledger rows (once per source), then badges, streak, level, league."""
    res = await resources()
    await service.award_event(res.db, res.redis, res.settings, event)


@on_event(identity.ACCOUNT_DELETED, consumer="gamification.forget_user")
@dramatiq.actor(max_retries=10, time_limit=60_000, max_age=7 * 86_400_000)
async def forget_deleted_player(event: dict[str, Any]) -> None:
    """Purge a deleted account's ledger, badges, counters and league places."""
    res = await resources()
    user_id = identity.ACCOUNT_DELETED.payload_of(event).user_id
    await service.forget_user(res.db, res.redis, res.settings, user_id, event["id"])


@every(60)
@dramatiq.actor(max_retries=3, time_limit=300_000, max_age=3_600_000)
async def close_league_weeks() -> None:
    """Close the leagues of ended weeks (Monday 00:00 UTC): promotions, demotions, results."""
    res = await resources()
    await service.close_weeks(res.db, res.redis, res.settings)


@every(3_600)
@dramatiq.actor(max_retries=3, time_limit=300_000, max_age=3_600_000)
async def refresh_badge_rarity() -> None:
    """Each badge's share of the users active in the last 30 days."""
    res = await resources()
    await service.refresh_rarity(res.db)


@every(86_400)
@dramatiq.actor(max_retries=3, time_limit=600_000, max_age=3_600_000)
async def audit_xp_totals() -> None:
    """Check every user's XP counter against the ledger's sum; correct and report drift."""
    res = await resources()
    await service.audit_totals(res.db)


@every(60)
@dramatiq.actor(max_retries=0, time_limit=30_000, max_age=60_000)
async def publish_award_stats() -> None:
    """XP awarded per minute and badges earned today, on ``admin:dashboard``."""
    res = await resources()
    await service.publish_dashboard(res.db, res.redis, res.settings)
