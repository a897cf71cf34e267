"""The interaction rules with no I/O: ratings in half stars, statuses per kind."""

from __future__ import annotations

REVIEW_MAX_CHARS = 10_000

STATUSES: dict[str, tuple[str, ...]] = {
    "game": ("wishlist", "playing", "completed", "dropped"),
    "film": ("watchlist", "watching", "watched", "dropped"),
    "series": ("watchlist", "watching", "watched", "dropped"),
}


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
    return status in STATUSES.get(kind, ())


def average(ratings_count: int, ratings_sum_half: int) -> float | None:
    """The mean rating in stars, to two decimals; None for a title nobody rated."""
    if ratings_count == 0:
        return None
    return round(ratings_sum_half / ratings_count / 2, 2)
