"""Marketing's pure rules: pacing, targeting, caps, choice and the click token."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from metacult.marketing import rules

pytestmark = pytest.mark.unit

DAY = datetime(2030, 5, 1, tzinfo=UTC)


def _campaign(**changes) -> rules.Campaign:
    base = rules.Campaign(
        id=1,
        advertiser="Acme",
        title="Play Acme",
        body="",
        image_url=None,
        cta_label="Play",
        cta_url="https://acme.example/",
        media_id=None,
        kinds=(),
        genres=(),
        platforms=(),
        starts_at=DAY,
        ends_at=DAY + timedelta(days=10),
        total_budget_micros=10**9,
        daily_budget_micros=86_400 * 100,
        price_model="cpm",
        price_micros=1_000_000,
        frequency_cap=3,
        status="active",
        spent_micros=0,
    )
    return dataclasses.replace(base, **changes)


PAGE = rules.page_context([("game", ("rpg",), ("pc",)), ("film", ("drama",), ())])


def test_the_daily_budget_is_paced_evenly_over_the_day() -> None:
    daily = 86_400 * 100
    assert rules.pacing_allowance(daily, DAY) == 100
    assert rules.pacing_allowance(daily, DAY + timedelta(hours=6, seconds=-1)) == daily // 4
    assert rules.pacing_allowance(daily, DAY + timedelta(hours=23, minutes=59, seconds=59)) == daily
    campaign = _campaign()
    noon = DAY + timedelta(hours=12)
    assert rules.within_budget(campaign, daily // 2 - 1, noon)
    assert not rules.within_budget(campaign, daily // 2 + 100, noon)
    spent = _campaign(spent_micros=10**9)
    assert not rules.within_budget(spent, 0, noon)


def test_targeting_needs_each_set_dimension_to_meet_the_page() -> None:
    assert rules.targets(_campaign(), PAGE)
    assert rules.targets(_campaign(kinds=("game",), genres=("rpg", "horror")), PAGE)
    assert not rules.targets(_campaign(kinds=("series",)), PAGE)
    assert not rules.targets(_campaign(kinds=("game",), platforms=("switch",)), PAGE)


def test_choice_keeps_schedule_cap_dismissals_and_never_repeats_a_campaign() -> None:
    now = DAY + timedelta(hours=12)
    rich = _campaign(id=1, price_micros=5_000_000)
    capped = _campaign(id=2, price_micros=9_000_000)
    dismissed = _campaign(id=3, price_micros=9_000_000, media_id=77)
    later = _campaign(id=4, starts_at=DAY + timedelta(days=1))
    paused = _campaign(id=5, status="paused")
    cheap = _campaign(id=6, price_micros=1_000_000)
    chosen = rules.choose(
        [cheap, rich, capped, dismissed, later, paused],
        3,
        now=now,
        page=PAGE,
        dismissed=frozenset({77}),
        spent_today={},
        seen_today={2: 3},
    )
    assert [c.id for c in chosen] == [1, 6]


def test_a_click_token_is_signed_and_expires() -> None:
    key = b"k" * 32
    token = rules.ClickToken(12, 34, "abcd", int(DAY.timestamp()))
    raw = rules.sign_click(key, token)
    assert rules.read_click(key, raw, DAY + timedelta(days=1)) == token
    with pytest.raises(rules.TokenRefused) as refused:
        rules.read_click(key, raw, DAY + timedelta(days=8))
    assert refused.value.expired
    forged = rules.sign_click(b"x" * 32, dataclasses.replace(token, campaign_id=13))
    tampered = forged.split(".")[0] + "." + raw.split(".")[1]
    for bad in (tampered, forged, "nonsense", raw[:-2], "a.b.c"):
        with pytest.raises(rules.TokenRefused) as refused:
            rules.read_click(key, bad, DAY)
        assert not refused.value.expired


def test_bots_are_recognised_by_their_user_agent() -> None:
    assert rules.looks_like_a_bot("Googlebot/2.1")
    assert rules.looks_like_a_bot("")
    assert not rules.looks_like_a_bot("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
