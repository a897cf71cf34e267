"""The hub's endpoints: ``/ws``, the ticket for it, SSE and long-polling fallbacks, ``/metrics``."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pydantic
from aiohttp import web
from aiohttp_sse import sse_response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError

from metacult.config import Settings
from metacult.infra.auth import Principal
from metacult.infra.errors import BadRequest, Forbidden, Invalid, Unauthenticated, Unavailable
from metacult.infra.origins import is_own_origin
from metacult.infra.web import Api, Schema
from metacult.realtime import admission, cursor, protocol, service
from metacult.realtime.channels import UnknownChannel, may_subscribe
from metacult.realtime.hub import Hub
from metacult.realtime.metrics import HubMetrics, worker_histograms, worker_timings_key
from metacult.realtime.protocol import Since
from metacult.realtime.session import ServedWebSocket, WebSocketSession
from metacult.typedefs import HUB, PAGE_CACHE, READINESS, REALTIME_ACTIONS, REDIS, SETTINGS

log = logging.getLogger("metacult.realtime")

api = Api("realtime")

MAX_STREAM_CHANNELS = 32


class TicketOut(Schema):
    ticket: str
    expires_in: int


# Channel names and positions are ASCII (``media:42``, ``media:42@9f3a01bc.17``), comma
# separated: anything else is refused before it is parsed.
CHANNEL_LIST = r"^[A-Za-z0-9_.:,-]+$"
POSITION_LIST = r"^[A-Za-z0-9_.:@,-]*$"


class StreamQuery(Schema):
    channels: str = pydantic.Field(min_length=1, max_length=4096, pattern=CHANNEL_LIST)
    last_event_id: str | None = pydantic.Field(default=None, max_length=8192, pattern=POSITION_LIST)


class EventsQuery(Schema):
    channels: str = pydantic.Field(min_length=1, max_length=4096, pattern=CHANNEL_LIST)
    since: str | None = pydantic.Field(default=None, max_length=8192, pattern=POSITION_LIST)


class PublicationOut(Schema):
    type: str
    channel: str
    offset: int
    epoch: str
    data: Any


class ResyncOut(Schema):
    channel: str
    offset: int
    epoch: str


class EventsOut(Schema):
    publications: list[PublicationOut]
    resync: list[ResyncOut]
    cursor: str


# Checks whether a request is a websocket upgrade at all (reads the request only).
_HANDSHAKE = web.WebSocketResponse(compress=False)


@api.get("/ws", auth="public", stream="websocket")
async def websocket(request: web.Request, user: Principal | None) -> web.WebSocketResponse:
    """The live connection (see docs/realtime.md); anonymous callers read public channels."""
    hub = request.app[HUB]
    settings = request.app[SETTINGS]
    if hub.closing:
        raise Unavailable("This server is shutting down; reconnect.")
    _refuse_foreign_origin(request, settings)
    if "ticket" in request.query:
        try:
            user = await service.redeem_ticket(
                request.app[REDIS], settings, request.query["ticket"]
            )
        except (RedisError, OSError):
            raise Unavailable("Sign-in tickets cannot be checked now; retry.") from None
        if user is None:
            raise Unauthenticated("The ticket is unknown, used or expired.", code="bad_ticket")
    if not _HANDSHAKE.can_prepare(request).ok:
        raise BadRequest("This endpoint speaks websocket.", code="websocket_expected")
    lease = await admission.admit(
        request.app[REDIS], settings, request.remote or "unknown", user.user_id if user else None
    )
    # Made only now, with no await until prepare() has set every attribute it has while
    # open: responses made while others wait (for the admission) would fill the class's
    # shared attribute keys before those names are in, and each open one would then keep a
    # dict of its own (about 800 bytes).
    ws = ServedWebSocket(
        autoping=True,
        compress=False,
        max_msg_size=4 * settings.realtime_max_frame_bytes,
        timeout=1.0,
    )
    session = WebSocketSession(request.app, hub, ws, request, user, lease)
    try:
        # Known to the hub before the upgrade, so that a sign-out from now on closes it.
        hub.websockets.add(session)
        await ws.prepare(request)
    except BaseException:
        hub.websockets.discard(session)
        session.lease = None
        await admission.release(request.app[REDIS], lease)
        raise
    # Served once this handler and the middlewares have returned (see ServedWebSocket).
    ws.serve(_serve_websocket(request.app, session))
    return ws


async def _serve_websocket(app: web.Application, session: WebSocketSession) -> None:
    gauge = session.hub.metrics.connections.labels("websocket")
    gauge.inc()
    try:
        await session.run()
    except Exception:
        # No middleware is around any more to log it.
        log.exception("websocket session failed")
    finally:
        gauge.dec()
        # Its place in the shared counts is given back, and no longer renewed.
        lease, session.lease = session.lease, None
        await admission.release(app[REDIS], lease)


@api.post("/api/v1/realtime/ticket", auth="user", reply=TicketOut, status=201)
async def ticket(request: web.Request, user: Principal) -> TicketOut:
    """A single-use ticket for ``/ws?ticket=`` (for clients that cannot send headers)."""
    settings = request.app[SETTINGS]
    token = await service.mint_ticket(request.app[REDIS], settings, user)
    return TicketOut(ticket=token, expires_in=settings.realtime_ticket_ttl)


@api.get("/api/v1/stream", auth="public", query=StreamQuery, stream="text/event-stream")
async def stream(
    request: web.Request, query: StreamQuery, user: Principal | None
) -> web.StreamResponse:
    """Server-sent events of the channels; resumes from ``Last-Event-ID``."""
    hub = request.app[HUB]
    if hub.closing:
        raise Unavailable("This server is shutting down; reconnect.")
    channels = await _authorised(request.app, query.channels, user)
    last = request.headers.get("Last-Event-ID") or query.last_event_id or ""
    positions = cursor.decode(last)
    subscriber = StreamSubscriber(hub.settings.realtime_send_queue_messages, user)
    hub.sessions.add(subscriber)
    gauge = hub.metrics.connections.labels("sse")
    gauge.inc()
    try:
        # Subscribe before the stream starts, so that a failure is still a plain 503.
        current = await _attach_stream(hub, subscriber, channels, positions)
        async with sse_response(
            request, ping_interval=hub.settings.realtime_ping_interval
        ) as events:
            ended = asyncio.ensure_future(events.wait())
            try:
                await _send_events(hub, events, subscriber, ended, current)
            except (ConnectionError, RuntimeError):
                pass  # the client went away
            finally:
                ended.cancel()
            return events
    finally:
        gauge.dec()
        for channel in channels:
            hub.detach(subscriber, channel)


async def _attach_stream(
    hub: Hub, subscriber: StreamSubscriber, channels: list[str], positions: dict[str, Since]
) -> dict[str, Since]:
    """Subscribe the stream to every channel; the position each event id starts from."""
    current: dict[str, Since] = {}
    for channel in channels:
        since = positions.get(channel)
        recovered, offset, epoch, replay = await hub.attach(subscriber, channel, since)
        subscriber.deliver(
            protocol.subscribed(channel, id=None, recovered=recovered, offset=offset, epoch=epoch)
        )
        for frame in replay:
            subscriber.deliver(frame)
        # Until the replay is sent, the client's position is the one it came with.
        current[channel] = since if recovered and since else Since(offset=offset, epoch=epoch)
    return current


async def _send_events(
    hub: Hub,
    events: Any,
    subscriber: StreamSubscriber,
    ended: asyncio.Future,
    current: dict[str, Since],
) -> None:
    async for frame in subscriber.frames(ended):
        kind = _frame_type(frame)
        event_id = None
        if kind in ("publication", "resync", "subscribed"):
            doc = orjson.loads(frame)
            if kind != "subscribed" or not doc["recovered"]:
                current[doc["channel"]] = Since(offset=doc["offset"], epoch=doc["epoch"])
            event_id = cursor.encode(current)
        await events.send(frame.decode(), id=event_id, event=kind)
        hub.metrics.sent += 1


@api.get("/api/v1/events", auth="public", query=EventsQuery, reply=EventsOut)
async def events(request: web.Request, query: EventsQuery, user: Principal | None) -> web.Response:
    """What is new on the channels since ``since`` (the last reply's ``cursor``).

    Waits up to 25 s when nothing is; a channel without a position in ``since`` answers
    at once with its current position (subscribe, then fetch your snapshot).
    """
    hub = request.app[HUB]
    if hub.closing:
        raise Unavailable("This server is shutting down; retry.")
    channels = await _authorised(request.app, query.channels, user)
    positions = cursor.decode(query.since or "")
    reply = await service.long_poll(hub, user, channels, positions)
    return web.Response(
        body=orjson.dumps(reply, option=orjson.OPT_UTC_Z), content_type="application/json"
    )


@api.get("/metrics", auth="public", stream="text/plain")
async def metrics(request: web.Request) -> web.Response:
    """This process's figures in the Prometheus text format, and the workers' timings."""
    metrics = request.app[HUB].metrics
    body = generate_latest(metrics.registry) + generate_latest(metrics.collector.registry)
    try:
        fields = await request.app[REDIS].hgetall(worker_timings_key(request.app[SETTINGS]))
    except (RedisError, OSError):
        fields = {}  # This node's own figures still tell what it sees while Redis is away.
    body += generate_latest(worker_histograms(fields))
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


class StreamSubscriber:
    """An SSE stream's queue: bounded like a websocket's; an overflow ends the stream."""

    watching = True

    def __init__(self, limit: int, principal: Principal | None) -> None:
        self.limit = limit
        self.principal = principal
        self.closed = False
        self._queue: deque[bytes] = deque()
        self._wakeup = asyncio.Event()

    def deliver(self, frame: bytes, droppable: bool = False) -> None:
        if self.closed:
            return
        if len(self._queue) >= self.limit:
            if not droppable:
                self.closed = True
                self._wakeup.set()
            return
        self._queue.append(frame)
        self._wakeup.set()

    def dropped(self, channel: str) -> None:
        """The hub detached the stream from ``channel`` (its audience shrank)."""
        self.deliver(protocol.unsubscribed(channel, id=None, reason="forbidden"))

    async def close_going_away(self) -> None:
        self.closed = True
        self._wakeup.set()

    async def close_signed_out(self) -> None:
        self.closed = True
        self._wakeup.set()

    async def frames(self, ended: asyncio.Future) -> AsyncIterator[bytes]:
        """The queued frames, until the client leaves, overflows or the server stops."""
        while True:
            while self._queue and not self.closed:
                yield self._queue.popleft()
            if self.closed or ended.done():
                return
            self._wakeup.clear()
            woken = asyncio.ensure_future(self._wakeup.wait())
            try:
                await asyncio.wait({woken, ended}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                woken.cancel()


def _frame_type(frame: bytes) -> str:
    # Every frame starts with {"type":"...", as the publish script and protocol.py write it.
    return frame[9 : frame.index(b'"', 9)].decode()


async def _authorised(app: web.Application, text: str, user: Principal | None) -> list[str]:
    """The requested channels, each one the caller may read; 401 / 403 / 422 otherwise."""
    channels = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not channels or len(channels) > MAX_STREAM_CHANNELS:
        raise Invalid(
            f"Name between 1 and {MAX_STREAM_CHANNELS} channels.",
            fields={"channels": "between 1 and 32 channels"},
        )
    for channel in channels:
        try:
            allowed = await may_subscribe(app, user, channel)
        except UnknownChannel as exc:
            raise Invalid(str(exc), code="unknown_channel", fields={"channels": str(exc)}) from None
        if not allowed:
            if user is None:
                raise Unauthenticated(f"Sign in to follow {channel}.")
            raise Forbidden(f"You may not follow {channel}.")
    return channels


def _refuse_foreign_origin(request: web.Request, settings: Settings) -> None:
    """Browsers send ``Origin``: only our own pages may open a websocket with our cookies.

    Scheme, host and port must all match one of our origins: ``https://host`` is another
    origin than ``http://host``, and so is another port.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return
    if not is_own_origin(origin, request, settings, also=settings.realtime_allowed_origins):
        raise Forbidden("This origin may not open a live connection.", code="foreign_origin")


def setup(app: web.Application) -> None:
    """Register the endpoints, the hub's life cycle and the ``pubsub`` readiness probe."""
    api.register(app)
    if REALTIME_ACTIONS not in app:
        app[REALTIME_ACTIONS] = {}
    app.cleanup_ctx.append(_hub)
    app.on_shutdown.append(_shutdown)

    async def pubsub() -> bool:
        hub = app.get(HUB)
        return hub is not None and await hub.alive()

    app[READINESS]["pubsub"] = pubsub


async def _hub(app: web.Application) -> AsyncIterator[None]:
    hub = Hub(app[SETTINGS], app[REDIS], HubMetrics(), app.get(PAGE_CACHE))
    app[HUB] = hub
    hub.app = app
    hub.metrics.collector.watch()
    try:
        await hub.start()
        yield
        await hub.stop()
    finally:
        hub.metrics.collector.unwatch()


async def _shutdown(app: web.Application) -> None:
    hub = app.get(HUB)
    if hub is not None:
        await hub.shutdown()
