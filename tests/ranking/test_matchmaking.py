"""The matchmaker's choice of pairs, on its own (no database)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from metacult.ranking.matchmaking import (
    Candidate,
    best_opponent,
    choose_pairs,
    information,
    pair_key,
)

pytestmark = pytest.mark.unit


def titles(n: int, **changes) -> list[Candidate]:
    return [Candidate(media_id=i, rating=1500.0, rd=350.0, **changes) for i in range(1, n + 1)]


def test_a_user_never_gets_the_same_pair_twice() -> None:
    pool = titles(6)
    pairs = choose_pairs(pool, count=100, rng=random.Random(1))

    assert len(pairs) == 15  # every pair of 6 titles, once
    assert len({pair_key(*p) for p in pairs}) == 15


def test_pairs_already_seen_are_not_offered() -> None:
    pool = titles(3)
    pairs = choose_pairs(pool, count=5, seen=[(1, 2), (3, 1)], rng=random.Random(2))

    assert [pair_key(*p) for p in pairs] == [(2, 3)]


def test_titles_the_user_does_not_know_are_left_out() -> None:
    pool = titles(20)
    pairs = choose_pairs(pool, count=50, unknown=[4, 7], rng=random.Random(3))

    assert pairs
    assert not {4, 7} & {m for p in pairs for m in p}


def test_known_titles_come_first() -> None:
    pool = [
        c if c.media_id > 5 else Candidate(c.media_id, 1500, 350, known=True) for c in titles(100)
    ]
    pairs = choose_pairs(pool, count=40, rng=random.Random(4), explore=0)

    appearances = Counter(m for p in pairs for m in p)
    known_share = sum(appearances[i] for i in range(1, 6)) / sum(appearances.values())
    assert known_share > 0.3  # 5% of the titles, far more of the duels


def test_the_opponent_is_the_most_informative_title_within_reach() -> None:
    first = Candidate(1, 1500, 300)
    close_and_uncertain = Candidate(2, 1520, 300)
    close_and_certain = Candidate(3, 1500, 50)
    far_away = Candidate(4, 2400, 350)

    pool = [first, close_and_uncertain, close_and_certain, far_away]

    assert best_opponent(first, pool) == close_and_uncertain
    assert best_opponent(first, pool, {(1, 2), (1, 3)}) == far_away  # beyond reach: last resort
    assert information(first, close_and_uncertain) > information(first, close_and_certain)


def test_uncertain_titles_are_drawn_more_often() -> None:
    pool = [Candidate(i, 1500, 350 if i <= 10 else 50) for i in range(1, 101)]
    pairs = choose_pairs(pool, count=200, rng=random.Random(6), explore=0)

    firsts = Counter(m for p in pairs for m in p)
    uncertain = sum(firsts[i] for i in range(1, 11))
    assert uncertain / sum(firsts.values()) > 0.3  # 10% of the titles


def test_some_pairs_are_exploratory() -> None:
    # With exploration only, pairs are uniform: titles far apart in rating meet too.
    pool = [Candidate(i, 1000 + 10 * i, 60) for i in range(1, 101)]
    pairs = choose_pairs(pool, count=200, rng=random.Random(7), explore=1.0)

    assert any(abs(a - b) > 50 for a, b in pairs)


def test_a_newcomer_is_favoured_the_popular_titles_of_the_genres_they_picked() -> None:
    from metacult.ranking.service import _favoured

    genres = {1: ("horror",), 2: ("comedy",), 3: ("horror", "comedy"), 4: ("drama",)}
    popularity = {1: 5, 2: 50, 3: 1, 4: 99}
    favoured = _favoured((1, 2, 3, 4), genres, popularity, known=set(), picked={"horror"})
    assert favoured == {1, 3}


def favourite_and_others(n: int) -> list[Candidate]:
    """A pool where title 1 is the user's strong favourite (known), the others not."""
    return [Candidate(1, 1500, 350, known=True), *titles(n)[1:]]


def worst_window(pairs: list[tuple[int, int]], window: int) -> int:
    """The most duels one title is in, over any ``window`` consecutive duels."""
    return max(
        max(Counter(m for pair in pairs[i : i + window] for m in pair).values())
        for i in range(max(1, len(pairs) - window + 1))
    )


def test_without_the_variety_rule_a_favourite_comes_back_duel_after_duel() -> None:
    pairs = choose_pairs(favourite_and_others(30), count=40, rng=random.Random(8), explore=0)

    assert worst_window(pairs, 20) > 20 // 3


def test_a_title_is_never_in_two_consecutive_duels_nor_in_more_than_a_third_of_a_window() -> None:
    for seed in range(20):
        pairs = choose_pairs(favourite_and_others(30), count=60, rng=random.Random(seed), window=20)

        assert all(not set(a) & set(b) for a, b in itertools.pairwise(pairs))
        assert worst_window(pairs, 20) <= 20 // 3


def test_the_variety_rule_counts_the_duels_already_shown() -> None:
    shown = [(1, 2), (1, 3), (4, 1), (5, 1), (1, 6), (7, 1), (3, 4)]

    pairs = choose_pairs(
        favourite_and_others(30), count=13, rng=random.Random(9), recent=shown, window=20
    )

    assert all(1 not in pair for pair in pairs)  # six of the last 20 already
    assert not {3, 4} & set(pairs[0])


def test_a_catalogue_too_small_for_the_variety_rule_still_gets_duels() -> None:
    pairs = choose_pairs(titles(3), count=3, rng=random.Random(10), window=20)

    assert len(pairs) == 3
