"""Realtime hub: live channels over Redis pub/sub, resume, SSE and polling fallbacks.

What other contexts may use:

* ``await publish(redis, settings, channel, data)`` from web handlers and async actors;
* ``publish(..., revision=(name, n))``: send a state only if no revision of it as new was
  sent (several writers of one state, in any order); ``await sent_revision(...)``, the last;
* ``await position(redis, settings, channel)``: the channel's epoch and last offset, for
  snapshots that tell the client where its live updates start;
* ``await history_after(redis, settings, channel, offset, limit=...)``: the messages a
  channel kept after an offset (what a reconnecting client receives), oldest first;
* ``register_action(app, name, body_model, handler)`` for client → server websocket actions;
* ``await disconnect(redis, settings, *, user_id, credential=None)``: close that user's
  websockets and SSE streams on every web process and void their tickets (those of one
  ``Principal.credential`` only, when given); call it after the sign-out committed;
* ``await live_figures(redis, settings)``: every web node's live figures (connections,
  subscriptions, messages in / out per second, drops, reconnects, lag) and their sum;
* ``await watched(redis, settings, channel)``: does any web node carry the channel now
  (a publisher of costly figures publishes only while someone watches)?
* ``channels.resolve`` / ``await channels.may_subscribe(app, principal, channel)``, the
  registry ``NAMESPACES``, and ``declare(Namespace(...))`` / ``Namespace`` for a higher
  context's channels (with an awaited ``audience`` when who may read lives in its tables);
* ``WorkerTimings`` and ``worker_timings_key(settings)``: where worker processes add up
  the live path's timings that ``/metrics`` shows.
"""

from metacult.realtime.actions import register_action
from metacult.realtime.channels import (
    NAMESPACES,
    Namespace,
    UnknownChannel,
    declare,
    may_subscribe,
    media_channel,
    resolve,
)
from metacult.realtime.figures import live_figures
from metacult.realtime.metrics import WorkerTimings, worker_timings_key
from metacult.realtime.publishing import (
    Publication,
    history_after,
    position,
    publish,
    sent_revision,
    watched,
)
from metacult.realtime.routes import setup
from metacult.realtime.service import disconnect

__all__ = [
    "NAMESPACES",
    "Namespace",
    "Publication",
    "UnknownChannel",
    "WorkerTimings",
    "declare",
    "disconnect",
    "history_after",
    "live_figures",
    "may_subscribe",
    "media_channel",
    "position",
    "publish",
    "register_action",
    "resolve",
    "sent_revision",
    "setup",
    "watched",
    "worker_timings_key",
]
