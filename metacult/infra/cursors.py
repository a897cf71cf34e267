"""Opaque page cursors: a declared tuple of values, carried as unpadded base64url of JSON.

Each list declares the shape of its cursor with the types below (``tuple[Id]``,
``tuple[Timestamp, Id]``, ``tuple[Literal["popular"], Number, Id]``), makes cursors with
``encode_position`` and reads what a client sends back with ``decode_position``: whatever
comes in, the caller gets values of those types within what PostgreSQL stores (64-bit
integers, finite numbers, datetimes that stay datetimes in UTC, text without NUL), or a 422
on ``cursor``. ``encode`` / ``decode`` are the bare base64url wrapping underneath.
"""

from __future__ import annotations

import base64
import binascii
import functools
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

import orjson
import pydantic

from metacult.infra.errors import invalid_field

INT64_MAX = 2**63 - 1

Shape = TypeVar("Shape")


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL character")
    return value


# The value types a cursor may hold.
Id = Annotated[int, pydantic.Field(ge=1, le=INT64_MAX)]
Int64 = Annotated[int, pydantic.Field(ge=-INT64_MAX - 1, le=INT64_MAX)]
Number = Annotated[float, pydantic.Field(allow_inf_nan=False)]
Timestamp = Annotated[pydantic.AwareDatetime, pydantic.AfterValidator(_utc)]
Day = date
Text = Annotated[str, pydantic.Field(max_length=1000), pydantic.AfterValidator(_no_nul)]


def encode(raw: bytes) -> str:
    """``raw`` as base64url without padding."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> bytes:
    """The bytes ``encode`` wrapped; ``ValueError`` when ``cursor`` is not base64url."""
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def encode_position(position: tuple[Any, ...]) -> str:
    """The cursor of a page that ends at ``position`` (the last row's sort key and id)."""
    return encode(orjson.dumps(list(position), option=orjson.OPT_UTC_Z))


def decode_position(cursor: str, shape: type[Shape]) -> Shape:
    """The position ``cursor`` stands for, of the declared ``shape``; 422 on ``cursor``
    when it is not a cursor of that shape (forged, damaged, from another list)."""
    try:
        return _adapter(shape).validate_json(decode(cursor), strict=True)
    except (binascii.Error, ValueError, pydantic.ValidationError):
        raise invalid_field("cursor", "is not a cursor from a previous page") from None


@functools.cache
def _adapter(shape: Any) -> pydantic.TypeAdapter:
    return pydantic.TypeAdapter(shape)
