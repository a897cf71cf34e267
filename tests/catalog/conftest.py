"""Catalogue fixtures: the demo titles, and the providers (TMDB, IGDB) as a local server.

The providers' URLs and credentials are set in the environment when this module is
collected, before any settings are built, so that the web app and the worker's actors
(which read the environment) both talk to the same local server.
"""

from __future__ import annotations

import os

import pytest
import pytest_asyncio
from aiohttp import web

from metacult.catalog import service
from tests.catalog import fake_providers
from tests.helpers import free_port

PROVIDERS_PORT = free_port()
PROVIDERS_URL = f"http://127.0.0.1:{PROVIDERS_PORT}"
os.environ["TMDB_API_URL"] = f"{PROVIDERS_URL}/tmdb/3"
os.environ["TMDB_TOKEN"] = fake_providers.TMDB_TOKEN
os.environ["IGDB_API_URL"] = f"{PROVIDERS_URL}/igdb/v4"
os.environ["TWITCH_TOKEN_URL"] = f"{PROVIDERS_URL}/twitch/oauth2/token"
os.environ["IGDB_CLIENT_ID"] = fake_providers.IGDB_CLIENT_ID
os.environ["IGDB_CLIENT_SECRET"] = fake_providers.IGDB_CLIENT_SECRET

_STATE = fake_providers.ProviderState()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def provider_server():
    """The fake TMDB / IGDB / Twitch server on the port the settings point to."""
    runner = web.AppRunner(fake_providers.provider_app(_STATE))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", PROVIDERS_PORT)
    await site.start()
    yield PROVIDERS_URL
    await runner.cleanup()


@pytest.fixture
def providers(provider_server) -> fake_providers.ProviderState:
    """The fake providers' state, emptied for this test."""
    fresh = fake_providers.ProviderState()
    for name in ("films", "series", "games", "failures", "requests", "valid_igdb_tokens"):
        setattr(_STATE, name, getattr(fresh, name))
    _STATE.tokens_issued = 0
    return _STATE


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def seeded(db):
    """The shipped demo catalogue, loaded in this run's database."""
    return await service.seed_demo(db)
