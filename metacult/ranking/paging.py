"""Keyset page cursors of ranking's lists (leaderboards, personal rankings), with no I/O.

A list is ordered by a score, best first, then by media id; a cursor is the position of a
page's last entry (the list it belongs to, that score and id), so that the next page
starts right after it even while scores move, instead of repeating or skipping entries as
an offset would.
"""

from __future__ import annotations

import binascii
import math
from dataclasses import dataclass

import orjson

from metacult.infra import cursors
from metacult.infra.errors import invalid_field


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ended: the last entry's score and media id."""

    score: float
    media_id: int


def encode_cursor(listing: str, position: Position) -> str:
    """An opaque cursor for the page after ``position`` of ``listing`` (e.g. ``kind:game``)."""
    return cursors.encode(orjson.dumps([listing, position.score, position.media_id]))


def decode_cursor(cursor: str, listing: str) -> Position:
    """The position a cursor of ``listing`` stands for; 422 on ``cursor`` when it is not one."""
    bad = invalid_field("cursor", "is not a cursor of this list (start again without it)")
    try:
        values = orjson.loads(cursors.decode(cursor))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise bad from None
    if not isinstance(values, list) or len(values) != 3 or values[0] != listing:
        raise bad
    score, media_id = values[1], values[2]
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise bad
    if isinstance(media_id, bool) or not isinstance(media_id, int) or not 1 <= media_id < 2**63:
        raise bad
    return Position(float(score), media_id)
