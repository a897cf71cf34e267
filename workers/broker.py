"""The Dramatiq broker, set once before any actor is imported.

Every actor module imports this module first. It is the one place in the project
that opens something at import time: Dramatiq binds actors to the global broker
when they are declared.
"""

from __future__ import annotations

import logging

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AsyncIO, Middleware, Retries

from metacult.config import ConfigError, Settings
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


class WorkerResources(Middleware):
    """Close the actors' database pool and Redis client when the worker stops."""

    def before_worker_shutdown(self, broker, worker):
        runtime.close_resources()


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
    return RedisBroker(
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
broker.add_middleware(DeadLetterLog())
dramatiq.set_broker(broker)
