"""Gamification's use cases: award XP from domain events, level-ups, badges, streaks and
weekly leagues; what the pages read; the nightly audit, rarity and the week's closing.

Every award runs in one transaction that first locks the progress rows of the users it
touches, in ascending id order (so two awards never deadlock), then writes ledger rows
keyed by their source, then the counters, badges and totals that follow from them.
"""

from __future__ import annotations

import logging
import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from redis.asyncio import Redis

from metacult import catalog, identity
from metacult.config import Settings
from metacult.gamification import rules, store
from metacult.gamification.actions import Act, acts_of
from metacult.infra.events import claim
from metacult.infra.redis import rkey
from metacult.realtime import publish

log = logging.getLogger("metacult.gamification")

CONSUMER = "gamification.award_xp"
# Derived counters: how many counters of a prefix are positive, or the largest of them.
DERIVED = {
    "genre:": ("genres_rated", "positive"),
    "review_likes:": ("best_review_likes", "largest"),
}
WEEKLY_BOARD_TTL = 21 * 86_400
ACTIVE_DAYS = 30


@dataclass
class Outcome:
    """What one award transaction changed for one user (what the live messages say)."""

    user_id: int
    xp: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    level_before: int = 1
    level: int = 1
    total: int = 0
    badges: list[rules.Badge] = field(default_factory=list)
    streak: rules.StreakChange | None = None
    # The latest week the user earned in, and its XP (the progress row's figures).
    week: date | None = None
    week_xp: int = 0
    # Each week this award changed: its XP total, and the league it counts in.
    weeks: dict[date, int] = field(default_factory=dict)
    leagues: dict[date, int] = field(default_factory=dict)
    # The user's timezone, and the counters changed so far (what badge rules to evaluate).
    tz: zoneinfo.ZoneInfo = field(default_factory=lambda: zoneinfo.ZoneInfo("UTC"))
    changed: set[str] = field(default_factory=set)
    # When what is being awarded happened (badges it earns are dated by it).
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class BadgeNotFound(LookupError):
    """No badge has this id."""


# Awarding.


async def award_event(
    db: asyncpg.Pool, redis: Redis, settings: Settings, event: dict[str, Any]
) -> None:
    """Apply one domain event (idempotent by event id and by ledger source) and publish."""
    occurred_at = datetime.fromisoformat(event["occurred_at"])
    acts = acts_of(event["type"], event["data"], occurred_at)
    async with db.acquire() as conn, conn.transaction():
        # Awards commit without waiting for the disk: a crash may lose the last ones, and
        # their claims with them, so the outbox sends those events again (nothing is lost;
        # the outbox's own synchronous commits flush these before it forgets an event).
        await conn.execute("SET LOCAL synchronous_commit TO off")
        if not await claim(conn, CONSUMER, event["id"]):
            return
        if not acts:
            return
        outcomes = await apply_acts(conn, acts, source=str(event["id"]), occurred_at=occurred_at)
        # Published before commit: a failed publish rolls the claim back and the retry
        # publishes again (at least once), as the other contexts' actors do.
        await announce(redis, settings, outcomes)


async def apply_acts(
    conn: asyncpg.Connection, acts: list[Act], *, source: str, occurred_at: datetime
) -> list[Outcome]:
    """Write the acts' ledger rows and what follows (counters, streak, badges, totals)."""
    await store.lock_users(conn, [act.user_id for act in acts])
    outcomes: dict[int, Outcome] = {}
    for act in acts:
        outcome = outcomes.get(act.user_id)
        if outcome is None:
            outcome = outcomes[act.user_id] = await _begin(conn, act.user_id, occurred_at)
        await _apply(conn, outcome, act, source, occurred_at)
    for outcome in outcomes.values():
        await _settle(conn, outcome)
    return list(outcomes.values())


async def _begin(conn: asyncpg.Connection, user_id: int, at: datetime) -> Outcome:
    row = await store.progress(conn, user_id)
    outcome = Outcome(
        user_id, level_before=row["level"], level=row["level"], total=row["xp"], at=at
    )
    outcome.week, outcome.week_xp = row["week"], row["week_xp"]
    outcome.tz = zoneinfo.ZoneInfo(await identity.user_timezone(conn, user_id))
    return outcome


