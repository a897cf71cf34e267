"""Positions in several channels as one string: the SSE event id and the polling cursor.

``media:7@1a2b3c4d.15,user:3@99ffee00.2`` says: on ``media:7`` the client saw offset 15
of epoch ``1a2b3c4d``, on ``user:3`` offset 2 of epoch ``99ffee00``.
"""

from __future__ import annotations

from metacult.infra.errors import Invalid
from metacult.realtime.protocol import Since


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
        channel, at, where = part.strip().rpartition("@")
        epoch, dot, offset = where.partition(".")
        if not (channel and at and dot and epoch.isalnum() and offset.isdigit()):
            raise Invalid(
                "The cursor is not one this server gave out.",
                code="invalid_cursor",
                fields={"since": "not a cursor"},
            )
        positions[channel] = Since(offset=int(offset), epoch=epoch)
    return positions
