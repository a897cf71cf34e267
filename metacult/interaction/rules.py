"""The interaction rules with no I/O: ratings in half stars, statuses per kind."""

from __future__ import annotations

from metacult.catalog import LIBRARY_STATUSES

REVIEW_MAX_CHARS = 10_000

# How many ratings of how many stars a title "has" before it had any: "top rated" ranks
# by this Bayesian average, so that one 5-star rating does not outrank a thousand 4.8s.
PRIOR_RATINGS = 5
PRIOR_STARS = 3.0


def half_stars(rating: float) -> int | None:
    """0.5..5 stars in half steps as 1..10; None when ``rating`` is not such a value."""
    doubled = rating * 2
    # The range first: int() of an infinite or NaN number raises.
    if not 1 <= doubled <= 10 or doubled != int(doubled):
        return None
    return int(doubled)


def stars(half: int) -> float:
    return half / 2


def status_fits(kind: str, status: str) -> bool:
    """Is ``status`` a library status of this kind of media (``watched`` is not for games)?"""
    return status in LIBRARY_STATUSES.get(kind, ())


def average(ratings_count: int, ratings_sum_half: int) -> float | None:
    """The mean rating in stars, to two decimals; None for a title nobody rated."""
    if ratings_count == 0:
        return None
    return round(ratings_sum_half / ratings_count / 2, 2)


def community_score(ratings_count: int, ratings_sum_half: int) -> float:
    """The score "top rated" sorts by: the Bayesian average in stars (0 for no rating)."""
    if ratings_count == 0:
        return 0.0
    return (ratings_sum_half / 2 + PRIOR_RATINGS * PRIOR_STARS) / (ratings_count + PRIOR_RATINGS)
