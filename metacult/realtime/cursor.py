"""Positions in several channels as one string: the SSE event id and the polling cursor.

``media:7@1a2b3c4d.15,user:3@99ffee00.2`` says: on ``media:7`` the client saw offset 15
of epoch ``1a2b3c4d``, on ``user:3`` offset 2 of epoch ``99ffee00``.
"""

from __future__ import annotations

import re

import pydantic

from metacult.infra.errors import Invalid
from metacult.realtime.protocol import Since

# ``channel@epoch.offset``; ASCII digits only (``"²".isdigit()`` is true, ``int("²")`` fails).
_POSITION = re.compile(
    r"^(?P<channel>[^@,]+)@(?P<epoch>[0-9A-Za-z]{1,32})\.(?P<offset>[0-9]{1,19})$"
)


def encode(positions: dict[str, Since]) -> str:
    return ",".join(
        f"{channel}@{since.epoch}.{since.offset}" for channel, since in positions.items()
    )


def decode(text: str) -> dict[str, Since]:
    """Parse a cursor; 422 ``invalid_cursor`` when it is not one."""
    positions: dict[str, Since] = {}
    if not text.strip():
        return positions
    for part in text.split(","):
        match = _POSITION.match(part.strip())
        try:
            if match is None:
                raise ValueError(part)
            since = Since(offset=int(match["offset"]), epoch=match["epoch"])
        except (ValueError, pydantic.ValidationError):
            raise Invalid(
                "The cursor is not one this server gave out.",
                code="invalid_cursor",
                fields={"since": "not a cursor"},
            ) from None
        positions[match["channel"]] = since
    return positions
