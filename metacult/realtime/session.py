"""One websocket connection: a bounded send queue and its writer, the reader, keep-alive, limits.

Frames for the client go through :meth:`WebSocketSession.deliver`, which never blocks:
it writes the (already encoded) frame at once when the socket has nothing buffered, else
queues it, drops it if it is droppable and the client is behind, or disconnects a client
whose queue passes its bound. While the socket is busy, one writer task per connection
empties the queue at the client's pace, so a client that stops reading slows nobody else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import time
from collections.abc import Coroutine
from typing import Any

import orjson
import pydantic
from aiohttp import WSCloseCode, WSMsgType, web

from metacult.infra import jsonlog
from metacult.infra.auth import Principal
from metacult.infra.errors import AppError
from metacult.infra.web import FROM_CLIENT, validation_error
from metacult.realtime import protocol
from metacult.realtime.admission import Lease
from metacult.realtime.channels import UnknownChannel, may_subscribe
from metacult.realtime.hub import Hub, HubUnavailable
from metacult.typedefs import REALTIME_ACTIONS

log = logging.getLogger("metacult.realtime")

_ENDED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)


class ServedWebSocket(web.WebSocketResponse):
    """A websocket served after its handler has returned.

    aiohttp calls :meth:`write_eof` once the handler and every middleware have returned
    the prepared response: serving the connection from there, rather than from inside the
    handler, lets the middlewares' coroutine frames (and what they hold) go for the hours
    a connection stays open. The request's log line is written at the upgrade (101).
    """

    # Set only by serve(), after the upgrade.
    _serving: Coroutine[Any, Any, None] | None = None
    _request_id: str | None = None

    def serve(self, serving: Coroutine[Any, Any, None]) -> None:
        """Have ``serving`` run once the handler has returned this prepared response."""
        self._serving = serving
        # Logged from there with the upgrade's request id, though its middleware is done.
        self._request_id = jsonlog.request_id.get()

    async def write_eof(self) -> None:  # type: ignore[override]
        serving, self._serving = self._serving, None
        if serving is not None:
            token = jsonlog.request_id.set(self._request_id)
            try:
                await serving
            finally:
                jsonlog.request_id.reset(token)
        await super().write_eof()


class WebSocketSession:
    """The server side of one ``/ws`` connection."""

    # Thousands of these live in one process: no per-instance dict, no idle task.
    __slots__ = (
        "__weakref__",
        "_closer",
        "_max_bytes",
        "_max_messages",
        "_queue",
        "_queued_bytes",
        "_refilled",
        "_strikes",
        "_struck",
        "_tokens",
        "_writer",
        "app",
        "channels",
        "closed",
        "hub",
        "lease",
        "principal",
        "request",
        "ws",
    )
    watching = True

    def __init__(
        self,
        app: web.Application,
        hub: Hub,
        ws: web.WebSocketResponse,
        request: web.Request,
        principal: Principal | None,
        lease: Lease | None,
    ) -> None:
        settings = hub.settings
        self.app = app
        self.hub = hub
        self.ws = ws
        self.request = request
        self.principal = principal
        # Its place in the shared connection counts, renewed by the hub's ping loop.
        self.lease = lease
        self.channels: set[str] = set()
        self.closed = False
        # A list, not a deque: it is emptied whole (one write), and an empty deque costs
        # about 600 bytes more per idle connection than an empty list.
        self._queue: list[bytes] = []
        self._queued_bytes = 0
        self._max_messages = settings.realtime_send_queue_messages
        self._max_bytes = settings.realtime_send_queue_bytes
        self._tokens = float(settings.realtime_rate_burst)
        self._refilled = self._struck = time.monotonic()
        self._strikes = 0.0
        self._writer: asyncio.Task | None = None
        self._closer: asyncio.Task | None = None

    # Outbound.

    def deliver(self, frame: bytes, droppable: bool = False) -> None:
        """Queue one encoded frame for the writer; never blocks."""
        if self.closed:
            return
        queued = len(self._queue)
        if (
            self._writer is None
            and queued
            and (queued >= self._max_messages // 2 or self._queued_bytes >= self._max_bytes // 2)
        ):
            # A long burst in one loop iteration: what waits for the flush is not the
            # client's backlog, so it goes out now rather than count against the bound.
            self.flush()
            queued = len(self._queue)
        if droppable and (
            queued >= self._max_messages // 2 or self._queued_bytes >= self._max_bytes // 2
        ):
            self.hub.metrics.droppable_skipped.inc()
            return
        if queued >= self._max_messages or self._queued_bytes + len(frame) > self._max_bytes:
            self.hub.metrics.slow_clients_dropped.inc()
            log.info("slow websocket client dropped", extra={"queued": queued})
            self._close_soon(protocol.CLOSE_SLOW_CONSUMER, b"too slow")
            return
        self._queue.append(frame)
        self._queued_bytes += len(frame)
        if self._writer is None and not queued:
            self.hub.flush_soon(self)

    def flush(self) -> None:
        """Write every queued frame in one write when the socket has nothing buffered (the
        usual case); else leave them to the writer, which waits for the socket to drain.

        Server frames are not masked, so the bytes on the wire are the same for every
        subscriber: they are built once per message (:func:`_wire`) and written straight
        to the transport, several frames concatenated. No task, no scheduling, no framing
        per subscriber.
        """
        queue = self._queue
        if self._writer is not None or not queue:
            return
        transport = self.request.transport
        if (
            transport is None
            or transport.get_write_buffer_size()
            or transport.is_closing()
            or self.ws.closed
        ):
            self._writer = asyncio.ensure_future(self._write())
            return
        self._write_queued(transport)

    def _write_queued(self, transport: asyncio.Transport) -> None:
        queue = self._queue
        count = len(queue)
        if count == 1:
            transport.write(_wire(queue.pop()))
        else:
            transport.write(b"".join([_wire(frame) for frame in queue]))
            queue.clear()
        self._queued_bytes = 0
        self.hub.metrics.sent += count
        self.hub.metrics.writes += 1

    async def _write(self) -> None:
        """Empty the queue at the client's pace, then end: an idle connection has no
        writer task."""
        queue = self._queue
        try:
            while queue:
                transport = self.request.transport
                if transport is None or transport.is_closing() or self.ws.closed:
                    raise ConnectionError("the connection is closing")
                self._write_queued(transport)
                # What aiohttp's own websocket writer waits on: the transport's high-water
                # mark; below it the frames are buffered, above it this waits for the drain.
                await self.request.protocol._drain_helper()
        except (ConnectionError, RuntimeError):
            self._close_soon(WSCloseCode.GOING_AWAY, b"")
        finally:
            self._writer = None

    def dropped(self, channel: str) -> None:
        """The hub detached this connection from ``channel``: its audience no longer
        admits the principal (a list turned private, an editor removed)."""
        self.channels.discard(channel)
        self.deliver(protocol.unsubscribed(channel, id=None, reason="forbidden"))

    # Closing.

    def _close_soon(self, code: int, message: bytes) -> None:
        if self.closed:
            return
        self.closed = True
        # A client behind on reading gets no more frames; others see the error that closes them.
        flush = 0.0 if code == protocol.CLOSE_SLOW_CONSUMER else 0.2
        self._closer = asyncio.ensure_future(self._close(code, message, flush=flush))

    async def _close(self, code: int, message: bytes, *, flush: float = 0.0) -> None:
        if flush:
            await self._flush(flush)
        if self._writer is not None:
            self._writer.cancel()
        try:
            async with asyncio.timeout(1.0):
                await self.ws.close(code=code, message=message, drain=False)
        except (TimeoutError, ConnectionError, RuntimeError):
            if self.request.transport is not None:
                self.request.transport.abort()

    async def close_going_away(self) -> None:
        """Close with 1001 because this process is shutting down."""
        if not self.closed:
            self.closed = True
            await self._close(WSCloseCode.GOING_AWAY, b"server shutting down", flush=0.5)

    async def close_signed_out(self) -> None:
        """Close with 4002: the principal signed out, or their account is gone."""
        self._close_soon(protocol.CLOSE_SIGNED_OUT, b"signed out")

    async def _flush(self, within: float) -> None:
        writer = self._writer
        if writer is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                async with asyncio.timeout(within):
                    await asyncio.shield(writer)

    # Inbound.

    async def run(self) -> None:
        """Serve the connection until it closes; always leaves every channel."""
        try:
            while not self.closed:
                # No receive timeout: a timer and its context per idle connection, set up
                # again for every frame. The hub's ping loop closes silent clients (:meth:`tick`).
                message = await self.ws.receive()
                if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await self._on_frame(message.data)
                elif message.type in _ENDED:
                    break
        finally:
            self.closed = True
            for channel in self.channels:
                self.hub.detach(self, channel)
            self.channels.clear()
            if self._closer is not None:
                with contextlib.suppress(Exception):
                    await self._closer
            if self._writer is not None:
                self._writer.cancel()
                await asyncio.gather(self._writer, return_exceptions=True)

    def tick(self, now: float) -> None:
        """The hub's ping loop, every ``realtime_ping_interval``: ping the client, or close
        it with 4001 when nothing came from it for ``realtime_idle_timeout`` (its last
        frame's time is the token bucket's last refill)."""
        if not self.ws.prepared:
            return  # known to the hub (sign-outs, shutdown) but not upgraded yet
        if now - self._refilled > self.hub.settings.realtime_idle_timeout:
            self._close_soon(protocol.CLOSE_IDLE, b"silent for too long")
        else:
            self.deliver(protocol.PING, False)

    async def _on_frame(self, raw: str | bytes) -> None:
        self.hub.metrics.messages_in.inc()
        if len(raw) > self.hub.settings.realtime_max_frame_bytes:
            self._abuse(None, "frame_too_large", "Frames are limited to 64 KiB.")
            return
        if not self._take_token():
            self._abuse(None, "rate_limited", "Too many messages; slow down.")
            return
        if raw == _PONG:
            # The answer to every ping, from every client: not worth a model's validation.
            return
        try:
            frame = protocol.parse_client_frame(raw)
        except orjson.JSONDecodeError:
            self._abuse(None, "malformed_json", "The frame is not valid JSON.")
            return
        except pydantic.ValidationError as exc:
            self._abuse(_client_id(raw), "invalid_frame", validation_error(exc).message)
            return
        if isinstance(frame, protocol.Subscribe):
            await self._subscribe(frame)
        elif isinstance(frame, protocol.Unsubscribe):
            if frame.channel in self.channels:
                self.channels.discard(frame.channel)
                self.hub.detach(self, frame.channel)
            self.deliver(protocol.unsubscribed(frame.channel, id=frame.id))
        elif isinstance(frame, protocol.Ping):
            self.deliver(protocol.pong(frame.id))
        elif isinstance(frame, protocol.Action):
            await self._act(frame)

    async def _subscribe(self, frame: protocol.Subscribe) -> None:
        channel = frame.channel
        if channel in self.channels:
            self._refuse(frame.id, "already_subscribed", f"Already subscribed to {channel}.")
            return
        if len(self.channels) >= self.hub.settings.realtime_max_subscriptions:
            self._refuse(frame.id, "too_many_subscriptions", "Too many subscriptions.")
            return
        try:
            allowed = await may_subscribe(self.app, self.principal, channel)
        except UnknownChannel as exc:
            self._refuse(frame.id, "unknown_channel", str(exc))
            return
        if not allowed:
            self._refuse(frame.id, "forbidden", f"You may not subscribe to {channel}.")
            return
        self.channels.add(channel)
        try:
            recovered, offset, epoch, replay = await self.hub.attach(self, channel, frame.since)
        except (HubUnavailable, OSError) as exc:
            self.channels.discard(channel)
            self._refuse(frame.id, "unavailable", "Live updates are reconnecting; retry.")
            log.warning("subscribe failed", extra={"error": repr(exc)})
            return
        if self.closed:
            self.hub.detach(self, channel)
            return
        # No await from here on: the replay must precede every live publication.
        self.deliver(
            protocol.subscribed(
                channel, id=frame.id, recovered=recovered, offset=offset, epoch=epoch
            )
        )
        for replayed in replay:
            self.deliver(replayed)

    async def _act(self, frame: protocol.Action) -> None:
        actions = self.app.get(REALTIME_ACTIONS, {})
        action = actions.get(frame.action)
        if action is None:
            self._refuse(frame.id, "unknown_action", f"There is no action {frame.action!r}.")
            return
        if action.auth != "public" and self.principal is None:
            self._refuse(frame.id, "unauthenticated", "Sign in first.")
            return
        if action.auth == "admin" and not self.principal.is_admin:
            self._refuse(frame.id, "forbidden", "This needs an administrator.")
            return
        try:
            # As strict as an HTTP body: ``true`` or ``"1"`` is not a number.
            payload = action.body.model_validate_json(
                orjson.dumps(frame.data), strict=True, context=FROM_CLIENT
            )
        except pydantic.ValidationError as exc:
            self._fail(frame.id, validation_error(exc, prefix="data."))
            return
        try:
            result = await action.handler(self.app, self.principal, payload)
        except AppError as exc:
            self._fail(frame.id, exc)
            return
        except Exception:
            log.exception("websocket action failed", extra={"action": frame.action})
            self.deliver(protocol.error(frame.id, "internal", "Something went wrong on our side."))
            return
        if isinstance(result, pydantic.BaseModel):
            result = result.model_dump(mode="json")
        self.deliver(protocol.reply(frame.id, result))

    # Limits.

    def _take_token(self) -> bool:
        settings = self.hub.settings
        now = time.monotonic()
        self._tokens = min(
            float(settings.realtime_rate_burst),
            self._tokens + (now - self._refilled) * settings.realtime_rate_per_second,
        )
        self._refilled = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def _fail(self, id: Any, exc: AppError) -> None:
        """An action's error, shaped as the API's: its fields and their codes, if any."""
        extra = {"fields": exc.fields, "codes": exc.codes} if exc.fields else {}
        self.deliver(protocol.error(id, exc.code, exc.message, **extra))

    def _refuse(self, id: Any, code: str, message: str) -> None:
        self.deliver(protocol.error(id, code, message))

    def _abuse(self, id: Any, code: str, message: str) -> None:
        """Answer with an error; past the abuse limit, close with 1008 (policy violation)."""
        now = time.monotonic()
        # One strike is forgiven every 10 seconds: a client that errs now and then stays.
        self._strikes = max(0.0, self._strikes - (now - self._struck) / 10) + 1
        self._struck = now
        self.deliver(protocol.error(id, code, message))
        if self._strikes > self.hub.settings.realtime_abuse_limit:
            self._close_soon(WSCloseCode.POLICY_VIOLATION, b"too many bad frames")


_PONG = '{"type":"pong"}'
_last_frame: bytes = b""
_last_wire: bytes = b""


def _wire(frame: bytes) -> bytes:
    """``frame`` as an unmasked websocket text frame; the last one is kept for the fan-out."""
    global _last_frame, _last_wire
    if frame is not _last_frame:
        size = len(frame)
        if size < 126:
            header = struct.pack("!BB", 0x81, size)
        elif size < 65_536:
            header = struct.pack("!BBH", 0x81, 126, size)
        else:
            header = struct.pack("!BBQ", 0x81, 127, size)
        _last_frame, _last_wire = frame, header + frame
    return _last_wire


def _client_id(raw: str | bytes) -> Any:
    with contextlib.suppress(Exception):
        value = orjson.loads(raw).get("id")
        if isinstance(value, str | int):
            return value
    return None
