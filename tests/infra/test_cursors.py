"""The shared page cursors: a declared shape with bounds, or a 422 on ``cursor``."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal

import pytest

from metacult.infra import cursors
from metacult.infra.errors import Invalid

FollowCursor = tuple[cursors.Timestamp, cursors.Id]


def forged(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_a_cursor_comes_back_as_the_values_it_was_made_of() -> None:
    when = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    assert cursors.decode_position(cursors.encode_position((when, 42)), FollowCursor) == (when, 42)
    shape = tuple[Literal["newest"], cursors.Day, cursors.Number, cursors.Text, cursors.Id]
    position = ("newest", date(1999, 12, 31), 2.5, "Zelda", 7)
    assert cursors.decode_position(cursors.encode_position(position), shape) == position


def test_a_timestamp_in_another_zone_is_read_in_utc() -> None:
    when = datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    decoded, _ = cursors.decode_position(cursors.encode_position((when, 1)), FollowCursor)
    assert decoded == when and decoded.tzinfo == UTC


@pytest.mark.parametrize(
    "text",
    [
        '["2024-01-01T00:00:00Z", 9223372036854775808]',
        '["2024-01-01T00:00:00Z", 0]',
        '["2024-01-01T00:00:00Z", true]',
        '["2024-01-01T00:00:00Z", "1"]',
        '["9999-12-31T23:59:59-23:59", 1]',
        '["0001-01-01T00:00:00+23:59", 1]',
        '["2024-01-01T00:00:00", 1]',
        '["2024-01-01T00:00:00Z", 1, 2]',
        '{"at": "2024-01-01T00:00:00Z", "id": 1}',
        "2024-01-01T00:00:00|1",
    ],
)
def test_a_cursor_of_another_shape_or_out_of_bounds_is_refused(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        cursors.decode_position(forged(text), FollowCursor)
    assert refused.value.status == 422 and "cursor" in refused.value.fields


@pytest.mark.parametrize("cursor", ["%%%", "²", "a", ""])
def test_what_is_not_base64_json_is_refused(cursor: str) -> None:
    with pytest.raises(Invalid):
        cursors.decode_position(cursor, tuple[cursors.Id])


def test_numbers_and_text_in_a_cursor_are_storable() -> None:
    for text in ("[1e400]", "[NaN]"):
        with pytest.raises(Invalid):
            cursors.decode_position(forged(text), tuple[cursors.Number])
    with pytest.raises(Invalid):
        cursors.decode_position(forged('["a\\u0000b"]'), tuple[cursors.Text])
