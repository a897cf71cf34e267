"""Gamification's rules as data: XP per action, daily caps, the level curve, badges, streaks
and leagues. Pure: no I/O, unit-tested on its own.

An action is held on a *subject* (a title, a review, a duel, a followee): the latest event
about that subject sets its *target* XP (liking a title: 2; unliking it: 0), and the award
is the difference between the target and what the ledger already holds for it. So liking
and unliking a title ten times earns one like, and taking an action back takes its XP back.
Positive awards are cut by the action's daily cap (a net sum per local day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

Tier = Literal["bronze", "silver", "gold"]


@dataclass(frozen=True, slots=True)
class XpRule:
    """What one action earns, at most how much a day (None: no cap), and what it is about."""

    action: str
    xp: int
    daily_cap: int | None
    description: str


# A review of at least this many characters is a long one and earns more.
LONG_REVIEW = 500

RULES: dict[str, XpRule] = {
    rule.action: rule
    for rule in (
        XpRule("rating", 5, 100, "Rate a title (once per title)."),
        XpRule("review", 20, 200, "Review a title (40 for one of 500+ characters; per title)."),
        XpRule("like", 2, 40, "Like a title (once per title)."),
        XpRule("status", 3, 90, "Put a title in your library (completed or watched: 15)."),
        XpRule("duel_vote", 1, 50, "Vote on a duel."),
        XpRule("review_liked", 3, 60, "Someone likes your review."),
        XpRule("follow", 2, 20, "Follow someone (once per person)."),
        XpRule("daily", 5, None, "Your first action of the day."),
        XpRule("badge", 0, None, "Earn a badge (bronze 10, silver 25, gold 50)."),
    )
}

LONG_REVIEW_XP = 40
FINISHED_STATUS_XP = 15
# Library statuses that mean the title was finished.
FINISHED = frozenset({"completed", "watched"})
BADGE_XP: dict[Tier, int] = {"bronze": 10, "silver": 25, "gold": 50}


def review_xp(length: int) -> int:
    return LONG_REVIEW_XP if length >= LONG_REVIEW else RULES["review"].xp


def status_xp(status: str | None) -> int:
    if status is None:
        return 0
    return FINISHED_STATUS_XP if status in FINISHED else RULES["status"].xp


def capped_award(target: int, held: int, earned_today: int, cap: int | None) -> int:
    """The XP to write for a subject: ``target − held``, a gain cut to what the cap leaves."""
    delta = target - held
    if delta <= 0 or cap is None:
        return delta
    return max(0, min(delta, cap - earned_today))


# Levels: reaching level n needs 50·n·(n−1) XP in total, so level 2 needs 100, level 3
# 300, level 4 600: each level needs 100 XP more than the one before.
LEVEL_STEP = 50
LEVEL_NAMES = (
    (1, "Newcomer"),
    (3, "Regular"),
    (5, "Enthusiast"),
    (10, "Connoisseur"),
    (15, "Critic"),
    (20, "Curator"),
    (30, "Master"),
    (50, "Legend"),
)


def xp_for_level(level: int) -> int:
    """Total XP at which ``level`` starts (level 1 at 0)."""
    return LEVEL_STEP * level * (level - 1)


def level_of(xp: int) -> int:
    level = 1
    while xp_for_level(level + 1) <= xp:
        level += 1
    return level


def level_name(level: int) -> str:
    name = LEVEL_NAMES[0][1]
    for start, label in LEVEL_NAMES:
        if level >= start:
            name = label
    return name


@dataclass(frozen=True, slots=True)
class Level:
    level: int
    name: str
    xp_into_level: int
    xp_for_next: int


def level_progress(xp: int) -> Level:
    """The level of a total, with the XP into it and the XP it takes to reach the next."""
    level = level_of(max(0, xp))
    start, end = xp_for_level(level), xp_for_level(level + 1)
    return Level(level, level_name(level), max(0, xp) - start, end - start)


# Badges: each reads one counter the actors keep per user, and is earned when the counter
# reaches its threshold. Counters only move on events about that user, so a rule is
# evaluated when a relevant event arrives, never by scanning users.


@dataclass(frozen=True, slots=True)
class Badge:
    id: str
    name: str
    description: str
    icon: str
    tier: Tier
    counter: str
    threshold: int
    secret: bool = False


BADGES: tuple[Badge, ...] = (
    Badge("first_review", "First words", "Write your first review.", "✍️", "bronze", "reviews", 1),
    Badge("critic", "Critic", "Write 25 reviews.", "🖋️", "silver", "reviews", 25),
    Badge("essayist", "Essayist", "Write 100 reviews.", "📜", "gold", "reviews", 100),
    Badge("first_rating", "First star", "Rate your first title.", "⭐", "bronze", "ratings", 1),
    Badge("rater", "Rater", "Rate 50 titles.", "🌟", "silver", "ratings", 50),
    Badge("duelist", "Duelist", "Vote on 10 duels.", "⚔️", "bronze", "duel_votes", 10),
    Badge("gladiator", "Gladiator", "Vote on 100 duels.", "🛡️", "silver", "duel_votes", 100),
    Badge("warlord", "Warlord", "Vote on 1,000 duels.", "👑", "gold", "duel_votes", 1000),
    Badge(
        "genre_explorer",
        "Genre explorer",
        "Rate titles in 10 genres.",
        "🧭",
        "silver",
        "genres_rated",
        10,
    ),
    Badge("finisher", "Finisher", "Complete a game.", "🎮", "bronze", "games_completed", 1),
    Badge(
        "completionist",
        "Completionist",
        "Complete 20 games.",
        "🏆",
        "gold",
        "games_completed",
        20,
    ),
    Badge("cinephile", "Cinephile", "Watch 100 films.", "🎬", "gold", "films_watched", 100),
    Badge(
        "binge_watcher", "Binge watcher", "Finish 5 series.", "📺", "silver", "series_watched", 5
    ),
    Badge("fan", "Fan", "Like 25 titles.", "❤️", "bronze", "likes", 25),
    Badge("streak_7", "On a roll", "Be active 7 days in a row.", "🔥", "bronze", "best_streak", 7),
    Badge("streak_30", "Devoted", "Be active 30 days in a row.", "☄️", "silver", "best_streak", 30),
    Badge(
        "streak_100",
        "Unstoppable",
        "Be active 100 days in a row.",
        "🌋",
        "gold",
        "best_streak",
        100,
    ),
    Badge(
        "night_owl",
        "Night owl",
        "Act between midnight and 5 a.m.",
        "🦉",
        "bronze",
        "night_actions",
        1,
        secret=True,
    ),
    Badge(
        "early_adopter",
        "Early adopter",
        "Join Metacult in its first year.",
        "🌱",
        "silver",
        "early_adopter",
        1,
    ),
    Badge(
        "crowd_pleaser",
        "Crowd pleaser",
        "Have one review liked by 10 people.",
        "👏",
        "silver",
        "best_review_likes",
        10,
    ),
    Badge("social", "Social", "Have 10 followers.", "🤝", "silver", "followers", 10),
    Badge("networker", "Networker", "Follow 10 people.", "🔗", "bronze", "following", 10),
    Badge("veteran", "Veteran", "Reach level 10.", "🎖️", "gold", "level", 10),
    Badge(
        "league_climber",
        "Climber",
        "Be promoted in a weekly league.",
        "🧗",
        "bronze",
        "promotions",
        1,
        secret=True,
    ),
)
BADGES_BY_ID = {badge.id: badge for badge in BADGES}


def badges_reached(counters: dict[str, int], changed: set[str]) -> list[Badge]:
    """The badges whose counter is among ``changed`` and at or past their threshold."""
    return [
        badge
        for badge in BADGES
        if badge.counter in changed and counters.get(badge.counter, 0) >= badge.threshold
    ]


# Counters an action's subject adds one to while it is held (and takes back when it is not).


def counters_for(action: str, kind: str | None, state: str | None) -> frozenset[str]:
    if state is None:
        return frozenset()
    if action == "review":
        return frozenset({"reviews"})
    if action == "rating":
        return frozenset({"ratings"})
    if action == "like":
        return frozenset({"likes"})
    if action == "duel_vote":
        return frozenset({"duel_votes"})
    if action == "follow":
        return frozenset({"following"})
    if action == "status" and state in FINISHED:
        return frozenset(
            {{"game": "games_completed", "film": "films_watched"}.get(kind or "", "series_watched")}
        )
    return frozenset()


# A night action: between midnight and 5 a.m. in the user's timezone.
NIGHT_HOURS = range(0, 5)
# Accounts created before this date are early adopters.
EARLY_ADOPTERS_UNTIL = datetime.fromisoformat("2027-01-01T00:00:00+00:00")


# Streaks: consecutive active days in the user's timezone. A freeze is earned on the first
# active day of each ISO week (at most MAX_FREEZES held) and spent, one per missed day,
# when the user comes back after missing days; too few freezes and the streak breaks.

MAX_FREEZES = 2
STREAK_MILESTONES = (7, 30, 100, 365)


@dataclass(frozen=True, slots=True)
class Streak:
    days: int = 0
    best: int = 0
    last_day: date | None = None
    freezes: int = 0
    freeze_week: str | None = None


@dataclass(frozen=True, slots=True)
class StreakChange:
    streak: Streak
    new_day: bool
    freezes_spent: int = 0
    broken_from: int | None = None
    milestone: int | None = None


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def record_activity(streak: Streak, day: date) -> StreakChange:
    """The streak after an action on the local ``day`` (a day already counted changes nothing;
    a day before the last one, an event arriving late, changes nothing either)."""
    if streak.last_day is not None and day <= streak.last_day:
        return StreakChange(streak, new_day=False)
    freezes, freeze_week = streak.freezes, streak.freeze_week
    if freeze_week != iso_week(day):
        freezes, freeze_week = min(MAX_FREEZES, freezes + 1), iso_week(day)
    spent, broken_from = 0, None
    if streak.last_day is None:
        days = 1
    else:
        missed = (day - streak.last_day).days - 1
        if missed == 0:
            days = streak.days + 1
        elif missed <= streak.freezes:
            # Spend the freezes held before today's (today's freeze cannot cover the past).
            spent = missed
            freezes -= missed
            days = streak.days + 1
        else:
            broken_from = streak.days
            days = 1
    best = max(streak.best, days)
    milestone = days if days in STREAK_MILESTONES and days > streak.days else None
    return StreakChange(
        Streak(days, best, day, freezes, freeze_week),
        new_day=True,
        freezes_spent=spent,
        broken_from=broken_from,
        milestone=milestone,
    )


def current_streak(streak: Streak, today: date) -> int:
    """The streak as it stands today: still alive while the missed days fit the freezes."""
    if streak.last_day is None:
        return 0
    missed = (today - streak.last_day).days - 1
    return streak.days if missed <= streak.freezes else 0


# Weekly leagues: weeks start on Monday 00:00 UTC; users with XP in a week are placed in a
# league of their tier of at most LEAGUE_SIZE; at the week's end the top PROMOTED go up a
# tier and the bottom DEMOTED go down one.

TIERS = ("Bronze", "Silver", "Gold", "Platinum", "Diamond")
LEAGUE_SIZE = 30
PROMOTED = 7
DEMOTED = 5
LeagueResult = Literal["promoted", "demoted", "stayed"]


def week_of(moment: datetime) -> date:
    """The Monday (UTC) of the week ``moment`` falls in."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def league_results(size: int, tier: int) -> list[LeagueResult]:
    """The result of each rank (best first) in a league of ``size`` members of ``tier``."""
    results: list[LeagueResult] = []
    for rank in range(1, size + 1):
        if rank <= PROMOTED and tier < len(TIERS) - 1:
            results.append("promoted")
        elif rank > max(PROMOTED, size - DEMOTED) and tier > 0:
            results.append("demoted")
        else:
            results.append("stayed")
    return results


def next_tier(tier: int, result: LeagueResult) -> int:
    if result == "promoted":
        return min(tier + 1, len(TIERS) - 1)
    if result == "demoted":
        return max(tier - 1, 0)
    return tier
