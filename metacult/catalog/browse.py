"""Browsing rules with no I/O: the sorts, their keys, and the opaque cursors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from metacult.infra import cursors

Sort = Literal["relevance", "popular", "top_rated", "newest", "title"]
SORTS: tuple[str, ...] = ("relevance", "popular", "top_rated", "newest", "title")

# How many of a kind of rating a title "has" before it had any: top rated ranks by a
# Bayesian average, so that one 5-star rating does not outrank a thousand 4.8s.
PRIOR_RATINGS = 5
PRIOR_STARS = 3.0

# A query word matches a title word that starts with it, or one this similar (0..1,
# shared trigrams): "breth" and "breath" are 0.44 alike.
WORD_MATCH = 0.4
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    genre: str | None = None
    platform: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    q: str | None = None


@dataclass(frozen=True)
class Position:
    """Where a page ends: the sort it belongs to and the last row's sort key."""

    sort: str
    key: tuple[Any, ...]


# The shape of each sort's cursor: the sort's name, its key values, then the id.
_SHAPES: dict[str, Any] = {
    "relevance": tuple[Literal["relevance"], cursors.Number, cursors.Number, cursors.Id],
    "popular": tuple[Literal["popular"], cursors.Number, cursors.Id],
    "top_rated": tuple[Literal["top_rated"], cursors.Number, cursors.Int64, cursors.Id],
    "newest": tuple[Literal["newest"], cursors.Day, cursors.Id],
    "title": tuple[Literal["title"], cursors.Text, cursors.Id],
}


def default_sort(filters: Filters) -> str:
    return "relevance" if filters.q else "popular"


def encode_cursor(position: Position) -> str:
    """An opaque cursor: the sort and the last row's key."""
    return cursors.encode_position((position.sort, *position.key))


def decode_cursor(cursor: str, sort: str) -> Position:
    """The position a cursor stands for; 422 on ``cursor`` when it is not one of this sort."""
    values = cursors.decode_position(cursor, _SHAPES[sort])
    return Position(sort, tuple(values[1:]))
