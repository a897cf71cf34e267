"""``docs/events.md``, written from the declared event types and the actors subscribed to them.

``python -m metacult events-doc > docs/events.md`` regenerates it; a test checks that the
committed file is what this module renders.
"""

from __future__ import annotations

import types
import typing
from typing import Any

import workers as workers
from metacult.infra.events import DECLARED, EventType
from workers.events import SUBSCRIBERS

HEADER = """# Domain events

Generated from the declarations (each context's `events.py`) by
`python -m metacult events-doc > docs/events.md`; do not edit by hand.

Every event is written to the outbox in the transaction that makes its change, and
delivered after commit to the actors subscribed to it, as
`{"id", "type", "version", "occurred_at", "data"}`; `data` is the payload below.
Actors may receive an event twice and are idempotent by its `id`.
"""


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, types.UnionType | typing._UnionGenericAlias):  # type: ignore[attr-defined]
        return " or ".join(_type_name(arg) for arg in typing.get_args(annotation))
    if typing.get_origin(annotation) is typing.Literal:
        return "one of " + ", ".join(f"`{value}`" for value in typing.get_args(annotation))
    if annotation is type(None):
        return "null"
    if typing.get_origin(annotation) in (list, tuple):
        # A list in JSON, whichever sequence the frozen payload holds it in.
        return "list of " + _type_name(typing.get_args(annotation)[0])
    return getattr(annotation, "__name__", str(annotation))


def _section(event_type: EventType[Any]) -> str:
    lines = [
        f"### `{event_type.name}` (version {event_type.version})",
        "",
        event_type.summary,
        "",
        "| field | type |",
        "|---|---|",
    ]
    for name, field in event_type.payload.model_fields.items():
        lines.append(f"| `{name}` | {_type_name(field.annotation)} |")
    # Sorted: the order actors were imported in is no part of the contract.
    actors = sorted(actor.actor_name for actor in SUBSCRIBERS.get(event_type.name, ()))
    lines += ["", "Received by: " + (", ".join(f"`{a}`" for a in actors) or "no actor yet"), ""]
    return "\n".join(lines)


def render() -> str:
    """The whole of ``docs/events.md``: one section per context, one entry per event type."""
    parts = [HEADER]
    context = None
    for name in sorted(DECLARED):
        if name.split(".")[0] != context:
            context = name.split(".")[0]
            parts.append(f"## {context}\n")
        parts.append(_section(DECLARED[name]))
    return "\n".join(parts)
