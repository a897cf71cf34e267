"""Catalogue fixtures: the demo titles loaded once per run (seeding is idempotent)."""

from __future__ import annotations

import pytest_asyncio

from metacult.catalog import service


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def seeded(db):
    """The shipped demo catalogue, loaded in this run's database."""
    return await service.seed_demo(db)
