"""The pure rules: half-star ratings, statuses by kind, cursors."""

from __future__ import annotations

import pytest

from metacult.interaction import rules


@pytest.mark.parametrize(("rating", "half"), [(0.5, 1), (1, 2), (3.5, 7), (5, 10)])
def test_ratings_are_half_stars_from_half_to_five(rating: float, half: int) -> None:
    assert rules.half_stars(rating) == half
    assert rules.stars(half) == rating


@pytest.mark.parametrize("rating", [0, 0.3, 0.25, 5.5, 7, -1, 2.75])
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


def test_cursors_round_trip_and_refuse_forgeries() -> None:
    cursor = rules.encode_cursor((12, 345))
    assert rules.decode_cursor(cursor, (int, int)) == (12, 345)
    for forged in ("nope", rules.encode_cursor(("x", 1)), rules.encode_cursor((1,))):
        with pytest.raises(rules.BadCursor):
            rules.decode_cursor(forged, (int, int))


def test_one_perfect_rating_does_not_outrank_many_good_ones() -> None:
    one_five = rules.community_score(1, 10)
    many_fours = rules.community_score(1000, 1000 * 9)

    assert many_fours > one_five > rules.community_score(0, 0) == 0.0
