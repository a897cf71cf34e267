"""Declared event types: one declaration per name, payloads of the declared model only."""

from __future__ import annotations

import pydantic
import pytest

from metacult.infra.events import DECLARED, PROBED, EventType, ProbePayload, emit
from workers.events import on_event


class Other(pydantic.BaseModel):
    token: str


def test_a_name_is_declared_once() -> None:
    assert DECLARED[PROBED.name] is PROBED
    with pytest.raises(ValueError, match="declared twice"):
        EventType(PROBED.name, Other)


def test_an_event_carries_its_declared_payload_and_version() -> None:
    message = PROBED.event(ProbePayload(token="t")).to_message()

    assert (message["type"], message["version"], message["data"]) == (
        "system.probed",
        PROBED.version,
        {"token": "t"},
    )
    assert PROBED.payload_of(message) == ProbePayload(token="t")
    with pytest.raises(TypeError):
        PROBED.event(Other(token="t"))  # type: ignore[arg-type]


async def test_emit_refuses_a_payload_of_another_model(db) -> None:
    async with db.acquire() as conn, conn.transaction():
        with pytest.raises(TypeError):
            await emit(conn, PROBED, Other(token="t"))  # type: ignore[arg-type]


def test_actors_subscribe_to_declared_types_only() -> None:
    with pytest.raises(TypeError):
        on_event("system.probed")  # type: ignore[arg-type]