async def _apply(
    conn: asyncpg.Connection, outcome: Outcome, act: Act, source: str, occurred_at: datetime
) -> None:
    local = occurred_at.astimezone(outcome.tz)
    counts = act.counts
    if act.media_id is not None and act.state is not None:
        summaries = await catalog.media_summaries(conn, [act.media_id])
        if act.media_id in summaries:
            counts = counts | {f"genre:{slug}" for slug in summaries[act.media_id].genres}
    written = await _write(
        conn, outcome, act, f"{source}:{act.action}:{act.subject}", local, occurred_at, counts
    )
    if not written or not act.active:
        return
    if local.hour in rules.NIGHT_HOURS:
        await store.add_to_counters(conn, outcome.user_id, {"night_actions": 1})
        outcome.changed.add("night_actions")
    await _record_day(conn, outcome, local, occurred_at)


async def _write(
    conn: asyncpg.Connection,
    outcome: Outcome,
    act: Act,
    source: str,
    local: datetime,
    occurred_at: datetime,
    counts: frozenset[str],
) -> bool:
    """One ledger row for a subject; False when its source was already written."""
    if await store.source_taken(conn, source):
        return False
    state = await store.subject_state(conn, act.user_id, act.action, act.subject)
    held_counts = set(filter(None, (state["counts"] or "").split(",")))
    day, week = local.date(), rules.week_of(occurred_at)
    late = state["last_at"] is not None and occurred_at < state["last_at"]
    stale = act.reverses is not None and state["state"] != act.reverses
    if late or stale:
        # Older than what the ledger knows of the subject, or a reversal of something it
        # no longer holds: no XP, the subject unchanged, its source kept so that it is
        # never applied again.
        await store.insert_entry(
            conn,
            user_id=act.user_id,
            source=source,
            action=act.action,
            subject=act.subject,
            target=state["target"] or 0,
            xp=0,
            state=state["state"],
            counts=sorted(held_counts),
            day=day,
            week=week,
            occurred_at=occurred_at,
        )
        return True
    rule = rules.RULES.get(act.action)
    earned_today = await store.earned_on(conn, act.user_id, act.action, day)
    xp = rules.capped_award(
        act.target, state["held"], earned_today, rule.daily_cap if rule else None
    )
    new_counts = set(counts) if act.state is not None else set()
    await store.insert_entry(
        conn,
        user_id=act.user_id,
        source=source,
        action=act.action,
        subject=act.subject,
        target=act.target,
        xp=xp,
        state=act.state,
        counts=sorted(new_counts),
        day=day,
        week=week,
        occurred_at=occurred_at,
    )
    deltas = {name: 1 for name in new_counts - held_counts}
    deltas.update({name: -1 for name in held_counts - new_counts})
    await store.add_to_counters(conn, act.user_id, deltas)
    outcome.changed.update(deltas)
    _gain(outcome, act.action, xp, week)
    return True


def _gain(outcome: Outcome, action: str, xp: int, week: date) -> None:
    if not xp:
        return
    outcome.xp += xp
    outcome.total += xp
    outcome.actions[action] = outcome.actions.get(action, 0) + xp
    outcome.weeks.setdefault(week, 0)
    if outcome.week is None or week > outcome.week:
        outcome.week, outcome.week_xp = week, xp
    elif week == outcome.week:
        outcome.week_xp += xp


async def _record_day(
    conn: asyncpg.Connection, outcome: Outcome, local: datetime, occurred_at: datetime
) -> None:
    row = await store.progress(conn, outcome.user_id)
    streak = rules.Streak(
        row["streak_days"],
        row["best_streak"],
        row["last_active_day"],
        row["freezes"],
        row["freeze_week"],
    )
    change = rules.record_activity(streak, local.date())
    if not change.new_day:
        return
    new = change.streak
    await store.save_streak(
        conn,
        outcome.user_id,
        days=new.days,
        best=new.best,
        last_day=new.last_day,
        freezes=new.freezes,
        freeze_week=new.freeze_week,
    )
    outcome.streak = change
    await store.set_counters(conn, outcome.user_id, {"best_streak": new.best})
    outcome.changed.add("best_streak")
    bonus = Act(
        outcome.user_id,
        "daily",
        f"day:{local.date().isoformat()}",
        rules.RULES["daily"].xp,
        "active",
    )
    await _write(
        conn,
        outcome,
        bonus,
        f"daily:{outcome.user_id}:{local.date().isoformat()}",
        local,
        occurred_at,
        frozenset(),
    )


