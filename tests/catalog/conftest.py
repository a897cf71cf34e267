"""Catalogue fixtures: the demo titles, and the providers (TMDB, IGDB) as a local server.

The run's settings already point the providers' URLs at this server (``providers_url``,
set with the rest of the run's environment in ``tests/conftest.py``), so that the web
app and the worker's actors talk to it; this module only serves it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from aiohttp import web

from metacult.catalog import service
from tests.catalog import fake_providers

_STATE = fake_providers.ProviderState()


# The one server of the run and how many fixture instances use it: other directories
# (commerce, the web tests) import these fixtures, and each import is its own instance.
_SERVING: dict[str, object] = {}


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def provider_server(providers_url: str):
    """The fake TMDB / IGDB / Twitch / store feed server on the port the settings point to."""
    if not _SERVING:
        runner = web.AppRunner(fake_providers.provider_app(_STATE))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", urlsplit(providers_url).port)
        await site.start()
        _SERVING.update(runner=runner, users=0)
    _SERVING["users"] = int(_SERVING["users"]) + 1  # type: ignore[call-overload]
    yield providers_url
    _SERVING["users"] = int(_SERVING["users"]) - 1  # type: ignore[call-overload]
    if _SERVING["users"] == 0:
        runner = _SERVING.pop("runner")
        _SERVING.clear()
        await runner.cleanup()  # type: ignore[attr-defined]


@pytest.fixture
def providers(provider_server) -> fake_providers.ProviderState:
    """The fake providers' state, emptied for this test."""
    fresh = fake_providers.ProviderState()
    for name in (
        "films",
        "series",
        "games",
        "failures",
        "requests",
        "valid_igdb_tokens",
        "watch_providers",
        "store_prices",
        "seasons",
    ):
        setattr(_STATE, name, getattr(fresh, name))
    _STATE.tokens_issued = 0
    return _STATE


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def seeded(db):
    """The shipped demo catalogue, loaded in this run's database."""
    return await service.seed_demo(db)
