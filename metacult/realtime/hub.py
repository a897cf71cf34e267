"""The hub of one web process: one Redis pub/sub connection, fan-out to local subscribers, resume.

Each channel with at least one local subscriber is carried by the process's single pub/sub
connection. The hub tracks, per channel, the epoch and the last offset it handed out;
anything that breaks the sequence (a reconnect, a missed message, a new epoch) is filled
from the channel's history in Redis, or announced with ``resync``. While a gap is being
filled, live messages for that channel wait in a backlog so that order is kept without
ever blocking the listener.

On a Redis Cluster (``REDIS_CLUSTER=1``) the channels are shard channels: the hub keeps one
pub/sub connection per master (a ``Link``) and ``SSUBSCRIBE``s each channel on the master
owning its slot (the cluster client's slot map). When a slot moves (Redis pushes an
unrequested ``sunsubscribe``, or answers ``MOVED``) or a master's connection drops, the hub
refreshes the slot map and subscribes those channels on their owner again, filling the gap
from the history exactly as after a reconnect.

The same connection (on a cluster, the link to the master owning the versions' slot)
carries the page versions' bumps (``metacult.infra.pagecache``): the hub tells the process's
page cache when that subscription is confirmed, lost, still heard (the canary), and each
bump as it arrives, in the order Redis sent it among the live messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import hiredis
import orjson
from redis.asyncio import Redis
from redis.crc import key_slot
from redis.exceptions import RedisClusterException, RedisError

from metacult.config import Settings
from metacult.infra.auth import Principal
from metacult.infra.errors import Unavailable
from metacult.infra.pagecache import PageCache, bumps_channel
from metacult.infra.redis import is_cluster, rkey
from metacult.realtime import admission, protocol
from metacult.realtime import figures as figures_of
from metacult.realtime.channels import SIGN_OUTS, Namespace, may_subscribe, resolve
from metacult.realtime.metrics import HubMetrics
from metacult.realtime.protocol import Since
from metacult.realtime.publishing import (
    RECHECK_TAIL,
    history_after,
    position,
    publish,
    pubsub_channel,
    watched,
)
from metacult.realtime.pubsub import PubSubConnection

log = logging.getLogger("metacult.realtime")

ATTACH_TIMEOUT = 5.0
SUBSCRIBE_BATCH = 500
# How many times stop() cancels a realtime task that outlived its cancellation.
STOP_ATTEMPTS = 5
# Writes to at least this many sockets at once open a burst window (``flush_soon``).
COALESCE_AFTER = 100


class Subscriber(Protocol):
    """A local consumer of channels: a websocket, an SSE stream, a long-poll waiter."""

    # Counted in presence ("N watching now")?
    watching: bool

    def deliver(self, frame: bytes, droppable: bool) -> None:
        """Take one encoded frame; must not block (queue it or drop it)."""


class Flushable(Protocol):
    """A subscriber that queues frames and writes them together (a websocket)."""

    def flush(self) -> None:
        """Write what is queued, in one write where it can."""


class Pinged(Protocol):
    """A websocket: the ping loop pings it, or closes it when it has been silent too long;
    its lease in the shared connection counts is renewed meanwhile. The hub also closes it
    at shutdown and when its principal signs out, as a :class:`Session`."""

    principal: Principal | None
    lease: admission.Lease | None

    def tick(self, now: float) -> None: ...

    async def close_going_away(self) -> None: ...

    async def close_signed_out(self) -> None: ...


class Session(Protocol):
    """A long-lived connection the hub closes when the process shuts down, or when its
    principal is signed out (``realtime.disconnect``)."""

    principal: Principal | None

    async def close_going_away(self) -> None: ...

    async def close_signed_out(self) -> None: ...


class SignOutListener:
    """The hub's own subscriber of ``SIGN_OUTS``: closes the connections of who signed out."""

    watching = False

    def __init__(self, hub: Hub) -> None:
        self._hub = weakref.ref(hub)

    def deliver(self, frame: bytes, droppable: bool = False) -> None:
        hub = self._hub()
        message = orjson.loads(frame)
        # A resync means sign-outs were lost with Redis's data; the tickets went with them.
        if hub is None or message["type"] != "publication":
            return
        data = message["data"]
        if data.get("type") == "disconnect":
            hub.disconnect_local(data["user_id"], data.get("credential"))


