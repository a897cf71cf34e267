"""The channel registry: per namespace, who may subscribe, how much history, how it is delivered.

Who receives a live message is decided here and nowhere else, so that the audience of
every channel is reviewed like authorisation (STYLE habit 6). A channel is
``namespace:argument`` (``user:42``, ``media:7``, ``leaderboard:kind:game``,
``admin:dashboard``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from metacult.infra.auth import Principal

Delivery = Literal["must", "droppable"]

CHANNEL_MAX_LENGTH = 128
_CHANNEL = re.compile(r"^([a-z]+):([A-Za-z0-9_.:-]+)$")


class UnknownChannel(ValueError):
    """The channel's name or namespace is not in the registry."""


@dataclass(frozen=True, slots=True)
class Namespace:
    """What holds for every channel of one namespace."""

    name: str
    # Which arguments exist (``user:abc`` is not a channel).
    argument: re.Pattern[str]
    # May this caller (None: anonymous) subscribe to the channel with this argument?
    may_subscribe: Callable[[Principal | None, str], bool]
    # Messages kept for resume (the Redis stream's MAXLEN) and for how long after the last one.
    history_size: int
    history_ttl: int
    # "must": a client that cannot keep up is disconnected rather than skip a message;
    # "droppable": under pressure a client skips messages (live stats, presence).
    delivery: Delivery
    # Does the hub push "N watching now" counts on these channels?
    presence: bool = False
    # When who may read a channel lives in the database (a list's readers), an awaited
    # check after ``may_subscribe``: ``audience(app, principal, argument)``. Every
    # transport (websocket, SSE, long-poll) awaits it through :func:`may_subscribe`.
    audience: Callable[[Any, Principal | None, str], Awaitable[bool]] | None = None

    @property
    def public(self) -> bool:
        return self.audience is None and self.may_subscribe(None, "")


def _anyone(principal: Principal | None, argument: str) -> bool:
    return True


def _that_user(principal: Principal | None, argument: str) -> bool:
    return principal is not None and str(principal.user_id) == argument


def _nobody(principal: Principal | None, argument: str) -> bool:
    return False


def _admins(principal: Principal | None, argument: str) -> bool:
    return principal is not None and principal.is_admin


_ID = re.compile(r"^[1-9][0-9]{0,18}$")

NAMESPACES: dict[str, Namespace] = {
    namespace.name: namespace
    for namespace in (
        # Notifications for one user: XP, level up, badge, price drop, new feed items, next duel.
        Namespace("user", _ID, _that_user, history_size=200, history_ttl=86_400, delivery="must"),
        # Live counters and new reviews of a title; viewers see "N watching now".
        Namespace(
            "media",
            _ID,
            _anyone,
            history_size=100,
            history_ttl=3_600,
            delivery="must",
            presence=True,
        ),
        # Rank moves in the top N of one scope (global, kind:game, genre:rpg, xp:weekly, ...).
        Namespace(
            "leaderboard",
            re.compile(r"^[a-z0-9_-]+(:[a-z0-9_-]+)?$"),
            _anyone,
            history_size=100,
            history_ttl=3_600,
            delivery="must",
        ),
        # Live stats for administrators, refreshed every second: a stale one is worthless.
        Namespace(
            "admin",
            re.compile(r"^dashboard$"),
            _admins,
            history_size=10,
            history_ttl=60,
            delivery="droppable",
        ),
        # The hubs' own control messages (sign-outs); no client may subscribe.
        Namespace(
            "control",
            re.compile(r"^sessions$"),
            _nobody,
            history_size=1_000,
            history_ttl=600,
            delivery="must",
        ),
    )
}

# Where ``realtime.disconnect`` tells every hub to close a user's connections.
SIGN_OUTS = "control:sessions"


def media_channel(media_id: int) -> str:
    """One title's channel: its live counters and new reviews."""
    return f"media:{media_id}"


# How long a channel's epoch and offset outlive its last message: resuming clients of a
# quiet channel keep their position instead of being told to resync.
META_TTL = 30 * 86_400


def resolve(channel: str) -> tuple[Namespace, str]:
    """The namespace and argument of ``channel``; :class:`UnknownChannel` when there is none."""
    if len(channel) > CHANNEL_MAX_LENGTH:
        raise UnknownChannel(f"channel names are at most {CHANNEL_MAX_LENGTH} characters")
    match = _CHANNEL.match(channel)
    if match is None:
        raise UnknownChannel(f"{channel!r} is not a channel name (namespace:argument)")
    name, argument = match.groups()
    namespace = NAMESPACES.get(name)
    if namespace is None:
        raise UnknownChannel(f"unknown namespace {name!r}")
    if not namespace.argument.match(argument):
        raise UnknownChannel(f"{channel!r} is not a channel of namespace {name!r}")
    return namespace, argument


def declare(namespace: Namespace) -> Namespace:
    """Add a namespace declared by a higher context (``list:{id}`` by interaction).

    The contexts above realtime declare their channels here when they are imported, the
    way they register actions, so that realtime never imports them.
    """
    known = NAMESPACES.get(namespace.name)
    if known is not None and known != namespace:
        raise ValueError(f"namespace {namespace.name!r} is already declared")
    NAMESPACES[namespace.name] = namespace
    return namespace


async def may_subscribe(app: Any, principal: Principal | None, channel: str) -> bool:
    """The one authorisation rule of live channels (raises :class:`UnknownChannel`).

    ``app`` is the web application (its database, for namespaces with an ``audience``).
    """
    namespace, argument = resolve(channel)
    if not namespace.may_subscribe(principal, argument):
        return False
    if namespace.audience is None:
        return True
    return await namespace.audience(app, principal, argument)
