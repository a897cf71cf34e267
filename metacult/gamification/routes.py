"""Gamification's HTTP endpoints: progress, badges, leagues, and the admins' tools."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal

import pydantic
from aiohttp import web

from metacult import identity
from metacult.gamification import rules, service
from metacult.infra.auth import Principal
from metacult.infra.errors import NotFound
from metacult.infra.web import Api, IdPath, Schema
from metacult.typedefs import DB, REDIS, SETTINGS, USER_DATA_EXPORTERS

api = Api("gamification")

Tier = Literal["bronze", "silver", "gold"]


class UserNotFound(NotFound):
    """No such user."""

    code = "user_not_found"


class UnknownBadge(NotFound):
    """No such badge."""

    code = "unknown_badge"


class LeagueNotFound(NotFound):
    """No such league."""

    code = "league_not_found"


class LeagueRef(Schema):
    id: int
    tier: int
    tier_name: str
    week: date
    ends_at: datetime
    channel: str


class ProgressOut(Schema):
    """XP, level (with the XP into it and needed for the next), streak and league."""

    user_id: int
    xp: int
    level: int
    level_name: str
    xp_into_level: int
    xp_for_next: int
    streak_days: int
    best_streak: int
    streak_freezes: int
    last_active_day: date | None
    week_xp: int
    tier: int
    tier_name: str
    league: LeagueRef | None
    badges: int


class BadgeOut(Schema):
    id: str
    name: str
    description: str
    icon: str
    tier: Tier
    secret: bool
    xp: int
    # Share of the users active in the last 30 days who hold it, in percent.
    rarity: float | None
    earned_at: datetime | None = None
    hidden: bool = False


class BadgeListOut(Schema):
    items: list[BadgeOut]


class StandingOut(Schema):
    rank: int
    user_id: int
    display_name: str
    xp: int
    # Where the rank stands now: promoted, demoted or stayed when the week closes.
    zone: Literal["promoted", "demoted", "stayed"]
    result: Literal["promoted", "demoted", "stayed"] | None


class LeagueOut(Schema):
    id: int
    week: date
    tier: int
    tier_name: str
    ends_at: datetime
    closed: bool
    channel: str
    standings: list[StandingOut]


class MyLeagueOut(Schema):
    """This week's league, or None before the first XP of the week."""

    league: LeagueOut | None


class StatsOut(Schema):
    xp_awarded_24h: int
    xp_taken_back_24h: int
    users_24h: int
    badges_today: dict[str, int]


class BadgePath(Schema):
    id: int = pydantic.Field(ge=1, le=2**63 - 1)
    badge_id: str = pydantic.Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")


class BadgeChangeOut(Schema):
    changed: bool


def _ends(week: date) -> datetime:
    return datetime.combine(week + timedelta(days=7), datetime.min.time(), tzinfo=UTC)


def _progress_out(progress: service.Progress) -> ProgressOut:
    league = None
    if progress.league_id is not None:
        week = rules.week_of(datetime.now(UTC))
        league = LeagueRef(
            id=progress.league_id,
            tier=progress.tier,
            tier_name=rules.TIERS[progress.tier],
            week=week,
            ends_at=_ends(week),
            channel=f"leaderboard:league:{progress.league_id}",
        )
    return ProgressOut(
        user_id=progress.user_id,
        xp=progress.xp,
        level=progress.level.level,
        level_name=progress.level.name,
        xp_into_level=progress.level.xp_into_level,
        xp_for_next=progress.level.xp_for_next,
        streak_days=progress.streak_days,
        best_streak=progress.best_streak,
        streak_freezes=progress.freezes,
        last_active_day=progress.last_active_day,
        week_xp=progress.week_xp,
        tier=progress.tier,
        tier_name=rules.TIERS[progress.tier],
        league=league,
        badges=progress.badges,
    )


async def _existing_user(request: web.Request, user_id: int) -> None:
    async with request.app[DB].acquire() as conn:
        if user_id not in await identity.user_summaries(conn, [user_id]):
            raise UserNotFound()


@api.get("/api/v1/me/progress", reply=ProgressOut)
async def my_progress(request: web.Request, user: Principal) -> ProgressOut:
    """Your XP, level, streak, badges count and this week's league."""
    return _progress_out(await service.progress(request.app[DB], user.user_id))


