"""Client → server websocket actions that other contexts register (ranking's ``duel.vote``).

The hub holds no business rule: it parses the frame's ``data`` into the declared model,
checks the declared ``auth``, calls ``handler(app, principal, payload)`` and replies with
its result (a model, a dict or None) or with an ``error`` frame.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pydantic
from aiohttp import web

from metacult.infra.auth import Principal
from metacult.infra.web import Auth
from metacult.typedefs import REALTIME_ACTIONS

ActionHandler = Callable[[web.Application, Principal | None, Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    body: type[pydantic.BaseModel]
    handler: ActionHandler
    auth: Auth


def register_action(
    app: web.Application,
    name: str,
    body_model: type[pydantic.BaseModel],
    handler: ActionHandler,
    *,
    auth: Auth = "user",
) -> None:
    """Let websocket clients send ``{"type": "action", "action": name, "id", "data"}``.

    Call it from the context's ``setup(app)``, before the app starts. ``auth`` is checked
    by the hub (``"user"`` by default: anonymous callers get ``unauthenticated``).
    """
    if REALTIME_ACTIONS not in app:
        app[REALTIME_ACTIONS] = {}
    actions = app[REALTIME_ACTIONS]
    if name in actions:
        raise ValueError(f"websocket action {name!r} is registered twice")
    actions[name] = Action(name=name, body=body_model, handler=handler, auth=auth)
