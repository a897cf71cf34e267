"""The two sources of offers over HTTP: the store price feed (games) and TMDB's watch
providers (films, series). Each answers the provider's JSON, or raises ``SourceFailed``."""

from __future__ import annotations

from typing import Any

import aiohttp

from metacult.config import Settings

TIMEOUT = aiohttp.ClientTimeout(total=20)
_TMDB_PATH = {"film": "movie", "series": "tv"}


class SourceFailed(Exception):
    """A source did not answer JSON: its offers are kept as they were, not withdrawn."""


async def _json(session: aiohttp.ClientSession, url: str, **options: Any) -> Any:
    try:
        async with session.get(url, **options) as response:
            if response.status != 200:
                raise SourceFailed(f"{url} answered {response.status}")
            return await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise SourceFailed(f"{url}: {exc!r}") from None


async def store_feed(session: aiohttp.ClientSession, settings: Settings) -> Any:
    """The whole store price feed (``COMMERCE_FEED_URL``)."""
    return await _json(session, settings.commerce_feed_url)


async def watch_providers(
    session: aiohttp.ClientSession, settings: Settings, kind: str, tmdb_id: int
) -> Any:
    """TMDB's ``/{movie|tv}/{id}/watch/providers``."""
    return await _json(
        session,
        f"{settings.tmdb_api_url}/{_TMDB_PATH[kind]}/{tmdb_id}/watch/providers",
        headers={"Authorization": f"Bearer {settings.tmdb_token}"},
    )


def session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=TIMEOUT)
