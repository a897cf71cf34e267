"""The command line: ``python -m metacult serve|migrate|scheduler|services|...``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys

from metacult.config import ConfigError, Settings
from metacult.infra import jsonlog

log = logging.getLogger("metacult")


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    from aiohttp import web

    from metacult.app import create_app
    from metacult.infra.supervisor import BANNER

    _use_uvloop()
    print(f"{BANNER} {settings.public_url}", flush=True)
    app = create_app(settings)
    app.on_startup.append(_out_of_the_collectors_sight)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        # Several web nodes of one machine share the port; the kernel spreads connections.
        reuse_port=settings.reuse_port or None,
        shutdown_timeout=settings.shutdown_timeout,
        access_log=None,
        print=None,
        handler_cancellation=True,
    )


async def _out_of_the_collectors_sight(app: object) -> None:
    from metacult.infra.heap import freeze_started

    freeze_started()


def _migrate(settings: Settings, args: argparse.Namespace) -> None:
    from metacult.infra.migrations import ensure_database, migrate

    async def run() -> list[int]:
        await ensure_database(settings.database_url)
        return await migrate(settings.database_url)

    applied = asyncio.run(run())
    print(f"migrations applied: {applied or 'none needed'}")


def _scheduler(settings: Settings, args: argparse.Namespace) -> None:
    from workers.schedule import run_scheduler

    _use_uvloop()

    async def until_stopped() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await run_scheduler(settings)

    asyncio.run(until_stopped())


def _run(settings: Settings, args: argparse.Namespace) -> None:
    from pathlib import Path

    from metacult.infra.supervisor import parse_concurrency, run

    try:
        sys.exit(run(Path(args.procfile), parse_concurrency(args.concurrency)))
    except ValueError as exc:  # a malformed Procfile or --concurrency
        raise SystemExit(f"metacult: {exc}") from None


def _services(settings: Settings, args: argparse.Namespace) -> None:
    from metacult.infra.embedded import service_urls

    for name, url in service_urls(dict(os.environ)).items():
        print(f"export {name}='{url}'")


def _dead_letters(settings: Settings, args: argparse.Namespace) -> None:
    if settings.broker_is_rabbitmq:
        _rabbitmq_dead_letters(settings)
        return
    import redis

    # The broker's Redis: BROKER_URL=redis://… when set (always, on a Redis Cluster).
    client = redis.Redis.from_url(settings.broker_url or settings.redis_url)
    pattern = f"{settings.redis_prefix}-dramatiq:*.XQ"
    found = False
    for key in client.scan_iter(match=pattern):
        found = True
        print(f"{key.decode()}: {client.zcard(key)} dead message(s)")
    if not found:
        print("no dead-lettered messages")


def _rabbitmq_dead_letters(settings: Settings) -> None:
    """RabbitMQ lists no queues to a client: count the ``.XQ`` of every declared actor's."""
    import pika

    from workers.broker import broker

    connection = pika.BlockingConnection(pika.URLParameters(settings.broker_url))
    try:
        channel = connection.channel()
        counts = {}
        for queue in sorted(broker.get_declared_queues()):
            try:
                declared = channel.queue_declare(f"{queue}.XQ", passive=True)
            except pika.exceptions.ChannelClosedByBroker:  # never used: no such queue yet
                channel = connection.channel()
                continue
            if declared.method.message_count:
                counts[f"{queue}.XQ"] = declared.method.message_count
    finally:
        connection.close()
    for queue, count in counts.items():
        print(f"{queue}: {count} dead message(s)")
    if not counts:
        print("no dead-lettered messages")


def _seed(settings: Settings, args: argparse.Namespace) -> None:
    # The catalogue first; the demo users' histories (interaction's) are built on it.
    from metacult.catalog.cli import seed

    seed(settings)
    if args.demo_users > 0:
        from metacult.interaction.cli import seed_demo_users

        seed_demo_users(settings, args.demo_users)


def _create_admin(settings: Settings, args: argparse.Namespace) -> None:
    from metacult.identity.cli import create_admin

    create_admin(settings, args)


def _events_doc(settings: Settings, args: argparse.Namespace) -> None:
    from workers.event_docs import render

    sys.stdout.write(render())


def _use_uvloop() -> None:
    try:
        import uvloop
    except ImportError:
        return
    uvloop.install()


COMMANDS = {
    "serve": (_serve, "run the web server"),
    "migrate": (_migrate, "create the database if needed and apply migrations"),
    "scheduler": (_scheduler, "run the periodic jobs"),
    "run": (_run, "run every Procfile process, restarting any that dies (make run)"),
    "services": (_services, "print the service URLs, starting embedded servers if needed"),
    "dead-letters": (_dead_letters, "count the messages the workers gave up on"),
    "seed": (_seed, "load the demo catalogue (idempotent); --demo-users N adds demo users"),
    "create-admin": (_create_admin, "give the account with this email the admin role"),
    "events-doc": (_events_doc, "print docs/events.md, written from the declared events"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metacult", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        command = commands.add_parser(name, help=help_text)
        if name == "seed":
            command.add_argument(
                "--demo-users",
                type=int,
                default=0,
                metavar="N",
                help="also create N synthetic users with realistic interaction histories",
            )
        elif name == "run":
            command.add_argument("--procfile", default="Procfile", help="the Procfile to run")
            command.add_argument(
                "--concurrency",
                default="",
                metavar="TYPE=N,...",
                help="processes of each type (web=2,worker=2); web ones share the port",
            )
        elif name == "create-admin":
            from metacult.identity.cli import add_arguments as admin_arguments

            admin_arguments(command)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"metacult: configuration error: {exc}", file=sys.stderr)
        return 2
    jsonlog.configure(settings.log_level)
    COMMANDS[args.command][0](settings, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