async def _settle(conn: asyncpg.Connection, outcome: Outcome) -> None:
    """Derived counters, badges (and their XP, and the level badge), totals, league."""
    changed, outcome.changed = outcome.changed, set()
    for _ in range(len(rules.BADGES) + 1):
        for prefix, (name, how) in DERIVED.items():
            if any(counter.startswith(prefix) for counter in changed):
                summary = await store.prefixed_summary(conn, outcome.user_id, prefix)
                await store.set_counters(conn, outcome.user_id, {name: summary[how]})
                changed.add(name)
        outcome.level = rules.level_of(outcome.total)
        if outcome.level != outcome.level_before:
            await store.set_counters(conn, outcome.user_id, {"level": outcome.level})
            changed.add("level")
        if not changed:
            break
        counters = await store.counters(conn, outcome.user_id)
        reached = rules.badges_reached(counters, changed)
        changed = set()
        for badge in reached:
            if await store.insert_badge(conn, outcome.user_id, badge.id) is None:
                continue
            outcome.badges.append(badge)
            await _badge_xp(conn, outcome, badge, rules.BADGE_XP[badge.tier], outcome.at)
    for week in outcome.weeks:
        outcome.weeks[week] = await store.week_sum(conn, outcome.user_id, week)
        if week == outcome.week:
            outcome.week_xp = outcome.weeks[week]
        await _join_league(conn, outcome, week)
    await store.save_totals(
        conn,
        outcome.user_id,
        xp=outcome.total,
        level=outcome.level,
        week=outcome.week or rules.week_of(outcome.at),
        week_xp=outcome.week_xp,
    )


async def _badge_xp(
    conn: asyncpg.Connection, outcome: Outcome, badge: rules.Badge, target: int, at: datetime
) -> None:
    """The badge's XP (target: its tier's, or 0 when revoked), keyed by this grant."""
    act = Act(outcome.user_id, "badge", f"badge:{badge.id}", target, "earned" if target else None)
    await _write(conn, outcome, act, f"badge:{uuid.uuid4()}", at, at, frozenset())


async def _join_league(conn: asyncpg.Connection, outcome: Outcome, week: date) -> None:
    """Count the week's XP in the user's league of that week (placed at their first XP of
    it); a closed league, or a week before last, is left as it is."""
    week_xp = outcome.weeks[week]
    member = await store.membership(conn, outcome.user_id, week)
    if member is None:
        if week_xp <= 0 or week < rules.week_of(datetime.now(UTC)) - timedelta(days=7):
            return
        row = await store.progress(conn, outcome.user_id)
        league_id = await store.place_in_league(
            conn, outcome.user_id, week, row["tier"], rules.LEAGUE_SIZE
        )
    elif member["closed_at"] is not None:
        return
    else:
        league_id = member["league_id"]
    await store.set_member_xp(conn, outcome.user_id, week, week_xp)
    outcome.leagues[week] = league_id


# Live messages.


async def announce(redis: Redis, settings: Settings, outcomes: list[Outcome]) -> None:
    """Publish each user's XP, level-up, badges and streak on ``user:{id}``, and the moves
    of their weekly boards."""
    for outcome in outcomes:
        channel = f"user:{outcome.user_id}"
        level = rules.level_progress(outcome.total)
        if outcome.xp:
            await publish(
                redis,
                settings,
                channel,
                {
                    "type": "gamification.xp",
                    "gained": outcome.xp,
                    "actions": outcome.actions,
                    "xp": outcome.total,
                    "level": level.level,
                    "xp_into_level": level.xp_into_level,
                    "xp_for_next": level.xp_for_next,
                },
            )
        if outcome.level > outcome.level_before:
            await publish(
                redis,
                settings,
                channel,
                {"type": "gamification.level_up", "level": level.level, "name": level.name},
            )
        for badge in outcome.badges:
            await publish(
                redis, settings, channel, {"type": "gamification.badge", "badge": badge_view(badge)}
            )
        change = outcome.streak
        if change is not None and (change.milestone or change.broken_from or change.freezes_spent):
            await publish(
                redis,
                settings,
                channel,
                {
                    "type": "gamification.streak",
                    "days": change.streak.days,
                    "milestone": change.milestone,
                    "broken_from": change.broken_from,
                    "freezes_spent": change.freezes_spent,
                    "freezes": change.streak.freezes,
                },
            )
        if outcome.xp:
            await _move_boards(redis, settings, outcome)


