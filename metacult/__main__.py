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

    _use_uvloop()
    print(f"Metacult is serving on {settings.public_url}", flush=True)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        shutdown_timeout=settings.shutdown_timeout,
        access_log=None,
        print=None,
        handler_cancellation=True,
    )


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


def _services(settings: Settings, args: argparse.Namespace) -> None:
    from metacult.infra.embedded import service_urls

    for name, url in service_urls(dict(os.environ)).items():
        print(f"export {name}='{url}'")


def _dead_letters(settings: Settings, args: argparse.Namespace) -> None:
    import redis

    client = redis.Redis.from_url(settings.redis_url)
    pattern = f"{settings.redis_prefix}-dramatiq:*.XQ"
    found = False
    for key in client.scan_iter(match=pattern):
        found = True
        print(f"{key.decode()}: {client.zcard(key)} dead message(s)")
    if not found:
        print("no dead-lettered messages")


def _seed(settings: Settings, args: argparse.Namespace) -> None:
    from metacult.catalog.cli import seed

    seed(settings, args)


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
            from metacult.catalog.cli import add_arguments

            add_arguments(command)
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
