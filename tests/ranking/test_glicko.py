"""Glicko-2 as Glickman's paper computes it, and as duels use it."""

from __future__ import annotations

import pytest

from metacult.ranking import glicko
from metacult.ranking.glicko import Game, Rating

pytestmark = pytest.mark.unit


def test_glickmans_worked_example_is_reproduced() -> None:
    player = Rating(1500, 200, 0.06)
    games = [
        Game(Rating(1400, 30), 1.0),
        Game(Rating(1550, 100), 0.0),
        Game(Rating(1700, 300), 0.0),
    ]

    after = glicko.rate(player, games, tau=0.5)

    assert after.rating == pytest.approx(1464.06, abs=0.01)
    assert after.rd == pytest.approx(151.52, abs=0.01)
    assert after.volatility == pytest.approx(0.05999, abs=0.00001)


def test_a_win_raises_the_winner_and_lowers_the_loser_by_the_same_amount_when_equal() -> None:
    winner, loser = glicko.play(Rating(), Rating())

    assert winner.rating > 1500 > loser.rating
    assert winner.rating - 1500 == pytest.approx(1500 - loser.rating)
    assert winner.rd < 350 and loser.rd < 350


def test_beating_a_much_weaker_title_moves_little() -> None:
    strong, weak = Rating(1900, 60), Rating(1300, 60)

    after, _ = glicko.play(strong, weak)

    assert 0 < after.rating - strong.rating < 5


def test_an_upset_moves_a_lot() -> None:
    strong, weak = Rating(1900, 60), Rating(1300, 60)

    _, after = glicko.play(strong, weak)

    assert strong.rating - after.rating > 10


def test_rating_deviation_never_falls_below_the_floor() -> None:
    many_draws = [Game(Rating(1500, 30), 0.5)] * 500

    after = glicko.rate(Rating(1500, 50), many_draws)

    assert after.rd == glicko.RD_FLOOR


def test_a_title_is_provisional_until_its_deviation_falls_to_110() -> None:
    assert Rating(1500, 350).provisional
    assert Rating(1500, 111).provisional
    assert not Rating(1500, 110).provisional


def test_a_period_without_games_only_widens_the_deviation() -> None:
    after = glicko.rate(Rating(1600, 100, 0.06), [])

    assert after.rating == 1600
    assert after.rd > 100


def test_expected_score_is_a_probability_favouring_the_higher_rating() -> None:
    p = glicko.expected_score(Rating(1700, 50), Rating(1500, 50))

    assert 0.5 < p < 1
    assert p + glicko.expected_score(Rating(1500, 50), Rating(1700, 50)) == pytest.approx(1)
