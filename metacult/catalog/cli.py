"""``python -m metacult seed``: the demo catalogue, then (``--demo-users N``) demo users."""

from __future__ import annotations

import argparse
import asyncio

from metacult.config import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo-users",
        type=int,
        default=0,
        metavar="N",
        help="also create N synthetic users with realistic interaction histories",
    )


def seed(settings: Settings, args: argparse.Namespace) -> None:
    """Load the demo titles (idempotent), then hand over to interaction for demo users."""
    from metacult.catalog import service
    from metacult.infra.db import create_pool

    async def run() -> None:
        db = await create_pool(
            settings, min_size=1, command_timeout=settings.db_job_command_timeout
        )
        try:
            result = await service.seed_demo(db)
            print(f"catalogue: {result.titles} demo titles, {result.inserted} newly added")
            if args.demo_users > 0:
                # The interaction context owns users' histories; it builds them on the titles.
                from metacult.interaction.demo import seed_demo_users

                print(await seed_demo_users(db, settings, args.demo_users))
        finally:
            await db.close()

    asyncio.run(run())
