"""The websocket protocol: every frame in each direction, in one place.

Client → server frames are pydantic models (parsed and validated here); server → client
frames are built by the functions below and encoded once with orjson. ``docs/realtime.md``
says the same in prose, with examples. SSE and long-polling carry the same
``publication`` / ``resync`` frames.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
import pydantic

# Close codes the hub uses besides the standard 1000 / 1001 (going away) / 1008 (abuse).
CLOSE_SLOW_CONSUMER = 4000
CLOSE_IDLE = 4001
CLOSE_SIGNED_OUT = 4002

ClientId = Annotated[str | int, pydantic.Field(union_mode="left_to_right")]


class _Frame(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")


class Since(_Frame):
    """The last position a client saw on a channel."""

    # Offsets are Redis stream ids' first part; epochs are short tokens publish() makes.
    offset: int = pydantic.Field(ge=0, le=2**63 - 1)
    epoch: str = pydantic.Field(pattern=r"^[0-9A-Za-z]{1,32}$")


# Client → server.


class Subscribe(_Frame):
    """Start receiving a channel; with ``since``, first replay what was missed."""

    type: Literal["subscribe"]
    id: ClientId | None = None
    channel: str = pydantic.Field(max_length=128)
    since: Since | None = None


class Unsubscribe(_Frame):
    """Stop receiving a channel."""

    type: Literal["unsubscribe"]
    id: ClientId | None = None
    channel: str = pydantic.Field(max_length=128)


class Ping(_Frame):
    """Ask for a ``pong`` (the client's own keep-alive)."""

    type: Literal["ping"]
    id: ClientId | None = None


class Pong(_Frame):
    """The answer to the server's ``ping``; needs no reply."""

    type: Literal["pong"]
    id: ClientId | None = None


class Action(_Frame):
    """A registered action (``duel.vote``, ...); ``data`` is parsed by its declared model."""

    type: Literal["action"]
    id: ClientId
    action: str = pydantic.Field(max_length=64)
    data: dict[str, Any] = pydantic.Field(default_factory=dict)


ClientFrame = Annotated[
    Subscribe | Unsubscribe | Ping | Pong | Action, pydantic.Field(discriminator="type")
]
client_frame: pydantic.TypeAdapter[ClientFrame] = pydantic.TypeAdapter(ClientFrame)


def parse_client_frame(raw: str | bytes) -> Subscribe | Unsubscribe | Ping | Pong | Action:
    """Decode one client frame; ``orjson.JSONDecodeError`` or ``pydantic.ValidationError``."""
    return client_frame.validate_python(orjson.loads(raw))


# Server → client. (``publication`` frames are built by the publish script in Redis:
# {"type": "publication", "channel", "offset", "epoch", "data"}.)


def _encode(frame: dict[str, Any]) -> bytes:
    return orjson.dumps(frame, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)


def subscribed(
    channel: str, *, id: str | int | None, recovered: bool, offset: int, epoch: str
) -> bytes:
    """The channel is live from ``offset`` (replayed publications, if any, follow)."""
    return _encode(
        {
            "type": "subscribed",
            "id": id,
            "channel": channel,
            "recovered": recovered,
            "offset": offset,
            "epoch": epoch,
        }
    )


def unsubscribed(channel: str, *, id: str | int | None, reason: str | None = None) -> bytes:
    """The subscription ended: asked by the client, or ``reason="forbidden"`` when the
    channel's audience shrank and the caller is no longer in it."""
    if reason is None:
        return _encode({"type": "unsubscribed", "id": id, "channel": channel})
    return _encode({"type": "unsubscribed", "id": id, "channel": channel, "reason": reason})


def resync(channel: str, *, offset: int, epoch: str) -> bytes:
    """Messages were lost: fetch a fresh snapshot; publications continue after ``offset``."""
    return _encode({"type": "resync", "channel": channel, "offset": offset, "epoch": epoch})


def presence(channel: str, count: int) -> bytes:
    """About ``count`` clients are watching ``channel`` (thinned as crowds grow)."""
    return _encode({"type": "presence", "channel": channel, "count": count})


def reply(id: str | int, data: Any) -> bytes:
    return _encode({"type": "reply", "id": id, "data": data})


def error(id: str | int | None, code: str, message: str, **extra: Any) -> bytes:
    return _encode({"type": "error", "id": id, "code": code, "message": message, **extra})


def pong(id: str | int | None) -> bytes:
    return _encode({"type": "pong", "id": id})


PING = _encode({"type": "ping"})
