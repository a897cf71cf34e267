"""The interaction rules with no I/O: ratings in half stars, statuses per kind, cursors."""

from __future__ import annotations

import binascii
from typing import Any

import orjson

from metacult.catalog import LIBRARY_STATUSES
from metacult.infra import cursors

REVIEW_MAX_CHARS = 10_000

# How many ratings of how many stars a title "has" before it had any: "top rated" ranks
# by this Bayesian average, so that one 5-star rating does not outrank a thousand 4.8s.
PRIOR_RATINGS = 5
PRIOR_STARS = 3.0


class BadCursor(ValueError):
    """The cursor was not made by us (or was damaged on the way)."""


def half_stars(rating: float) -> int | None:
    """0.5..5 stars in half steps as 1..10; None when ``rating`` is not such a value."""
    doubled = rating * 2
    if doubled != int(doubled) or not 1 <= doubled <= 10:
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


def encode_cursor(position: tuple[Any, ...]) -> str:
    """An opaque cursor for the row at ``position`` (the sort key and the id)."""
    return cursors.encode(orjson.dumps(list(position)))


def decode_cursor(cursor: str, types: tuple[type, ...]) -> tuple[Any, ...]:
    """The position a cursor stands for, checked against the expected ``types``."""
    try:
        raw = cursors.decode(cursor)
        values = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise BadCursor(cursor) from None
    if not isinstance(values, list) or len(values) != len(types):
        raise BadCursor(cursor)
    for value, expected in zip(values, types, strict=True):
        if not isinstance(value, expected) or isinstance(value, bool):
            raise BadCursor(cursor)
    return tuple(values)


def community_score(ratings_count: int, ratings_sum_half: int) -> float:
    """The score "top rated" sorts by: the Bayesian average in stars (0 for no rating)."""
    if ratings_count == 0:
        return 0.0
    return (ratings_sum_half / 2 + PRIOR_RATINGS * PRIOR_STARS) / (ratings_count + PRIOR_RATINGS)
