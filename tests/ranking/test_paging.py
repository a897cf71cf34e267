"""Ranking's keyset cursors on their own: they round-trip and refuse anything else."""

from __future__ import annotations

import orjson
import pytest

from metacult.infra import cursors
from metacult.infra.errors import Invalid
from metacult.ranking.paging import Position, decode_cursor, encode_cursor

pytestmark = pytest.mark.unit


def forged(*values: object) -> str:
    return cursors.encode(orjson.dumps(list(values)))


def test_a_cursor_round_trips_its_exact_position() -> None:
    position = Position(1234.5678901234567, 42)

    assert decode_cursor(encode_cursor("kind:game", position), "kind:game") == position


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor("kind:film", Position(1500.0, 1)),  # another list's
        forged("kind:game", 1500.0),
        forged("kind:game", "1500", 1),
        forged("kind:game", True, 1),
        forged("kind:game", 1500.0, 0),
        forged("kind:game", 1500.0, 2**63),
        forged("kind:game", 1500.0, 1.5),
        cursors.encode(b"NaN"),
        cursors.encode(b"\xff\xfe"),
        "!!",
        "a",
    ],
)
def test_anything_else_is_refused_on_the_cursor_field(cursor: str) -> None:
    with pytest.raises(Invalid) as refused:
        decode_cursor(cursor, "kind:game")

    assert "cursor" in refused.value.fields
