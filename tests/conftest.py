"""The test harness: a fresh PostgreSQL database per run, the real Redis, a real worker.

The environment is set before any project module is imported, so that the web app,
the Dramatiq broker and the worker's resources all point at this run's database and
this run's Redis namespace (keys, channels and queues are prefixed with it, inside the
configured ``REDIS_PREFIX``, on the configured ``REDIS_URL``).

Three tiers (``make test`` runs them all): ``unit`` tests are pure (no database, no
Redis: the run makes no database when it selects only them, ``make test-unit``);
``slow`` ones start a worker or other processes (``make test-slow``); the rest is the
default tier. A run sweeps its Redis namespace at the end and fails if a key is left.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import uuid
from urllib.parse import urlsplit, urlunsplit

from tests.catalog import fake_providers
from tests.helpers import free_port

RUN = uuid.uuid4().hex[:8]
_BASE_DSN = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/metacult")
_parts = urlsplit(_BASE_DSN)
TEST_DSN = urlunsplit(_parts._replace(path=f"/metacult_test_{RUN}"))
ADMIN_DSN = urlunsplit(_parts._replace(path="/postgres"))
RUN_PREFIX = f"{os.environ.get('REDIS_PREFIX', 'mc')}-test-{RUN}"
os.environ["DATABASE_URL"] = TEST_DSN
os.environ["REDIS_PREFIX"] = RUN_PREFIX
os.environ["METACULT_ENV"] = "test"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
# REDIS_CLUSTER=1 (``make test-cluster``): the run has a Redis Cluster of its own
# (tests/redis_cluster.py) as REDIS_URL, and Dramatiq's broker on the plain Redis.
_CLUSTER = None
if os.environ.get("REDIS_CLUSTER", "").strip() == "1":
    import atexit

    from tests.redis_cluster import LocalCluster

    _CLUSTER = LocalCluster().start()
    atexit.register(_CLUSTER.stop)
    os.environ.setdefault("BROKER_URL", os.environ["REDIS_URL"])
    os.environ["REDIS_URL"] = _CLUSTER.url
# Third-party APIs are local servers (tests/catalog/fake_providers.py) on a port chosen now.
PROVIDERS_URL = f"http://127.0.0.1:{free_port()}"
os.environ.update(fake_providers.environment(PROVIDERS_URL))
# Steam's Web API: a test that fetches a library serves GetOwnedGames on this port.
STEAM_URL = f"http://127.0.0.1:{free_port()}"
os.environ["STEAM_API_URL"] = STEAM_URL
# What a unit test may not ask for: anything that reaches PostgreSQL, Redis or a worker.
SERVICE_FIXTURES = {"settings", "db", "redis", "make_app", "client", "worker", "aiohttp_client"}
# Mail goes to this run's own SMTP server on loopback (tests/mailbox.py), started below.
_SMTP_PORT = free_port()
os.environ["SMTP_URL"] = f"smtp://127.0.0.1:{_SMTP_PORT}"

import asyncpg  # noqa: E402
import dramatiq  # noqa: E402
import pytest  # noqa: E402
import pytest_asyncio  # noqa: E402
import redis as sync_redis  # noqa: E402

from metacult.config import Settings  # noqa: E402
from metacult.infra.db import create_pool  # noqa: E402
from metacult.infra.migrations import migrate  # noqa: E402
from metacult.infra.redis import create_redis  # noqa: E402

_services_used: list[bool] = []


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that start a worker are slow; a unit test asking for a service is a mistake."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "worker" in fixtures:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.worker)
        if item.get_closest_marker("unit") and fixtures & SERVICE_FIXTURES:
            raise pytest.UsageError(
                f"{item.nodeid} is marked unit but uses {sorted(fixtures & SERVICE_FIXTURES)}"
            )


def pytest_collection_finish(session: pytest.Session) -> None:
    """Make and migrate this run's database, unless it runs unit tests only."""
    if not any(item.get_closest_marker("unit") is None for item in session.items):
        return

    async def create() -> None:
        admin = await asyncpg.connect(ADMIN_DSN)
        try:
            await admin.execute(f'CREATE DATABASE "metacult_test_{RUN}"')
        finally:
            await admin.close()
        await migrate(TEST_DSN)

    asyncio.run(create())
    _services_used.append(True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the run's database, sweep its Redis namespace, and fail if a key survives."""
    if not _services_used:
        return

    async def drop() -> None:
        admin = await asyncpg.connect(ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "metacult_test_{RUN}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())
    delete_rabbitmq_queues()
    left = sweep_namespace(os.environ["REDIS_URL"], RUN_PREFIX)
    broker_url = os.environ.get("BROKER_URL", "")
    if broker_url.startswith(("redis", "unix")) and broker_url != os.environ["REDIS_URL"]:
        left += sweep_namespace(broker_url, RUN_PREFIX)
    if left:
        print(f"\nRedis keys left in this run's namespace {RUN_PREFIX}: {left[:20]}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def sweep_namespace(redis_url: str, prefix: str) -> list[bytes]:
    """Delete every key of the run's namespace (its own, its sub-namespaces', the broker's);
    the keys named after the run still there afterwards (none, unless something writes
    outside the namespace or keeps writing after the run)."""
    if _CLUSTER is not None and redis_url == _CLUSTER.url:
        # A cluster's keys are spread over its masters: each one is scanned.
        nodes = [sync_redis.Redis(host="127.0.0.1", port=port) for port in _CLUSTER.ports]
    else:
        nodes = [sync_redis.Redis.from_url(redis_url)]
    left: list[bytes] = []
    try:
        for client in nodes:
            for key in client.scan_iter(match=f"{prefix}*", count=1000):
                client.delete(key)
        for client in nodes:
            # Anything else named after the run was written outside its namespace.
            left += client.scan_iter(match=f"*{RUN}*", count=1000)
        return left
    finally:
        for client in nodes:
            client.close()


def delete_rabbitmq_queues() -> None:
    """On RabbitMQ (``BROKER_URL=amqp://...``), delete the queues this run declared (each
    named after the run's prefix, with its delay and dead-letter queues)."""
    import sys

    broker_module = sys.modules.get("workers.broker")
    if broker_module is None or not broker_module.settings.broker_is_rabbitmq:
        return
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(broker_module.settings.broker_url))
    try:
        channel = connection.channel()
        for queue in broker_module.broker.get_declared_queues():
            assert queue.startswith(RUN_PREFIX), queue
            for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
                channel.queue_delete(name)
    finally:
        connection.close()


@pytest.fixture(scope="session")
def providers_url() -> str:
    """Where the run's settings expect the fake TMDB / IGDB / Twitch server."""
    return PROVIDERS_URL


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def db(settings: Settings):
    """A pool on this run's database, for arranging and checking state."""
    pool = await create_pool(settings)
    yield pool
    await pool.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def redis(settings: Settings):
    client = create_redis(settings)
    yield client
    await client.aclose()


@pytest.fixture
def make_app(settings: Settings):
    """Build the application exactly as ``serve`` does, optionally with other settings."""
    from metacult.app import create_app

    def make(**changes: object):
        return create_app(settings.replace(**changes) if changes else settings)

    return make


@pytest_asyncio.fixture(loop_scope="session")
async def client(aiohttp_client, make_app):
    """An HTTP client on a freshly built app (with its outbox relay running)."""
    return await aiohttp_client(make_app())


@pytest.fixture
def own_redis():
    """A redis-server of this test's own on a free port, without persistence."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed for this test"
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="metacult-redis-")
    command = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        workdir,
    ]

    class Server:
        url = f"redis://127.0.0.1:{port}/0"
        process: subprocess.Popen | None = None

        def start(self) -> None:
            self.process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )

        def stop(self) -> None:
            if self.process is not None:
                self.process.terminate()
                self.process.wait(10)
                self.process = None

    server = Server()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def mailbox():
    """The run's SMTP server: every mail the workers send, by recipient."""
    from tests import mailbox as smtp

    controller, received = smtp.start(_SMTP_PORT)
    yield received
    controller.stop()


@pytest.fixture(scope="session")
def worker():
    """A real Dramatiq worker (threads in this process) on the real broker (Redis, or
    RabbitMQ under ``make test-rabbitmq``)."""
    import workers  # noqa: F401
    from workers.broker import broker

    running = dramatiq.Worker(broker, worker_threads=4, worker_timeout=100)
    running.start()
    yield running
    running.stop(timeout=10_000)


# When a test phase runs far longer than any should, print every pending asyncio task's
# stack (pytest-timeout shows threads only, and the loop's wait hides the culprit).
STUCK_AFTER_S = 90
_session_loop: list[asyncio.AbstractEventLoop] = []


@pytest_asyncio.fixture(scope="session", loop_scope="session", autouse=True)
async def _remember_loop():
    _session_loop.append(asyncio.get_running_loop())
    yield


def _dump_tasks() -> None:
    import sys

    print(f"\n=== asyncio tasks still pending after {STUCK_AFTER_S}s ===", file=sys.stderr)
    for task in asyncio.all_tasks(_session_loop[0]):
        task.print_stack(limit=12, file=sys.stderr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    import threading

    def watchdog() -> None:
        if _session_loop and not _session_loop[0].is_closed():
            _session_loop[0].call_soon_threadsafe(_dump_tasks)

    timer = threading.Timer(STUCK_AFTER_S, watchdog)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
