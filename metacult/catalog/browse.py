"""Browsing rules with no I/O: the sorts, their keys, and the opaque cursors."""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import orjson

from metacult.infra import cursors
from metacult.infra.errors import invalid_field

Sort = Literal["relevance", "popular", "top_rated", "newest", "title"]
SORTS: tuple[str, ...] = ("relevance", "popular", "top_rated", "newest", "title")

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


# The Python types of each sort's key (all but the id), to check a cursor.
_KEY_TYPES: dict[str, tuple[type, ...]] = {
    "relevance": (float, float),
    "popular": (float,),
    "top_rated": (float, int),
    "newest": (date,),
    "title": (str,),
}


def default_sort(filters: Filters) -> str:
    return "relevance" if filters.q else "popular"


def encode_cursor(position: Position) -> str:
    """An opaque cursor: the sort and the last row's key, base64url of JSON."""
    payload = [position.sort, *(_jsonable(value) for value in position.key)]
    return cursors.encode(orjson.dumps(payload))


def decode_cursor(cursor: str, sort: str) -> Position:
    """The position a cursor stands for; 422 on ``cursor`` when it is not one of ours."""
    bad = invalid_field("cursor", "is not a cursor of this list (start again without it)")
    try:
        values = orjson.loads(cursors.decode(cursor))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise bad from None
    types = _KEY_TYPES[sort]
    if not isinstance(values, list) or len(values) != len(types) + 2 or values[0] != sort:
        raise bad
    key: list[Any] = []
    for value, expected in zip(values[1:], (*types, int), strict=True):
        key.append(_typed(value, expected, bad))
    return Position(sort, tuple(key))


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _typed(value: Any, expected: type, bad: Exception) -> Any:
    if isinstance(value, bool):
        raise bad
    if expected is date:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise bad from None
    if expected is float and isinstance(value, int):
        return float(value)
    if not isinstance(value, expected) or (isinstance(value, str) and "\x00" in value):
        raise bad
    if expected is int and not 0 <= value < 2**63:
        raise bad
    return value
