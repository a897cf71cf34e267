"""Domain events: frozen data with an id, a version and a past-tense name.

Each context declares its event types in its own ``events.py`` as :class:`EventType`
values (name, version, pydantic payload). Services emit them with :func:`emit` inside
the transaction that makes the change, so an event exists exactly when its change
committed. Consumers (Dramatiq actors) receive :meth:`Event.to_message`, read the
payload with :meth:`EventType.payload_of` and use :func:`claim` to handle each id once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import asyncpg
import pydantic

OUTBOX_CHANNEL = "outbox"

Payload = TypeVar("Payload", bound=pydantic.BaseModel)

# Every declared event type by name: docs/events.md and the event tests read it.
DECLARED: dict[str, EventType[Any]] = {}


@dataclass(frozen=True, slots=True)
class EventType(Generic[Payload]):
    """A declared domain event: ``context.past_tense`` name, version and payload model."""

    name: str
    payload: type[Payload]
    version: int = 1
    summary: str = ""

    def __post_init__(self) -> None:
        known = DECLARED.get(self.name)
        if known is not None and known != self:
            raise ValueError(f"event type {self.name} is declared twice")
        DECLARED[self.name] = self

    def payload_of(self, message: dict[str, Any]) -> Payload:
        """The typed payload of a message an actor received for this event type."""
        return self.payload.model_validate(message["data"])

    def event(self, payload: Payload) -> Event:
        """A new event of this type (not yet written anywhere: :func:`emit` writes it)."""
        if not isinstance(payload, self.payload):
            raise TypeError(f"{self.name} carries {self.payload.__name__}, not {payload!r}")
        return Event(type=self.name, data=payload.model_dump(mode="json"), version=self.version)


@dataclass(frozen=True, slots=True)
class Event:
    """``type`` reads ``context.past_tense`` (``interaction.rated``); ``data`` is JSON."""

    type: str
    data: dict[str, Any]
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_message(self) -> dict[str, Any]:
        """The JSON form actors receive."""
        return {
            "id": str(self.id),
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.data,
        }

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Event:
        return cls(
            type=message["type"],
            data=message["data"],
            version=message["version"],
            id=uuid.UUID(message["id"]),
            occurred_at=datetime.fromisoformat(message["occurred_at"]),
        )


async def emit(conn: asyncpg.Connection, type: EventType[Payload], payload: Payload) -> Event:
    """Write an event to the outbox in the caller's transaction; the relay sends it after commit.

    ``type`` is a declared :class:`EventType` and ``payload`` an instance of its payload model.
    """
    if not conn.is_in_transaction():
        raise RuntimeError("emit() must run inside the transaction that makes the change")
    event = type.event(payload)
    await conn.execute(
        "INSERT INTO outbox (id, type, version, data, occurred_at) VALUES ($1, $2, $3, $4, $5)",
        event.id,
        event.type,
        event.version,
        event.data,
        event.occurred_at,
    )
    # Delivered by PostgreSQL at commit, and not at all on rollback: wakes the relay.
    await conn.execute("SELECT pg_notify($1, '')", OUTBOX_CHANNEL)
    return event


async def claim(conn: asyncpg.Connection, consumer: str, event_id: uuid.UUID | str) -> bool:
    """Record that ``consumer`` handles ``event_id``; False when it already did.

    Call it in the transaction that applies the event's effects, so that the claim
    and the effects commit (or roll back) together.
    """
    row = await conn.fetchval(
        "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        consumer,
        uuid.UUID(str(event_id)),
    )
    return row is not None


class ProbePayload(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    token: str


# The platform's own event: a probe of the pipeline outbox → relay → broker → worker.
PROBED = EventType(
    "system.probed",
    ProbePayload,
    summary="A probe of the event pipeline; the worker answers it in Redis.",
)
