"""The pure rules: half-star ratings, statuses by kind."""

from __future__ import annotations

import pytest

from metacult.interaction import rules


@pytest.mark.parametrize(("rating", "half"), [(0.5, 1), (1, 2), (3.5, 7), (5, 10)])
def test_ratings_are_half_stars_from_half_to_five(rating: float, half: int) -> None:
    assert rules.half_stars(rating) == half
    assert rules.stars(half) == rating


@pytest.mark.parametrize(
    "rating", [0, 0.3, 0.25, 5.5, 7, -1, 2.75, 1e308, -1e308, float("inf"), float("nan")]
)
def test_other_ratings_are_refused(rating: float) -> None:
    assert rules.half_stars(rating) is None


def test_statuses_depend_on_the_kind_of_title() -> None:
    assert rules.status_fits("game", "playing")
    assert rules.status_fits("film", "watched")
    assert rules.status_fits("series", "watching")
    assert not rules.status_fits("game", "watched")
    assert not rules.status_fits("film", "wishlist")


def test_an_unrated_title_has_no_average_rather_than_zero() -> None:
    assert rules.average(0, 0) is None
    assert rules.average(3, 7 + 8 + 10) == 4.17


def test_library_statuses_are_the_catalogues() -> None:
    from metacult.catalog import LIBRARY_STATUSES

    assert rules.STATUSES == LIBRARY_STATUSES
