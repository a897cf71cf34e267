"""Which actors react to which domain event, and the relay's dispatch into Dramatiq."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import dramatiq

from metacult.infra.events import Event, EventType

SUBSCRIBERS: dict[str, list[dramatiq.Actor]] = defaultdict(list)


def on_event(*types: EventType) -> Callable[[dramatiq.Actor], dramatiq.Actor]:
    """Subscribe an actor (taking one ``event`` dict) to declared domain event types."""
    for event_type in types:
        if not isinstance(event_type, EventType):
            raise TypeError(f"subscribe to a declared EventType, not {event_type!r}")

    def subscribe(actor: dramatiq.Actor) -> dramatiq.Actor:
        for event_type in types:
            SUBSCRIBERS[event_type.name].append(actor)
        return actor

    return subscribe


def dispatch(events: Sequence[Event], broker: dramatiq.Broker | None = None) -> None:
    """Enqueue one message per (event, subscribed actor); raises when the broker is down."""
    for event in events:
        message = event.to_message()
        for actor in SUBSCRIBERS.get(event.type, ()):
            if broker is None:
                actor.send(message)
            else:
                broker.declare_queue(actor.queue_name)
                broker.enqueue(actor.message(message))
