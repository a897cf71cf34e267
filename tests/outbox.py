"""What the tests' actions emitted: outbox events of a declared type, and who receives them."""

from __future__ import annotations

from typing import Any

import asyncpg

from metacult.infra.events import EventType


async def emitted(db: asyncpg.Pool, event_type: EventType, **about: Any) -> list[dict[str, Any]]:
    """The payloads of the outbox events of ``event_type`` whose data has every ``about``
    value, oldest first; each was written with the type's declared version."""
    rows = await db.fetch(
        "SELECT version, data FROM outbox WHERE type = $1 AND data @> $2::jsonb"
        " ORDER BY occurred_at",
        event_type.name,
        about,
    )
    assert {row["version"] for row in rows} <= {event_type.version}
    return [row["data"] for row in rows]


def receivers(event_type: EventType) -> set[str]:
    """The names of the actors subscribed to ``event_type``."""
    import workers  # noqa: F401  (every actor module subscribes on import)
    from workers.events import SUBSCRIBERS

    return {actor.actor_name for actor in SUBSCRIBERS.get(event_type.name, ())}
