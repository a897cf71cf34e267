"""The broker follows ``BROKER_URL``: Redis by default, RabbitMQ for ``amqp://``, and on
RabbitMQ every queue is named after the deployment's prefix."""

from __future__ import annotations

import os
import threading

import dramatiq
import pika
import pytest
from dramatiq.brokers.redis import RedisBroker

from metacult.config import ConfigError, Settings
from tests.random_refs import suffix
from workers.broker import NamespacedRabbitmqBroker, create_broker

# The run's RabbitMQ: BROKER_URL under `make test-rabbitmq`, else RABBITMQ_URL, else the
# machine's default one.
RABBITMQ_URL = next(
    url
    for url in (
        os.environ.get("BROKER_URL", ""),
        os.environ.get("RABBITMQ_URL", ""),
        "amqp://guest:guest@127.0.0.1:5672/%2F",
    )
    if url.startswith("amqp")
)
# The run's Redis (tests/conftest.py settles REDIS_URL before any test module is read).
REDIS_URL = os.environ["REDIS_URL"]


@pytest.mark.unit
def test_without_broker_url_the_broker_is_redis_on_redis_url():
    broker = create_broker(Settings(redis_url=REDIS_URL))
    try:
        assert isinstance(broker, RedisBroker)
    finally:
        broker.close()


@pytest.mark.unit
def test_an_amqp_broker_url_selects_rabbitmq_with_namespaced_queues():
    settings = Settings(broker_url=RABBITMQ_URL, redis_prefix="shop-a")
    broker = create_broker(settings)
    assert isinstance(broker, NamespacedRabbitmqBroker)
    actor = dramatiq.actor(lambda: None, broker=broker, actor_name="noop", queue_name="mail")
    assert actor.queue_name == "shop-a-dramatiq.mail"
    assert broker.get_declared_queues() == {"shop-a-dramatiq.mail"}


@pytest.mark.unit
def test_a_broker_url_of_another_scheme_is_refused():
    with pytest.raises(ConfigError, match="BROKER_URL"):
        Settings.from_env({"BROKER_URL": "kafka://broker.invalid:9092"})


def test_a_message_crosses_rabbitmq_to_a_worker_and_its_queues_are_deleted_after():
    """Given RabbitMQ, when an actor's message is sent, a worker on the same namespace runs it."""
    namespace = f"test-rabbit-{suffix()}"
    broker = NamespacedRabbitmqBroker(namespace=namespace, url=RABBITMQ_URL, confirm_delivery=True)
    ran = threading.Event()

    def record(token: str) -> None:
        if token == "hello":
            ran.set()

    actor = dramatiq.actor(record, broker=broker, actor_name="record", max_retries=0)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        actor.send("hello")
        assert ran.wait(10)
    finally:
        worker.stop(timeout=5_000)
        broker.close()
        connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
        channel = connection.channel()
        for queue in (actor.queue_name, f"{actor.queue_name}.DQ", f"{actor.queue_name}.XQ"):
            channel.queue_delete(queue)
        connection.close()
    assert actor.queue_name == f"{namespace}.default"
