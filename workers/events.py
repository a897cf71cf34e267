"""Which actors react to which domain event, and the relay's dispatch into Dramatiq."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import dramatiq

from metacult.infra.events import Event

SUBSCRIBERS: dict[str, list[dramatiq.Actor]] = defaultdict(list)


def on_event(*types: str) -> Callable[[dramatiq.Actor], dramatiq.Actor]:
    """Subscribe an actor (taking one ``event`` dict) to domain event types."""

    def subscribe(actor: dramatiq.Actor) -> dramatiq.Actor:
        for event_type in types:
            SUBSCRIBERS[event_type].append(actor)
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
