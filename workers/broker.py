"""The Dramatiq broker, set once before any actor is imported.

Every actor module imports this module first. It is the one place in the project
that opens something at import time: Dramatiq binds actors to the global broker
when they are declared.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid

import dramatiq
import redis
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.common import compute_backoff, dq_name
from dramatiq.errors import ConnectionClosed
from dramatiq.middleware import AsyncIO, Middleware, Retries

from metacult.config import ConfigError, Settings
from metacult.infra.heap import freeze_started
from metacult.realtime import WorkerTimings, worker_timings_key
from workers import runtime

log = logging.getLogger("metacult.workers")

try:
    settings = Settings.from_env()
except ConfigError as exc:
    raise SystemExit(f"metacult: configuration error: {exc}") from None

# Live features want quick, bounded retries, not Dramatiq's patient defaults.
DEFAULT_RETRIES = 5
MIN_BACKOFF_MS = 500
MAX_BACKOFF_MS = 60_000
# Dead-lettered messages stay visible (``python -m metacult dead-letters``) for a week.
DEAD_MESSAGE_TTL_MS = 7 * 24 * 3600 * 1000
# A worker process that dies (SIGKILL, a lost machine) leaves the messages it had taken
# unacknowledged. The Redis broker gives them to other workers once the dead one has sent
# no heartbeat (every broker command is one; idle consumers poll about every second) for
# HEARTBEAT_TIMEOUT_MS, at a "maintenance" pass that runs with a chance of
# MAINTENANCE_CHANCE per million commands. Dramatiq's defaults (60 s, 1 in 1000) leave them
# waiting minutes; these re-run them within about 15 s (10 s, then a pass in ~5 commands).
HEARTBEAT_TIMEOUT_MS = 10_000
MAINTENANCE_CHANCE = 200_000


class DeadLetterLog(Middleware):
    """Say loudly when a message gives up: it now waits in the dead-letter queue."""

    def after_process_message(self, broker, message, *, result=None, exception=None):
        if exception is not None and message.failed:
            log.error(
                "message dead-lettered",
                extra={
                    "actor": message.actor_name,
                    "message_id": message.message_id,
                    "error": repr(exception),
                },
            )


class LivePathTimings(Middleware):
    """Time each message from enqueue to actor start, and the actor's run; the figures go
    to Redis about once a second, where every web node's ``/metrics`` shows them."""

    FLUSH_EVERY = 1.0

    def __init__(self) -> None:
        self.timings = WorkerTimings()
        self._started: dict[str, float] = {}
        self._stop = threading.Event()
        self._id = f"worker-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def after_worker_boot(self, broker, worker):
        threading.Thread(target=self._flush_loop, args=(broker,), daemon=True).start()

    def before_worker_shutdown(self, broker, worker):
        self._stop.set()

    def before_process_message(self, broker, message):
        now = time.time()
        self._started[message.message_id] = now
        # A retry's timestamp is its first enqueue: only first attempts measure the path.
        if not message.options.get("retries"):
            # A delayed message was due at its ``eta``, not when it was sent.
            due = message.options.get("eta", message.message_timestamp)
            waited = max(0.0, now - due / 1000)
            self.timings.observe("enqueue_to_start", message.actor_name, waited)

    def after_process_message(self, broker, message, *, result=None, exception=None):
        started = self._started.pop(message.message_id, None)
        if started is not None:
            self.timings.observe("run", message.actor_name, time.time() - started)

    def after_skip_message(self, broker, message):
        self._started.pop(message.message_id, None)

    def _flush_loop(self, broker) -> None:
        # The figures go to the Redis the web nodes read (REDIS_URL), whatever the broker.
        client = (redis.RedisCluster if settings.redis_cluster else redis.Redis).from_url(
            settings.redis_url,
            socket_timeout=settings.redis_timeout,
            socket_connect_timeout=settings.redis_timeout,
        )
        key = worker_timings_key(settings)
        while not self._stop.wait(self.FLUSH_EVERY):
            try:
                self.timings.flush(client, key)
                if not isinstance(broker, RedisBroker):
                    self._beat(client, broker)
            except Exception as exc:
                log.warning("worker timings not saved; will retry", extra={"error": repr(exc)})
        with contextlib.suppress(Exception):
            self.timings.flush(client, key)
        client.close()

    def _beat(self, client, broker) -> None:
        """On RabbitMQ, say this worker is alive where Dramatiq's Redis broker keeps its
        consumers' heartbeats (``{ns}:__heartbeats__``, read by the admin dashboard)."""
        beats = f"{broker.namespace}:__heartbeats__"
        now_ms = int(time.time() * 1000)
        pipe = client.pipeline(transaction=False)
        pipe.zadd(beats, {self._id: now_ms})
        pipe.zremrangebyscore(beats, 0, now_ms - HEARTBEAT_TIMEOUT_MS)
        pipe.execute()


