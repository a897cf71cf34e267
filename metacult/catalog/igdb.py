"""IGDB v4 (games): the client, and its answers turned into drafts.

IGDB takes a Twitch app token: the client asks ``TWITCH_TOKEN_URL`` for one with the
client-credentials grant (``IGDB_CLIENT_ID`` / ``IGDB_CLIENT_SECRET``), keeps it until
it expires, and asks again once if IGDB answers 401. Queries are Apicalypse bodies
POSTed to ``{IGDB_API_URL}/games``; IGDB allows 4 requests a second.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

from metacult.catalog.model import MediaDraft
from metacult.catalog.providers import ProviderClient, ProviderError, ProviderNotFound
from metacult.catalog.taxonomy import igdb_genre_slugs, igdb_platform_slug
from metacult.config import Settings

REQUESTS_PER_SECOND = 4.0
PAGE_SIZE = 50
IMAGE_URL = "https://images.igdb.com/igdb/image/upload"
FIELDS = (
    "fields name, first_release_date, summary, total_rating_count, "
    "genres.slug, genres.name, themes.slug, themes.name, platforms.slug, platforms.name, "
    "cover.image_id, artworks.image_id;"
)


class IgdbClient(ProviderClient):
    provider = "igdb"

    def __init__(self, settings: Settings, **options: Any) -> None:
        options.setdefault("rate", REQUESTS_PER_SECOND)
        super().__init__(**options)
        self.base_url = settings.igdb_api_url
        self.token_url = settings.twitch_token_url
        self.client_id = settings.igdb_client_id
        self.client_secret = settings.igdb_client_secret
        self._token: str | None = None
        self._token_expires = 0.0

    async def _access_token(self, *, renew: bool = False) -> str:
        if not (self.client_id and self.client_secret):
            raise ProviderError(self.provider, "IGDB_CLIENT_ID and IGDB_CLIENT_SECRET are not set")
        if renew or self._token is None or time.monotonic() >= self._token_expires:
            answer = await self.request_json(
                "POST",
                self.token_url,
                params={
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "grant_type": "client_credentials",
                },
                paced=False,
            )
            self._token = answer["access_token"]
            # Renew a minute early rather than be refused mid-import.
            self._token_expires = time.monotonic() + max(0, int(answer.get("expires_in", 0)) - 60)
        assert self._token is not None
        return self._token

    async def query(self, endpoint: str, body: str) -> list[dict[str, Any]]:
        """POST an Apicalypse ``body`` to ``/{endpoint}``."""
        for renew in (False, True):
            headers = {
                "Client-ID": self.client_id,
                "Authorization": f"Bearer {await self._access_token(renew=renew)}",
                "Content-Type": "text/plain",
            }
            try:
                return await self.request_json(
                    "POST", f"{self.base_url}/{endpoint}", headers=headers, data=body
                )
            except ProviderError as exc:
                if exc.status != 401 or renew:
                    raise
        raise AssertionError("unreachable")

    async def popular_games(self, page: int, page_size: int = PAGE_SIZE) -> list[dict[str, Any]]:
        """One page of the most rated main games (no editions, no DLC)."""
        body = (
            f"{FIELDS} where total_rating_count != null & version_parent = null;"
            " sort total_rating_count desc;"
            f" limit {int(page_size)}; offset {(int(page) - 1) * int(page_size)};"
        )
        return await self.query("games", body)

    async def game(self, igdb_id: int) -> dict[str, Any]:
        answer = await self.query("games", f"{FIELDS} where id = {int(igdb_id)};")
        if not answer:
            raise ProviderNotFound(self.provider, f"no game {igdb_id}", status=404)
        return answer[0]


def _image(size: str, image: dict[str, Any] | None) -> str | None:
    return f"{IMAGE_URL}/{size}/{image['image_id']}.jpg" if image else None


def draft(game: dict[str, Any]) -> MediaDraft:
    """An IGDB game as a draft: genres and themes mapped to our genre slugs."""
    released = game.get("first_release_date")
    release_date: date | None = (
        datetime.fromtimestamp(released, UTC).date() if isinstance(released, int) else None
    )
    genres = [
        slug
        for item in [*(game.get("genres") or []), *(game.get("themes") or [])]
        if item.get("slug")
        for slug in igdb_genre_slugs(item["slug"])
    ]
    platforms = [
        slug
        for item in game.get("platforms") or []
        if item.get("slug") and (slug := igdb_platform_slug(item["slug"]))
    ]
    artworks = game.get("artworks") or []
    return MediaDraft(
        kind="game",
        title=(game.get("name") or "").strip(),
        release_date=release_date,
        synopsis=(game.get("summary") or "").strip(),
        genres=tuple(genres),
        platforms=tuple(platforms),
        cover_url=_image("t_cover_big", game.get("cover")),
        backdrop_url=_image("t_1080p", artworks[0] if artworks else None),
        igdb_id=int(game["id"]),
        popularity=float(game.get("total_rating_count") or 0),
    )
