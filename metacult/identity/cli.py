"""``python -m metacult create-admin EMAIL``: give an existing account the admin role."""

from __future__ import annotations

import argparse
import asyncio
import sys

from metacult.config import Settings
from metacult.identity import service
from metacult.infra.db import create_pool
from metacult.infra.errors import NotFound
from metacult.infra.redis import create_redis


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("email", help="the email address of an existing account")


def create_admin(settings: Settings, args: argparse.Namespace) -> None:
    """Promote the account; exit 1 with one line when no account uses that address."""

    async def run() -> int:
        pool = await create_pool(
            settings, min_size=1, command_timeout=settings.db_job_command_timeout
        )
        redis = create_redis(settings)
        try:
            return await service.promote_to_admin(pool, redis, settings, args.email)
        finally:
            await redis.aclose()
            await pool.close()

    try:
        user_id = asyncio.run(run())
    except NotFound:
        print(
            f"metacult: no account uses {args.email!r}; sign up first, then run this again",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    print(f"{args.email} (user {user_id}) is now an administrator")
