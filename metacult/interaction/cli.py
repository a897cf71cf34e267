"""``python -m metacult seed --demo-users N``: demo users with histories on the demo titles."""

from __future__ import annotations

import asyncio

from metacult.config import Settings


def seed_demo_users(settings: Settings, count: int) -> None:
    """Create ``count`` demo users (idempotent) with realistic interaction histories."""
    from metacult.infra.db import create_pool
    from metacult.interaction.demo import seed_demo_users as seed_users

    async def run() -> None:
        db = await create_pool(
            settings, min_size=1, command_timeout=settings.db_job_command_timeout
        )
        try:
            print(await seed_users(db, settings, count))
        finally:
            await db.close()

    asyncio.run(run())