@api.get("/api/v1/users/{id}/progress", auth="public", path_params=IdPath, reply=ProgressOut)
async def user_progress(request: web.Request, path: IdPath) -> ProgressOut:
    """A user's XP, level, streak and league, as their public profile shows them."""
    await _existing_user(request, path.id)
    return _progress_out(await service.progress(request.app[DB], path.id))


@api.get("/api/v1/badges", auth="public", reply=BadgeListOut)
async def badges(request: web.Request, user: Principal | None) -> BadgeListOut:
    """Every badge with its rarity (secret ones hidden until you earn them)."""
    views = await service.all_badges(request.app[DB], user.user_id if user else None)
    return BadgeListOut(items=[BadgeOut.model_validate(view) for view in views])


@api.get("/api/v1/users/{id}/badges", auth="public", path_params=IdPath, reply=BadgeListOut)
async def user_badges(request: web.Request, path: IdPath) -> BadgeListOut:
    """The badges a user has earned, oldest first, with their rarity."""
    await _existing_user(request, path.id)
    views = await service.user_badges(request.app[DB], path.id)
    return BadgeListOut(items=[BadgeOut.model_validate(view) for view in views])


def _league_out(view: service.LeagueView) -> LeagueOut:
    return LeagueOut(
        id=view.id,
        week=view.week,
        tier=view.tier,
        tier_name=rules.TIERS[view.tier],
        ends_at=_ends(view.week),
        closed=view.closed,
        channel=f"leaderboard:league:{view.id}",
        standings=[StandingOut.model_validate(s, from_attributes=True) for s in view.standings],
    )


@api.get("/api/v1/me/league", reply=MyLeagueOut)
async def my_league(request: web.Request, user: Principal) -> MyLeagueOut:
    """This week's league table (live on ``leaderboard:league:{id}``)."""
    progress = await service.progress(request.app[DB], user.user_id)
    if progress.league_id is None:
        return MyLeagueOut(league=None)
    view = await service.league_view(request.app[DB], progress.league_id)
    return MyLeagueOut(league=_league_out(view) if view else None)


@api.get("/api/v1/leagues/{id}", auth="public", path_params=IdPath, reply=LeagueOut)
async def league(request: web.Request, path: IdPath) -> LeagueOut:
    """A weekly league's table, best first, with each rank's promotion zone."""
    view = await service.league_view(request.app[DB], path.id)
    if view is None:
        raise LeagueNotFound()
    return _league_out(view)


@api.get("/api/v1/admin/gamification/stats", auth="admin", reply=StatsOut)
async def award_stats(request: web.Request) -> StatsOut:
    """XP awarded and taken back in the last 24 hours, and the badges earned today."""
    now = datetime.now(UTC)
    figures = await service.stats(request.app[DB], now - timedelta(days=1), now)
    return StatsOut(
        xp_awarded_24h=figures.xp_awarded,
        xp_taken_back_24h=figures.xp_taken_back,
        users_24h=figures.users,
        badges_today=figures.badges_today,
    )


@api.put(
    "/api/v1/admin/users/{id}/badges/{badge_id}",
    auth="admin",
    path_params=BadgePath,
    reply=BadgeChangeOut,
)
async def grant_badge(request: web.Request, path: BadgePath, user: Principal) -> BadgeChangeOut:
    """Grant a badge by hand (the user gets its XP and is told)."""
    await _existing_user(request, path.id)
    app = request.app
    try:
        changed = await service.grant_badge(
            app[DB], app[REDIS], app[SETTINGS], path.id, path.badge_id, user.user_id
        )
    except service.BadgeNotFound:
        raise UnknownBadge() from None
    return BadgeChangeOut(changed=changed)


@api.delete(
    "/api/v1/admin/users/{id}/badges/{badge_id}",
    auth="admin",
    path_params=BadgePath,
    reply=BadgeChangeOut,
)
async def revoke_badge(request: web.Request, path: BadgePath) -> BadgeChangeOut:
    """Revoke a wrongly earned badge (its XP is taken back and the user is told)."""
    await _existing_user(request, path.id)
    app = request.app
    try:
        changed = await service.revoke_badge(
            app[DB], app[REDIS], app[SETTINGS], path.id, path.badge_id
        )
    except service.BadgeNotFound:
        raise UnknownBadge() from None
    return BadgeChangeOut(changed=changed)


def setup(app: web.Application) -> None:
    """Register the endpoints and the user data exporter."""
    api.register(app)
    app.setdefault(USER_DATA_EXPORTERS, {})["gamification"] = service.export_user_data