class WorkerResources(Middleware):
    """Freeze what a worker process made to start; close the actors' database pool and
    Redis client when the worker stops."""

    def after_process_boot(self, broker):
        # Sent by Dramatiq's command line only, once the actors' modules are imported.
        freeze_started()

    def before_worker_shutdown(self, broker, worker):
        runtime.close_resources()


# At most this many wake-up tokens wait on a queue (one per idle worker process is enough).
WAKE_TOKENS = 8


class WakingRedisBroker(RedisBroker):
    """Dramatiq's Redis broker, whose idle consumers are woken by the next enqueue.

    An idle Redis consumer polls its queue, backing off up to the worker timeout (a
    second): a message sent to an idle worker waited half a second on average, most of
    the live path's latency. Here every immediate enqueue also pushes a token on the
    queue's wake-up list, and the idle consumer waits on that list (``BLPOP``, with the
    same back-off as its timeout) instead of sleeping. Fetching, acknowledging,
    heartbeats and maintenance are Dramatiq's own: a lost token only means the old poll.
    """

    @property
    def consumer_class(self):
        return _WakingConsumer

    def wake_key(self, queue_name: str) -> str:
        return f"{self.namespace}:{queue_name}.wake"

    def enqueue(self, message, *, delay=None):
        enqueued = super().enqueue(message, delay=delay)
        if delay is None:
            # After the message is in its queue, so a woken consumer finds it.
            key = self.wake_key(enqueued.queue_name)
            pipe = self.client.pipeline(transaction=False)
            pipe.lpush(key, 1).ltrim(key, 0, WAKE_TOKENS - 1).execute()
        return enqueued


class _WakingConsumer(_RedisConsumer):
    """A Redis consumer that waits for a wake-up token instead of sleeping when idle."""

    def __init__(self, broker, queue_name, prefetch, timeout):
        super().__init__(broker, queue_name, prefetch, timeout)
        # Delayed messages move to their queue when due (an enqueue there, which wakes it).
        self.wake_key = None if queue_name == dq_name(queue_name) else broker.wake_key(queue_name)

    def __next__(self):
        if self.wake_key is None or self.message_cache:
            return super().__next__()
        if self.outstanding_message_count >= self.prefetch:
            # Busy: nothing may be fetched now; Dramatiq's own path waits.
            return super().__next__()
        try:
            self.message_cache = self.broker.do_fetch(
                self.queue_name, self.prefetch - self.outstanding_message_count
            )
            if self.message_cache:
                return super().__next__()
            self.misses, backoff_ms = compute_backoff(self.misses, max_backoff=self.timeout)
            if self.broker.client.blpop([self.wake_key], timeout=max(backoff_ms, 10) / 1000):
                self.misses = 0
            return None
        except redis.ConnectionError as exc:
            raise ConnectionClosed(exc) from None


class NamespacedRabbitmqBroker(RabbitmqBroker):
    """RabbitMQ, each actor's queue named ``{namespace}.{queue}``: a vhost's queues are
    global, so deployments (and test runs) sharing one keep apart as they do on Redis."""

    def __init__(self, *, namespace: str, **options: object) -> None:
        self.namespace = namespace
        super().__init__(**options)

    def declare_actor(self, actor: dramatiq.Actor) -> None:
        if not actor.queue_name.startswith(f"{self.namespace}."):
            actor.queue_name = f"{self.namespace}.{actor.queue_name}"
        super().declare_actor(actor)


def create_broker(settings: Settings) -> dramatiq.Broker:
    """RabbitMQ when ``BROKER_URL`` is ``amqp(s)://``, else Redis (``BROKER_URL`` or
    ``REDIS_URL``), namespaced by ``REDIS_PREFIX`` either way."""
    namespace = f"{settings.redis_prefix}-dramatiq"
    if settings.broker_is_rabbitmq:
        # Publisher confirms: the relay marks an event sent only once RabbitMQ has it.
        # Dead-lettered messages wait in ``{queue}.XQ`` (RabbitMQ's own TTL there).
        return NamespacedRabbitmqBroker(
            namespace=namespace, url=settings.broker_url, confirm_delivery=True
        )
    return WakingRedisBroker(
        url=settings.broker_url or settings.redis_url,
        namespace=namespace,
        dead_message_ttl=DEAD_MESSAGE_TTL_MS,
        heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
        maintenance_chance=MAINTENANCE_CHANCE,
        # A Redis that holds traffic fails the send (the relay and the scheduler retry)
        # instead of blocking its thread forever.
        socket_timeout=settings.redis_timeout,
        socket_connect_timeout=settings.redis_timeout,
    )


broker = create_broker(settings)
for middleware in list(broker.middleware):
    if isinstance(middleware, Retries):
        broker.middleware.remove(middleware)
broker.add_middleware(
    Retries(max_retries=DEFAULT_RETRIES, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS)
)
broker.add_middleware(AsyncIO())
broker.add_middleware(WorkerResources())
broker.add_middleware(LivePathTimings())
broker.add_middleware(DeadLetterLog())
dramatiq.set_broker(broker)
