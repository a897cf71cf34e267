"""The pure rules: level curve, caps, streaks with freezes, league results."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise

import pytest

from metacult.gamification import rules

pytestmark = pytest.mark.unit


def test_each_level_needs_more_xp_than_the_one_before() -> None:
    steps = [rules.xp_for_level(n + 1) - rules.xp_for_level(n) for n in range(1, 60)]
    assert all(later > earlier for earlier, later in pairwise(steps))
    assert rules.level_of(0) == 1
    assert rules.level_of(99) == 1
    assert rules.level_of(100) == 2
    assert rules.level_progress(150) == rules.Level(2, "Newcomer", 50, 200)


def test_a_gain_is_cut_to_what_the_daily_cap_leaves_and_a_reversal_never_is() -> None:
    assert rules.capped_award(5, 0, 0, 100) == 5
    assert rules.capped_award(5, 0, 98, 100) == 2
    assert rules.capped_award(5, 0, 100, 100) == 0
    assert rules.capped_award(0, 5, 100, 100) == -5
    assert rules.capped_award(5, 5, 0, 100) == 0


def test_there_are_at_least_twenty_badges_with_unique_ids() -> None:
    assert len(rules.BADGES) >= 20
    assert len(rules.BADGES_BY_ID) == len(rules.BADGES)
    assert {badge.tier for badge in rules.BADGES} == {"bronze", "silver", "gold"}


def test_consecutive_days_grow_the_streak_and_a_repeated_day_changes_nothing() -> None:
    streak = rules.Streak()
    for day in range(1, 8):
        change = rules.record_activity(streak, date(2026, 6, day))
        streak = change.streak
    assert streak.days == 7
    assert change.milestone == 7
    assert not rules.record_activity(streak, date(2026, 6, 7)).new_day
    assert not rules.record_activity(streak, date(2026, 6, 3)).new_day


def test_a_missed_day_spends_a_freeze_and_too_many_break_the_streak() -> None:
    # Monday 2026-06-01 earns the week's freeze.
    streak = rules.record_activity(rules.Streak(), date(2026, 6, 1)).streak
    streak = rules.record_activity(streak, date(2026, 6, 2)).streak
    assert streak.freezes == 1
    kept = rules.record_activity(streak, date(2026, 6, 4))
    assert (kept.streak.days, kept.freezes_spent, kept.streak.freezes) == (3, 1, 0)
    broken = rules.record_activity(kept.streak, date(2026, 6, 7))
    assert broken.broken_from == 3
    assert broken.streak.days == 1
    assert broken.streak.best == 3


def test_a_league_promotes_seven_and_demotes_five() -> None:
    results = rules.league_results(30, tier=2)
    assert results[:7] == ["promoted"] * 7
    assert results[-5:] == ["demoted"] * 5
    assert results[7:25] == ["stayed"] * 18
    assert "demoted" not in rules.league_results(30, tier=0)
    assert "promoted" not in rules.league_results(30, tier=len(rules.TIERS) - 1)
    assert "demoted" not in rules.league_results(6, tier=2)


def test_weeks_start_on_monday_utc() -> None:
    assert rules.week_of(datetime(2026, 12, 6, 23, 59, tzinfo=UTC)) == date(2026, 11, 30)
    assert rules.week_of(datetime(2026, 12, 7, 0, 0, tzinfo=UTC)) == date(2026, 12, 7)
