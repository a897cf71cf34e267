"""``python -m metacult seed``: the demo catalogue (the demo users are interaction's)."""

from __future__ import annotations

import asyncio

from metacult.config import Settings


def seed(settings: Settings) -> None:
    """Load the demo titles (idempotent)."""
    from metacult.catalog import service
    from metacult.infra import pagecache
    from metacult.infra.db import create_pool
    from metacult.infra.redis import create_redis

    async def run() -> None:
        db = await create_pool(
            settings, min_size=1, command_timeout=settings.db_job_command_timeout
        )
        try:
            result = await service.seed_demo(db)
            print(f"catalogue: {result.titles} demo titles, {result.inserted} newly added")
            if result.inserted:
                # Running web nodes keep pages that show the catalogue: renew them.
                redis = create_redis(settings)
                try:
                    await pagecache.bump(redis, settings, [pagecache.CATALOG])
                finally:
                    await redis.aclose()
        finally:
            await db.close()

    asyncio.run(run())
