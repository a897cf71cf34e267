"""Which actors react to which domain event, and the relay's dispatch into Dramatiq.

Each subscription also names the processed-event claim its actor records (``claim(conn,
consumer, event_id)``): the outbox keeps an event until every tracked consumer's claim is
there, and re-sends it to the ones missing (:mod:`metacult.infra.outbox`). The claim name
defaults to ``{context}.{actor name}`` (``interaction.update_media_stats`` for the actor
``update_media_stats`` of ``workers/interaction.py``); ``consumer=`` names another, and
``consumer=None`` leaves an actor untracked (it records no claim).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from types import EllipsisType

import dramatiq

from metacult.infra.events import Event, EventType

SUBSCRIBERS: dict[str, list[dramatiq.Actor]] = defaultdict(list)
# Event type -> {claim name: actor}, for the subscriptions delivery is tracked for.
CONSUMERS: dict[str, dict[str, dramatiq.Actor]] = defaultdict(dict)


def on_event(
    *types: EventType, consumer: str | EllipsisType | None = ...
) -> Callable[[dramatiq.Actor], dramatiq.Actor]:
    """Subscribe an actor (taking one ``event`` dict) to declared domain event types."""
    for event_type in types:
        if not isinstance(event_type, EventType):
            raise TypeError(f"subscribe to a declared EventType, not {event_type!r}")

    def subscribe(actor: dramatiq.Actor) -> dramatiq.Actor:
        claim_name = default_consumer(actor) if consumer is ... else consumer
        for event_type in types:
            SUBSCRIBERS[event_type.name].append(actor)
            if claim_name is not None:
                CONSUMERS[event_type.name][claim_name] = actor
        return actor

    return subscribe


def default_consumer(actor: dramatiq.Actor) -> str:
    """``{context}.{actor name}``: the claim name an actor of ``workers/{context}.py`` records."""
    return f"{actor.fn.__module__.rsplit('.', 1)[-1]}.{actor.actor_name}"


def consumers_of(event_type: str) -> frozenset[str]:
    """The claim names of the consumers whose processing of ``event_type`` is tracked."""
    return frozenset(CONSUMERS.get(event_type, ()))


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


def resend(event: Event, consumers: Collection[str]) -> None:
    """Enqueue ``event`` again for the named consumers only; raises when the broker is down."""
    subscribed = CONSUMERS.get(event.type, {})
    message = event.to_message()
    for name in consumers:
        if name in subscribed:
            subscribed[name].send(message)