class HubUnavailable(Unavailable):
    """Live updates are reconnecting; try again in a moment."""


@dataclass(eq=False)
class ChannelState:
    """What this process knows of one channel it carries."""

    name: str
    namespace: Namespace
    key: bytes
    epoch: str = ""
    offset: int = 0
    subscribers: set[Subscriber] = field(default_factory=set)
    # Not None while the position is unknown or a gap is being filled: live messages wait here.
    backlog: list[tuple[int, str, int, bytes]] | None = field(default_factory=list)
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    filling: bool = False
    # Subscribers being attached (the channel must not be dropped under them).
    joining: int = 0
    known: bool = False
    empty_since: float | None = None
    presence_shown: int = -1
    # On a cluster: the master (``host:port``) it is subscribed on, None while it is not.
    node: str | None = None


@dataclass(eq=False)
class Link:
    """On a cluster: the pub/sub connection to one master (``name`` is its ``host:port``)."""

    name: str
    url: str
    connection: PubSubConnection | None = None
    canary_seen: float = 0.0
    task: asyncio.Task | None = None


def node_url(url: str, host: str, port: int) -> str:
    """``url`` (its scheme and credentials) pointed at another node of its cluster."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, "", "", ""))


class Hub:
    """One per web process (``app[HUB]``); started and stopped by the app's cleanup context."""

    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        metrics: HubMetrics,
        pages: PageCache | None = None,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.metrics = metrics
        self.node = secrets.token_hex(6)
        # The SSE streams and long-polls (websockets are in ``websockets``).
        self.sessions: weakref.WeakSet[Session] = weakref.WeakSet()
        # Websocket sessions, pinged (and closed when silent) by one loop rather than a
        # task or a receive timer each.
        self.websockets: weakref.WeakSet[Pinged] = weakref.WeakSet()
        self.closing = False
        self._channels: dict[str, ChannelState] = {}
        # Connections with frames waiting for this loop iteration's one write each, and
        # when the last such writes ended (loop time).
        self._unflushed: list[Flushable] = []
        self._flushed_at = float("-inf")
        self._coalesce = settings.realtime_coalesce_ms / 1000
        self._by_key: dict[bytes, ChannelState] = {}
        self._connection: PubSubConnection | None = None
        self._connected = asyncio.Event()
        self._canary_key = rkey(settings, "rt", "canary", self.node).encode()
        self._canary_seen = 0.0
        self._canary_event = asyncio.Event()
        # The page cache told of the bumps, and on a cluster the master they are heard from.
        self._pages = pages
        self._bumps_key = bumps_channel(settings).encode()
        self._bumps_node: str | None = None
        self._tasks: list[asyncio.Task] = []
        self._background: set[asyncio.Task] = set()
        self._sign_outs = SignOutListener(self)
        # The web application, for the namespaces' awaited audience checks (set by setup).
        self.app: Any = None
        self._cluster = is_cluster(redis)
        self._links: dict[str, Link] = {}
        # Set when the slot map must be read again (a slot moved, a master went away).
        self._topology = asyncio.Event()

    # Life cycle.

    async def start(self) -> None:
        loops: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            ("pubsub", self._supervise_cluster if self._cluster else self._supervise),
            ("canary", self._canary_loop),
            ("presence", self._presence_loop),
            ("dashboard", self._dashboard_loop),
            ("linger", self._linger_loop),
            ("ping", self._ping_loop),
        ]
        # Carried from the start, whether Redis answers yet or not: the supervisor
        # subscribes it with every other channel and fills its gaps after a reconnect.
        sign_outs = self._ensure_channel(SIGN_OUTS, resolve(SIGN_OUTS)[0])
        sign_outs.subscribers.add(self._sign_outs)
        for name, loop in loops:
            self._tasks.append(asyncio.create_task(loop(), name=f"realtime-{name}"))

    async def shutdown(self) -> None:
        """Refuse new connections and close the open ones with 1001 (going away)."""
        self.closing = True
        sessions = [*self.sessions, *self.websockets]
        if sessions:
            await asyncio.wait(
                [asyncio.create_task(session.close_going_away()) for session in sessions],
                timeout=2.0,
            )

    async def stop(self) -> None:
        tasks = [*self._tasks, *self._background]
        # A library may swallow a cancellation (redis-py can, caught mid-command), and the
        # loop then sleeps again: cancel whatever still runs once more rather than wait on
        # it forever (a web process that never finished stopping).
        for _ in range(STOP_ATTEMPTS):
            running = [task for task in tasks if not task.done()]
            if not running:
                break
            for task in running:
                task.cancel()
            await asyncio.wait(running, timeout=1.0)
        stopped = [task for task in tasks if task.done()]
        await asyncio.gather(*stopped, return_exceptions=True)
        if len(stopped) < len(tasks):
            log.warning(
                "realtime tasks still running after stop",
                extra={"count": len(tasks) - len(stopped)},
            )
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        for link in self._links.values():
            if link.connection is not None:
                link.connection.close()
                link.connection = None

    def disconnect_local(self, user_id: int, credential: str | None) -> None:
        """Close this process's connections of ``user_id`` (of one ``credential``, or all)."""
        for session in [*self.sessions, *self.websockets]:
            principal = session.principal
            if principal is None or principal.user_id != user_id:
                continue
            if credential is None or principal.credential == credential:
                self._spawn(session.close_signed_out())

    async def alive(self) -> bool:
        """The readiness probe: connected, and a canary published lately came back."""
        if self.closing:
            return False
        try:
            async with asyncio.timeout(1.0):
                await self._connected.wait()
        except TimeoutError:
            return False
        if time.monotonic() - self._canary_seen < 3 * self.settings.realtime_canary_interval:
            return True
        self._canary_event.clear()
        await self.redis.publish(self._canary_key, b"probe")
        try:
            async with asyncio.timeout(1.0):
                await self._canary_event.wait()
        except TimeoutError:
            return False
        return True

    # Subscriptions.

    async def attach(
        self, subscriber: Subscriber, channel: str, since: Since | None
    ) -> tuple[bool, int, str, list[bytes]]:
        """Add ``subscriber`` to ``channel``; (recovered, offset, epoch, frames to replay).

        When this returns, the subscriber is registered and receives every publication
        after ``offset``; the caller hands it the replayed frames before yielding, so that
        nothing is missed and nothing comes twice.
        """
        namespace, _ = resolve(channel)
        state = self._ensure_channel(channel, namespace)
        state.empty_since = None
        state.joining += 1
        try:
            return await self._attach(state, subscriber, since)
        finally:
            state.joining -= 1

    async def _attach(
        self, state: ChannelState, subscriber: Subscriber, since: Since | None
    ) -> tuple[bool, int, str, list[bytes]]:
        channel, namespace = state.name, state.namespace
        for _attempt in range(50):
            if state.backlog is not None:
                try:
                    async with asyncio.timeout(ATTACH_TIMEOUT):
                        await state.settled.wait()
                except TimeoutError:
                    if not state.subscribers:
                        state.empty_since = time.monotonic()
                    raise HubUnavailable() from None
                continue
            if since is None or since.epoch != state.epoch:
                return self._register(state, subscriber, False, [])
            if since.offset > state.offset:
                # The client saw more than this process yet (it came from a faster one):
                # wait for the listener to catch up rather than send it duplicates.
                await asyncio.sleep(0.02)
                continue
            if since.offset == state.offset:
                return self._register(state, subscriber, True, [])
            try:
                history = await history_after(
                    self.redis,
                    self.settings,
                    channel,
                    since.offset,
                    limit=namespace.history_size + 1,
                )
            except (RedisError, OSError):
                if not state.subscribers:
                    state.empty_since = time.monotonic()
                raise HubUnavailable() from None
            if state.backlog is not None:
                continue
            if not history.continues(since.epoch, since.offset):
                return self._register(state, subscriber, False, [])
            if history.epoch != state.epoch or history.offset < state.offset:
                continue
            replay = [entry.frame for entry in history.entries if entry.offset <= state.offset]
            return self._register(state, subscriber, True, replay)
        return self._register(state, subscriber, False, [])

    def _register(
        self, state: ChannelState, subscriber: Subscriber, recovered: bool, replay: list[bytes]
    ) -> tuple[bool, int, str, list[bytes]]:
        state.subscribers.add(subscriber)
        state.empty_since = None
        self.metrics.subscriptions.inc()
        return recovered, state.offset, state.epoch, replay

    def detach(self, subscriber: Subscriber, channel: str) -> None:
        state = self._channels.get(channel)
        if state is None or subscriber not in state.subscribers:
            return
        state.subscribers.discard(subscriber)
        self.metrics.subscriptions.dec()
        if not state.subscribers:
            state.empty_since = time.monotonic()

    def local_subscribers(self, channel: str) -> int:
        state = self._channels.get(channel)
        return len(state.subscribers) if state else 0

    def _ensure_channel(self, channel: str, namespace: Namespace) -> ChannelState:
        state = self._channels.get(channel)
        if state is not None:
            return state
        key = pubsub_channel(self.settings, channel).encode()
        state = ChannelState(name=channel, namespace=namespace, key=key)
        self._channels[channel] = state
        self._by_key[key] = state
        self.metrics.channels.set(len(self._channels))
        if self._cluster:
            self._place(state)
        elif self._connection is not None:
            # On failure, the supervisor re-subscribes every channel when it reconnects.
            with contextlib.suppress(ConnectionError):
                self._connection.send("SUBSCRIBE", key)
        return state

    async def _linger_loop(self) -> None:
        while True:
            # A channel nobody listens to any more is kept a little while before UNSUBSCRIBE,
            # so that a page reload does not churn the pub/sub connection.
            linger = self.settings.realtime_channel_linger
            await asyncio.sleep(min(1.0, linger))
            now = time.monotonic()
            for state in list(self._channels.values()):
                if (
                    state.empty_since is not None
                    and not state.subscribers
                    and not state.joining
                    and now - state.empty_since > linger
                    and state.settled.is_set()
                ):
                    del self._channels[state.name]
                    del self._by_key[state.key]
                    if self._cluster:
                        self._unplace(state)
                    elif self._connection is not None:
                        with contextlib.suppress(ConnectionError):
                            self._connection.send("UNSUBSCRIBE", state.key)
            self.metrics.channels.set(len(self._channels))

    # The pub/sub connection.

    async def _supervise(self) -> None:
        delay = 0.05
        while True:
            try:
                connection = await PubSubConnection.open(self.settings.redis_url)
            except (OSError, ConnectionError, TimeoutError) as exc:
                log.warning("pub/sub connect failed", extra={"error": repr(exc)})
                await asyncio.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 5.0)
                continue
            opened = time.monotonic()
            try:
                self._subscribe_all(connection)
                self._connection = connection
                self._connected.set()
                await self._listen(connection)
            except (OSError, ConnectionError) as exc:
                log.warning("pub/sub connection lost", extra={"error": repr(exc)})
            finally:
                self._connected.clear()
                self._connection = None
                connection.close()
                self._bumps_lost()
            self.metrics.pubsub_reconnects.inc()
            if time.monotonic() - opened > 10:
                delay = 0.05
            await asyncio.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 5.0)

    def _subscribe_all(self, connection: PubSubConnection) -> None:
        for state in self._channels.values():
            if state.backlog is None:
                state.backlog = []
                state.settled.clear()
        keys = [self._canary_key, *self._bumps_keys(), *self._by_key]
        for start in range(0, len(keys), SUBSCRIBE_BATCH):
            connection.send("SUBSCRIBE", *keys[start : start + SUBSCRIBE_BATCH])

    async def _listen(self, connection: PubSubConnection) -> None:
        while True:
            for reply in await connection.read():
                kind = reply[0]
                if kind == b"message":
                    self._on_message(reply[1], reply[2])
                elif kind == b"subscribe":
                    self._on_subscribed(reply[1])

    # The pub/sub connections on a cluster: one per master, shard channels.

    def _owner(self, key: bytes) -> str | None:
        """The ``host:port`` of the master owning ``key``'s slot, from the client's map."""
        try:
            node = self.redis.get_node_from_key(key)  # type: ignore[attr-defined]
        except (RedisError, RedisClusterException, LookupError):
            # Not read yet (the client starts without one) or not covered: the supervisor
            # places the channel once it has read the map.
            return None
        return node.name if node is not None else None

    @staticmethod
    def _unsettle(state: ChannelState) -> None:
        """Live messages wait while the channel is (re)subscribed and its gap filled."""
        if state.backlog is None:
            state.backlog = []
            state.settled.clear()

    def _place(self, state: ChannelState) -> None:
        """SSUBSCRIBE ``state`` on its slot's master, or leave it to the supervisor."""
        owner = self._owner(state.key)
        link = self._links.get(owner) if owner is not None else None
        if link is None:
            self._topology.set()
            return
        if link.connection is None:
            # Subscribed with the rest when that link connects.
            return
        self._unsettle(state)
        try:
            link.connection.send("SSUBSCRIBE", state.key)
        except ConnectionError:
            return
        state.node = link.name

    def _unplace(self, state: ChannelState) -> None:
        link = self._links.get(state.node) if state.node is not None else None
        state.node = None
        if link is not None and link.connection is not None:
            with contextlib.suppress(ConnectionError):
                link.connection.send("SUNSUBSCRIBE", state.key)

    # The page versions' bumps.

    def _bumps_keys(self) -> list[bytes]:
        return [self._bumps_key] if self._pages is not None else []

    def _bumps_lost(self) -> None:
        self._bumps_node = None
        if self._pages is not None:
            self._pages.unsubscribed()

    def _place_bumps(self) -> None:
        """On a cluster: hear the bumps from the master owning their slot (again, if it moved)."""
        if self._pages is None:
            return
        owner = self._owner(self._bumps_key)
        if owner == self._bumps_node:
            return
        if self._bumps_node is not None:
            old = self._links.get(self._bumps_node)
            if old is not None and old.connection is not None:
                with contextlib.suppress(ConnectionError):
                    old.connection.send("SUNSUBSCRIBE", self._bumps_key)
            self._bumps_lost()
        link = self._links.get(owner) if owner is not None else None
        if link is None or link.connection is None:
            return
        try:
            link.connection.send("SSUBSCRIBE", self._bumps_key)
        except ConnectionError:
            return
        self._bumps_node = link.name

    def _update_connected(self) -> None:
        if self._links and all(link.connection is not None for link in self._links.values()):
            self._connected.set()
        else:
            self._connected.clear()

    async def _supervise_cluster(self) -> None:
        """Read the slot map, keep one link per master, move channels to their owner."""
        while True:
            self._topology.clear()
            try:
                await self.redis.nodes_manager.initialize()  # type: ignore[attr-defined]
                masters = {node.name: node for node in self.redis.get_primaries()}  # type: ignore[attr-defined]
            except (RedisError, RedisClusterException, OSError) as exc:
                log.warning("cluster slot map unavailable", extra={"error": repr(exc)})
                await asyncio.sleep(0.5)
                continue
            for name in [name for name in self._links if name not in masters]:
                link = self._links.pop(name)
                if link.task is not None:
                    link.task.cancel()
                if link.connection is not None:
                    link.connection.close()
                    link.connection = None
            for name, node in masters.items():
                if name not in self._links:
                    url = node_url(self.settings.redis_url, node.host, node.port)
                    link = Link(name=name, url=url)
                    self._links[name] = link
                    link.task = asyncio.create_task(
                        self._link_loop(link), name=f"realtime-pubsub-{name}"
                    )
                    self._tasks.append(link.task)
            for state in self._channels.values():
                owner = self._owner(state.key)
                if state.node != owner:
                    if state.node is not None:
                        self._unplace(state)
                    self._place(state)
            self._place_bumps()
            self._update_connected()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(30.0):
                    await self._topology.wait()
            # Let a slot migration finish on every master before reading the map again.
            await asyncio.sleep(0.1)

    async def _link_loop(self, link: Link) -> None:
        delay = 0.05
        while True:
            try:
                connection = await PubSubConnection.open(link.url)
            except (OSError, ConnectionError, TimeoutError) as exc:
                log.warning("pub/sub connect failed", extra={"error": repr(exc)})
                self._topology.set()
                await asyncio.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 5.0)
                continue
            opened = time.monotonic()
            try:
                # Classic pub/sub is broadcast to every master: one canary checks them all.
                connection.send("SUBSCRIBE", self._canary_key)
                for state in self._channels.values():
                    if self._owner(state.key) == link.name:
                        self._unsettle(state)
                        # One command per shard channel: several must share a slot.
                        connection.send("SSUBSCRIBE", state.key)
                        state.node = link.name
                if self._pages is not None and self._owner(self._bumps_key) == link.name:
                    connection.send("SSUBSCRIBE", self._bumps_key)
                    self._bumps_node = link.name
                link.connection = connection
                self._update_connected()
                await self._listen_link(link, connection)
            except (OSError, ConnectionError) as exc:
                log.warning("pub/sub connection lost", extra={"error": repr(exc)})
            finally:
                link.connection = None
                connection.close()
                self._update_connected()
                for state in self._channels.values():
                    if state.node == link.name:
                        state.node = None
                if self._bumps_node == link.name:
                    self._bumps_lost()
                # The master may be gone (failover): read the slot map again.
                self._topology.set()
            self.metrics.pubsub_reconnects.inc()
            if time.monotonic() - opened > 10:
                delay = 0.05
            await asyncio.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 5.0)

    async def _listen_link(self, link: Link, connection: PubSubConnection) -> None:
        while True:
            for reply in await connection.read():
                if isinstance(reply, hiredis.ReplyError):
                    self._on_refused(link, str(reply))
                    continue
                kind = reply[0]
                if kind == b"smessage":
                    self._on_message(reply[1], reply[2])
                elif kind == b"ssubscribe":
                    self._on_subscribed(reply[1])
                elif kind == b"sunsubscribe":
                    self._on_unsubscribed(link, reply[1])
                elif kind == b"message":
                    link.canary_seen = time.monotonic()
                    if link.name == self._bumps_node and self._pages is not None:
                        self._pages.heard()
                    self._on_message(reply[1], reply[2])
                elif kind == b"subscribe":
                    self._on_subscribed(reply[1])

    def _on_unsubscribed(self, link: Link, key: bytes) -> None:
        if key == self._bumps_key and self._bumps_node == link.name:
            self._bumps_lost()
            self._topology.set()
            return
        state = self._by_key.get(key)
        if state is not None and state.node == link.name:
            # Not asked for: the slot moved to another master.
            state.node = None
            self._topology.set()

    def _on_refused(self, link: Link, error: str) -> None:
        # MOVED <slot> <host:port>: SSUBSCRIBE sent with a stale slot map.
        words = error.split()
        log.info("shard subscription refused", extra={"error": error, "node": link.name})
        slot = int(words[1]) if len(words) >= 2 and words[1].isdigit() else None
        if self._bumps_node == link.name and (slot is None or key_slot(self._bumps_key) == slot):
            self._bumps_lost()
        for state in self._channels.values():
            if state.node == link.name and (slot is None or key_slot(state.key) == slot):
                state.node = None
        self._topology.set()

    def _on_subscribed(self, key: bytes) -> None:
        if key == self._canary_key:
            self._spawn(self._publish_canary())
            return
        if key == self._bumps_key:
            if self._pages is not None:
                self._pages.subscribed()
            return
        state = self._by_key.get(key)
        if state is not None and state.backlog is not None and not state.filling:
            state.filling = True
            self._spawn(self._fill(state))

    def _on_message(self, key: bytes, payload: bytes) -> None:
        if key == self._canary_key:
            self._canary_seen = time.monotonic()
            self._canary_event.set()
            if not self._cluster and self._pages is not None:
                self._pages.heard()
            return
        if key == self._bumps_key:
            if self._pages is not None:
                self._pages.bumped(payload)
            return
        state = self._by_key.get(key)
        if state is None:
            return
        offset, epoch, published_ms, frame = payload.split(b":", 3)
        message = (int(offset), epoch.decode(), int(published_ms), frame)
        if state.backlog is not None:
            state.backlog.append(message)
            return
        self._apply(state, message)

    def _apply(self, state: ChannelState, message: tuple[int, str, int, bytes]) -> None:
        offset, epoch, published_ms, frame = message
        if epoch != state.epoch:
            # The history was lost (Redis restarted empty, or the channel expired).
            self._resync(state, epoch, offset - 1)
        elif offset <= state.offset:
            return
        elif offset > state.offset + 1 or self._rechecks(state, frame):
            # A gap, or an audience that may have shrunk: _fill reads the message from
            # the history (re-checking the audience first); what follows waits meanwhile.
            state.backlog = [message]
            state.settled.clear()
            state.filling = True
            self._spawn(self._fill(state))
            return
        state.offset = offset
        self._fan_out(state, frame)
        lag = max(0.0, time.time() - published_ms / 1000)
        self.metrics.last_lag = lag
        self.metrics.lag.observe(lag)

    def flush_soon(self, session: Flushable) -> None:
        """Have ``session.flush()`` called once this loop iteration's deliveries are done:
        the frames queued meanwhile (a burst read from Redis at once, a replay) go out in
        one socket write.

        In a burst (the last writes to many sockets ended less than
        ``REALTIME_COALESCE_MS`` ago), the writes wait for the end of that window: the
        publications that arrive meanwhile, one by one, are written with them. With
        thousands of watchers a fan-out costs each socket a system call, so a burst of
        ``n`` messages costs a few writes per socket instead of ``n``, and its last message
        arrives sooner. A frame waits at most that window; a few sockets are written at
        once, as an isolated message is."""
        if not self._unflushed:
            loop = asyncio.get_running_loop()
            due = self._flushed_at + self._coalesce
            if due > loop.time():
                loop.call_at(due, self._flush)
            else:
                loop.call_soon(self._flush)
        self._unflushed.append(session)

    def _flush(self) -> None:
        sessions, self._unflushed = self._unflushed, []
        for session in sessions:
            session.flush()
        if len(sessions) >= COALESCE_AFTER:
            self._flushed_at = asyncio.get_running_loop().time()

    def _fan_out(self, state: ChannelState, frame: bytes) -> None:
        droppable = state.namespace.delivery == "droppable"
        for subscriber in tuple(state.subscribers):
            subscriber.deliver(frame, droppable)
        self.metrics.publications.inc()

    @staticmethod
    def _rechecks(state: ChannelState, frame: bytes) -> bool:
        """Was ``frame`` published with ``recheck`` on a channel with an awaited audience?"""
        return state.namespace.audience is not None and frame.endswith(RECHECK_TAIL)

    async def _recheck(self, state: ChannelState) -> None:
        """Re-run the audience check of every subscriber of ``state``; detach the refused.

        Called while the channel's backlog holds its further messages, so that nobody who
        left the audience receives one more frame of it. A check that fails (the database
        away) refuses: an audience is authorisation.
        """
        subscribers = [s for s in state.subscribers if hasattr(s, "principal")]
        if not subscribers:
            return

        async def allowed(subscriber: Any) -> bool:
            try:
                return await may_subscribe(self.app, subscriber.principal, state.name)
            except Exception as exc:
                log.warning("audience recheck failed", extra={"error": repr(exc)})
                return False

        verdicts = await asyncio.gather(*(allowed(s) for s in subscribers))
        for subscriber, verdict in zip(subscribers, verdicts, strict=True):
            if verdict or subscriber not in state.subscribers:
                continue
            self.detach(subscriber, state.name)
            dropped = getattr(subscriber, "dropped", None)
            if dropped is not None:
                dropped(state.name)
            self.metrics.audience_refused.inc()

    def _resync(self, state: ChannelState, epoch: str, offset: int) -> None:
        state.epoch, state.offset = epoch, offset
        if state.subscribers:
            self.metrics.resyncs.inc()
            frame = protocol.resync(state.name, offset=offset, epoch=epoch)
            for subscriber in tuple(state.subscribers):
                subscriber.deliver(frame, False)

    async def _fill(self, state: ChannelState) -> None:
        """Bring ``state`` up to Redis's position, from the history or with ``resync``."""
        try:
            while True:
                try:
                    if not state.known:
                        current = await position(self.redis, self.settings, state.name)
                        state.epoch, state.offset, state.known = current.epoch, current.offset, True
                    else:
                        history = await history_after(
                            self.redis,
                            self.settings,
                            state.name,
                            state.offset,
                            limit=state.namespace.history_size + 1,
                        )
                        if history.continues(state.epoch, state.offset):
                            for entry in history.entries:
                                if self._rechecks(state, entry.frame):
                                    await self._recheck(state)
                                state.offset = entry.offset
                                self._fan_out(state, entry.frame)
                        else:
                            current = await position(self.redis, self.settings, state.name)
                            if state.namespace.audience is not None:
                                # Lost messages may have shrunk the audience.
                                await self._recheck(state)
                            self._resync(state, current.epoch, current.offset)
                    break
                except (RedisError, RedisClusterException, OSError) as exc:
                    log.warning("history read failed", extra={"error": repr(exc)})
                    await asyncio.sleep(0.5)
            backlog, state.backlog = state.backlog or [], None
            state.filling = False
            state.settled.set()
            for message in backlog:
                if state.backlog is not None:
                    state.backlog.append(message)
                else:
                    self._apply(state, message)
        finally:
            state.filling = False

    async def _publish_canary(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.redis.publish(self._canary_key, b"canary")

    async def _canary_loop(self) -> None:
        interval = self.settings.realtime_canary_interval
        while True:
            await asyncio.sleep(interval)
            if self._cluster:
                await self._publish_canary()
                for link in list(self._links.values()):
                    if (
                        link.connection is not None
                        and link.canary_seen
                        and time.monotonic() - link.canary_seen > 3 * interval
                    ):
                        log.warning("pub/sub canary lost; reconnecting", extra={"node": link.name})
                        link.connection.close()
                continue
            connection = self._connection
            if connection is None:
                continue
            await self._publish_canary()
            if time.monotonic() - self._canary_seen > 3 * interval and self._canary_seen:
                # Connected yet deaf (a half-open TCP connection): start over.
                log.warning("pub/sub canary lost; reconnecting")
                connection.close()

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _ping_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.realtime_ping_interval)
            now = time.monotonic()
            leases = []
            for websocket in list(self.websockets):
                websocket.tick(now)
                if websocket.lease is not None:
                    leases.append(websocket.lease)
            if leases:
                self._spawn(self._renew_leases(leases))

    async def _renew_leases(self, leases: list[admission.Lease]) -> None:
        try:
            await admission.renew(self.redis, self.settings, leases)
        except (RedisError, OSError) as exc:
            log.warning("connection leases not renewed", extra={"error": repr(exc)})

    # Presence and live stats.

    async def _presence_loop(self) -> None:
        interval = self.settings.realtime_presence_interval
        while True:
            await asyncio.sleep(interval)
            try:
                await self._sample_presence(interval)
            except (RedisError, OSError) as exc:
                log.debug("presence sample failed", extra={"error": repr(exc)})

    async def _sample_presence(self, interval: float) -> None:
        states = [s for s in self._channels.values() if s.namespace.presence]
        if not states:
            return
        now_ms = int(time.time() * 1000)
        stale_ms = int(3 * interval * 1000)
        async with self.redis.pipeline(transaction=False) as pipe:
            for state in states:
                key = rkey(self.settings, "rt", "presence", "{" + state.name + "}")
                watching = sum(1 for s in state.subscribers if s.watching)
                if watching:
                    pipe.hset(key, self.node, f"{watching}:{now_ms}")
                    pipe.pexpire(key, stale_ms)
                else:
                    pipe.hdel(key, self.node)
                pipe.hvals(key)
            replies = await pipe.execute()
        per_state = len(replies) // len(states)
        for index, state in enumerate(states):
            values = replies[(index + 1) * per_state - 1]
            total = 0
            for value in values:
                count, _, at = value.partition(b":")
                if now_ms - int(at) <= stale_ms:
                    total += int(count)
            shown = thin(total)
            if shown != state.presence_shown and state.subscribers:
                state.presence_shown = shown
                frame = protocol.presence(state.name, shown)
                for subscriber in tuple(state.subscribers):
                    subscriber.deliver(frame, True)

    async def _dashboard_loop(self) -> None:
        channel = "admin:dashboard"
        previous: dict[str, float] | None = None
        taken = time.monotonic()
        while True:
            await asyncio.sleep(self.settings.realtime_dashboard_interval)
            now = time.monotonic()
            current = self.metrics.snapshot()
            figures = figures_of.with_rates(current, previous, now - taken)
            previous, taken = current, now
            try:
                # Recorded whether or not someone watches: the dashboard's snapshot sums them.
                await figures_of.record(self.redis, self.settings, self.node, figures)
                if await watched(self.redis, self.settings, channel):
                    stats = {"type": "realtime.stats", "node": self.node, **figures}
                    await publish(self.redis, self.settings, channel, stats)
            except (RedisError, OSError) as exc:
                log.debug("dashboard publish failed", extra={"error": repr(exc)})


def thin(count: int) -> int:
    """A count people read at a glance: exact up to 20, then two significant digits."""
    if count <= 20:
        return count
    magnitude = 10 ** (len(str(count)) - 2)
    return round(count / magnitude) * magnitude
