"""The audit's Bradley-Terry refit and Kendall's τ, on their own."""

from __future__ import annotations

import math
import random

import pytest

from metacult.ranking.audit import bradley_terry, kendall_tau

pytestmark = pytest.mark.unit


def test_kendall_tau_is_one_for_the_same_order_and_minus_one_for_the_reverse() -> None:
    scores = {1: 3.0, 2: 2.0, 3: 1.0}

    assert kendall_tau(scores, {1: 30, 2: 20, 3: 10}) == 1.0
    assert kendall_tau(scores, {1: 1, 2: 2, 3: 3}) == -1.0


def test_kendall_tau_counts_only_titles_both_rankings_have() -> None:
    assert kendall_tau({1: 2.0, 2: 1.0, 9: 5.0}, {1: 1.0, 2: 0.0}) == 1.0


def test_bradley_terry_recovers_hidden_strengths_from_many_results() -> None:
    rng = random.Random(8)
    hidden = {i: rng.gauss(0, 2) for i in range(40)}
    results = []
    for _ in range(6000):
        a, b = rng.sample(list(hidden), 2)
        p = 1 / (1 + math.exp(hidden[b] - hidden[a]))
        results.append((a, b) if rng.random() < p else (b, a))

    fitted = bradley_terry(results)

    assert kendall_tau(fitted, hidden) > 0.85


def test_bradley_terry_orders_a_simple_chain() -> None:
    fitted = bradley_terry([(1, 2), (1, 2), (2, 3), (2, 3), (1, 3)])

    assert fitted[1] > fitted[2] > fitted[3]
    assert sum(fitted.values()) == pytest.approx(0, abs=1e-6)