async def _move_boards(redis: Redis, settings: Settings, outcome: Outcome) -> None:
    current = rules.week_of(datetime.now(UTC))
    for week, week_xp in outcome.weeks.items():
        boards = []
        if week == current:
            boards.append((rkey(settings, "gamification", "weekly", week.isoformat()), "xp:weekly"))
        if week in outcome.leagues:
            league_id = outcome.leagues[week]
            boards.append((league_key(settings, league_id), f"league:{league_id}"))
        for key, scope in boards:
            await _move(redis, settings, key, scope, outcome.user_id, week_xp)


async def _move(
    redis: Redis, settings: Settings, key: str, scope: str, user_id: int, week_xp: int
) -> None:
    before = await redis.zrevrank(key, user_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zadd(key, {str(user_id): week_xp})
        pipe.expire(key, WEEKLY_BOARD_TTL)
        pipe.zrevrank(key, user_id)
        after = (await pipe.execute())[-1]
    move = {
        "user_id": user_id,
        "from": None if before is None else before + 1,
        "to": after + 1,
        "xp": week_xp,
    }
    await publish(
        redis,
        settings,
        f"leaderboard:{scope}",
        {"type": "gamification.rank_moves", "scope": scope, "moves": [move]},
    )


def league_key(settings: Settings, league_id: int) -> str:
    return rkey(settings, "gamification", "league", str(league_id))


# Reads.


def badge_view(badge: rules.Badge, rarity: float | None = None) -> dict[str, Any]:
    return {
        "id": badge.id,
        "name": badge.name,
        "description": badge.description,
        "icon": badge.icon,
        "tier": badge.tier,
        "secret": badge.secret,
        "xp": rules.BADGE_XP[badge.tier],
        "rarity": rarity,
    }


@dataclass(frozen=True)
class Progress:
    user_id: int
    xp: int
    level: rules.Level
    streak_days: int
    best_streak: int
    freezes: int
    last_active_day: date | None
    week_xp: int
    tier: int
    league_id: int | None
    badges: int


async def progress(db: asyncpg.Pool, user_id: int, now: datetime | None = None) -> Progress:
    now = now or datetime.now(UTC)
    async with db.acquire() as conn:
        row = store.as_dict(await store.progress(conn, user_id))
        tz = zoneinfo.ZoneInfo(await identity.user_timezone(conn, user_id))
        week = rules.week_of(now)
        member = await store.membership(conn, user_id, week)
        badges = len(await store.badges_of(conn, user_id))
    streak = rules.Streak(
        row.get("streak_days", 0),
        row.get("best_streak", 0),
        row.get("last_active_day"),
        row.get("freezes", 0),
        row.get("freeze_week"),
    )
    xp = row.get("xp", 0)
    return Progress(
        user_id=user_id,
        xp=xp,
        level=rules.level_progress(xp),
        streak_days=rules.current_streak(streak, now.astimezone(tz).date()),
        best_streak=streak.best,
        freezes=streak.freezes,
        last_active_day=streak.last_day,
        week_xp=row.get("week_xp", 0) if row.get("week") == week else 0,
        tier=row.get("tier", 0),
        league_id=member["league_id"] if member else None,
        badges=badges,
    )


async def user_level(conn: asyncpg.Connection, user_id: int) -> int:
    """A user's level (1 before any XP)."""
    row = await store.progress(conn, user_id)
    return rules.level_of(row["xp"]) if row else 1


async def all_badges(db: asyncpg.Pool, viewer_id: int | None) -> list[dict[str, Any]]:
    """Every badge with its rarity; a secret one reads as hidden until the viewer holds it."""
    async with db.acquire() as conn:
        rarity = await store.rarities(conn)
        held = {}
        if viewer_id is not None:
            held = {r["badge_id"]: r["earned_at"] for r in await store.badges_of(conn, viewer_id)}
    views = []
    for badge in rules.BADGES:
        view = badge_view(badge, rarity.get(badge.id, 0.0))
        view["earned_at"] = held.get(badge.id)
        view["hidden"] = badge.secret and badge.id not in held
        if view["hidden"]:
            view.update(name="Secret badge", description="Keep playing to find out.", icon="❔")
        views.append(view)
    return views


async def user_badges(db: asyncpg.Pool, user_id: int) -> list[dict[str, Any]]:
    async with db.acquire() as conn:
        rarity = await store.rarities(conn)
        rows = await store.badges_of(conn, user_id)
    views = []
    for row in rows:
        badge = rules.BADGES_BY_ID.get(row["badge_id"])
        if badge is not None:
            views.append(
                {**badge_view(badge, rarity.get(badge.id, 0.0)), "earned_at": row["earned_at"]}
            )
    return views


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: int
    display_name: str
    xp: int
    zone: str
    result: str | None


@dataclass(frozen=True)
class LeagueView:
    id: int
    week: date
    tier: int
    closed: bool
    standings: list[Standing]


async def league_view(db: asyncpg.Pool, league_id: int) -> LeagueView | None:
    async with db.acquire() as conn:
        league = await store.league(conn, league_id)
        if league is None:
            return None
        rows = await store.standings(conn, league_id)
        names = await identity.user_summaries(conn, [row["user_id"] for row in rows])
    zones = rules.league_results(len(rows), league["tier"])
    standings = [
        Standing(
            rank=index + 1,
            user_id=row["user_id"],
            display_name=names.get(row["user_id"], {}).get(
                "display_name", identity.DELETED_USER_NAME
            ),
            xp=row["xp"],
            zone=zones[index],
            result=row["result"],
        )
        for index, row in enumerate(rows)
    ]
    return LeagueView(
        league_id, league["week"], league["tier"], league["closed_at"] is not None, standings
    )


# Scheduled jobs.


async def close_weeks(
    db: asyncpg.Pool, redis: Redis, settings: Settings, now: datetime | None = None
) -> int:
    """Close every league of a week that has ended: promote the top, demote the bottom,
    keep the ranks and results, tell each member. Idempotent: a league closes once."""
    current = rules.week_of(now or datetime.now(UTC))
    async with db.acquire() as conn:
        league_ids = await store.leagues_to_close(conn, current)
    closed = 0
    for league_id in league_ids:
        async with db.acquire() as conn, conn.transaction():
            league = await store.claim_league_closing(conn, league_id)
            if league is None:
                continue
            rows = await store.standings(conn, league_id)
            await store.lock_users(conn, [row["user_id"] for row in rows])
            results = rules.league_results(len(rows), league["tier"])
            messages = []
            for rank, (row, result) in enumerate(zip(rows, results, strict=True), start=1):
                await store.set_result(conn, league_id, row["user_id"], rank, result)
                tier = rules.next_tier(league["tier"], result)
                await store.set_tier(conn, row["user_id"], tier)
                if result == "promoted":
                    await store.add_to_counters(conn, row["user_id"], {"promotions": 1})
                messages.append((row["user_id"], rank, result, tier))
            for user_id, rank, result, tier in messages:
                await publish(
                    redis,
                    settings,
                    f"user:{user_id}",
                    {
                        "type": "gamification.league_result",
                        "league_id": league_id,
                        "week": league["week"].isoformat(),
                        "rank": rank,
                        "result": result,
                        "tier": tier,
                        "tier_name": rules.TIERS[tier],
                    },
                )
            closed += 1
    if closed:
        log.info("league weeks closed", extra={"leagues": closed})
    return closed


async def refresh_rarity(db: asyncpg.Pool, now: datetime | None = None) -> int:
    """Each badge's share of the users active in the last 30 days; the active count."""
    since = (now or datetime.now(UTC)) - timedelta(days=ACTIVE_DAYS)
    async with db.acquire() as conn:
        return await store.refresh_rarity(conn, [badge.id for badge in rules.BADGES], since)


async def audit_totals(db: asyncpg.Pool) -> int:
    """Check every XP counter against its ledger's sum, correct those that drifted; how many."""
    async with db.acquire() as conn:
        drifted = await store.drifted_totals(conn)
    for row in drifted:
        async with db.acquire() as conn, conn.transaction():
            await store.lock_users(conn, [row["user_id"]])
            total = await store.ledger_sum(conn, row["user_id"])
            await conn.execute(
                "UPDATE gamification_users SET xp = $2, level = $3 WHERE user_id = $1",
                row["user_id"],
                total,
                rules.level_of(total),
            )
    if drifted:
        log.warning("XP counters drifted from the ledger", extra={"users": len(drifted)})
    return len(drifted)


@dataclass(frozen=True)
class Stats:
    xp_awarded: int
    xp_taken_back: int
    users: int
    badges_today: dict[str, int]


async def stats(db: asyncpg.Pool, since: datetime, now: datetime | None = None) -> Stats:
    now = now or datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    async with db.acquire() as conn:
        row = await store.award_stats(conn, since)
        badges = await store.badges_earned_since(conn, midnight)
    return Stats(row["xp_awarded"], row["xp_taken_back"], row["users"], badges)


async def publish_dashboard(db: asyncpg.Pool, redis: Redis, settings: Settings) -> None:
    """XP awarded in the last minute and badges earned today, on ``admin:dashboard``."""
    now = datetime.now(UTC)
    figures = await stats(db, now - timedelta(minutes=1), now)
    await publish(
        redis,
        settings,
        "admin:dashboard",
        {
            "type": "gamification.stats",
            "xp_per_minute": figures.xp_awarded,
            "badges_today": sum(figures.badges_today.values()),
        },
    )


# Administration.


async def grant_badge(
    db: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int, badge_id: str, admin_id: int
) -> bool:
    """Give a badge by hand (with its XP, and told live); False when already held."""
    badge = rules.BADGES_BY_ID.get(badge_id)
    if badge is None:
        raise BadgeNotFound(badge_id)
    now = datetime.now(UTC)
    async with db.acquire() as conn, conn.transaction():
        await store.lock_users(conn, [user_id])
        outcome = await _begin(conn, user_id, now)
        if await store.insert_badge(conn, user_id, badge_id, granted_by=admin_id) is None:
            return False
        outcome.badges.append(badge)
        await _badge_xp(conn, outcome, badge, rules.BADGE_XP[badge.tier], now)
        await _settle(conn, outcome)
        await announce(redis, settings, [outcome])
    return True


async def revoke_badge(
    db: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int, badge_id: str
) -> bool:
    """Take a wrongly earned badge back with its XP, and tell the user; False if not held."""
    badge = rules.BADGES_BY_ID.get(badge_id)
    if badge is None:
        raise BadgeNotFound(badge_id)
    now = datetime.now(UTC)
    async with db.acquire() as conn, conn.transaction():
        await store.lock_users(conn, [user_id])
        outcome = await _begin(conn, user_id, now)
        if not await store.delete_badge(conn, user_id, badge_id):
            return False
        await _badge_xp(conn, outcome, badge, 0, now)
        await _settle(conn, outcome)
        await store.save_totals(
            conn,
            user_id,
            xp=outcome.total,
            level=rules.level_of(outcome.total),
            week=outcome.week or rules.week_of(now),
            week_xp=outcome.week_xp,
        )
        await publish(
            redis,
            settings,
            f"user:{user_id}",
            {
                "type": "gamification.badge_revoked",
                "badge": badge_view(badge),
                "xp": outcome.total,
            },
        )
    return True


# Account lifecycle.


async def forget_user(
    db: asyncpg.Pool, redis: Redis, settings: Settings, user_id: int, event_id: str
) -> None:
    """Purge a deleted account's ledger, counters, badges, progress and league places."""
    async with db.acquire() as conn, conn.transaction():
        if not await claim(conn, "gamification.forget_user", event_id):
            return
        weeks = [row["week"] for row in await store.league_history(conn, user_id)]
        leagues = await store.forget_user(conn, user_id)
    for league_id in leagues:
        await redis.zrem(league_key(settings, league_id), str(user_id))
    for week in weeks:
        await redis.zrem(rkey(settings, "gamification", "weekly", week.isoformat()), str(user_id))


async def export_user_data(conn: asyncpg.Connection, user_id: int) -> dict[str, Any]:
    """The user's progress, XP ledger, badges and league history."""
    row = store.as_dict(await store.progress(conn, user_id))
    return {
        "progress": {
            key: (value.isoformat() if isinstance(value, date) else value)
            for key, value in row.items()
            if key != "updated_at"
        },
        "ledger": [
            {
                "source": r["source"],
                "action": r["action"],
                "subject": r["subject"],
                "xp": r["xp"],
                "day": r["day"].isoformat(),
                "occurred_at": r["occurred_at"].isoformat(),
            }
            for r in await store.ledger_of(conn, user_id)
        ],
        "badges": [
            {"id": r["badge_id"], "earned_at": r["earned_at"].isoformat()}
            for r in await store.badges_of(conn, user_id)
        ],
        "leagues": [
            {
                "league_id": r["league_id"],
                "week": r["week"].isoformat(),
                "tier": rules.TIERS[r["tier"]],
                "xp": r["xp"],
                "rank": r["rank"],
                "result": r["result"],
            }
            for r in await store.league_history(conn, user_id)
        ],
    }
