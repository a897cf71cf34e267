"""TMDB v3 (films and series): the client, and its answers turned into drafts.

Authenticates with a bearer token (``TMDB_TOKEN``); the base URL is ``TMDB_API_URL``.
Endpoints used: ``/configuration`` (image base URL), ``/genre/{movie,tv}/list``,
``/discover/{movie,tv}`` (pages of popular titles), ``/movie/{id}`` and ``/tv/{id}``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from metacult.catalog.model import MediaDraft
from metacult.catalog.providers import ProviderClient, ProviderError
from metacult.catalog.taxonomy import GENRES, slugify, tmdb_genre_slugs
from metacult.config import Settings

# TMDB allows about 50 requests a second; we stay well under it.
REQUESTS_PER_SECOND = 20.0
POSTER_SIZE = "w500"
BACKDROP_SIZE = "w1280"
IMDB_ID = re.compile(r"tt[0-9]{1,12}")
_PATH = {"film": "movie", "series": "tv"}


class TmdbClient(ProviderClient):
    provider = "tmdb"

    def __init__(self, settings: Settings, **options: Any) -> None:
        options.setdefault("rate", REQUESTS_PER_SECOND)
        super().__init__(**options)
        self.base_url = settings.tmdb_api_url
        self.token = settings.tmdb_token

    async def get(self, path: str, **params: str) -> Any:
        if not self.token:
            raise ProviderError(self.provider, "TMDB_TOKEN is not set")
        headers = {"Authorization": f"Bearer {self.token}"}
        return await self.request_json(
            "GET", f"{self.base_url}{path}", headers=headers, params=params
        )

    async def image_base(self) -> str:
        """Where posters and backdrops live (``.../t/p/``), from ``/configuration``."""
        images = (await self.get("/configuration"))["images"]
        return images.get("secure_base_url") or images["base_url"]

    async def genres(self, kind: str) -> dict[int, str]:
        """TMDB's genre ids and names for films or series."""
        answer = await self.get(f"/genre/{_PATH[kind]}/list", language="en-US")
        return {genre["id"]: genre["name"] for genre in answer["genres"]}

    async def discover(self, kind: str, page: int) -> list[dict[str, Any]]:
        """One page (20) of the most popular films or series."""
        answer = await self.get(
            f"/discover/{_PATH[kind]}",
            page=str(page),
            sort_by="popularity.desc",
            include_adult="false",
            language="en-US",
        )
        return list(answer.get("results") or [])

    async def details(self, kind: str, tmdb_id: int) -> dict[str, Any]:
        # A series' IMDb id is among its external ids (a film's is in its details).
        extra = {"append_to_response": "external_ids"} if kind == "series" else {}
        return await self.get(f"/{_PATH[kind]}/{tmdb_id}", language="en-US", **extra)

    async def find_imdb(self, kind: str, imdb_id: str) -> int | None:
        """TMDB's id of the film or series with this IMDb id (``/find``), or None."""
        answer = await self.get(f"/find/{imdb_id}", external_source="imdb_id")
        results = answer.get("movie_results" if kind == "film" else "tv_results") or []
        return int(results[0]["id"]) if results else None


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _image(base: str, size: str, path: str | None) -> str | None:
    return f"{base.rstrip('/')}/{size}{path}" if path else None


def genre_vocabulary(kind: str, names: dict[int, str]) -> dict[str, str]:
    """Our genre slugs (with display names) for TMDB's genre list: a genre we know keeps
    our name ("Science fiction", not TMDB's "Science Fiction"), whichever came first."""
    vocabulary: dict[str, str] = {}
    known = GENRES.get(kind, {})
    for name in names.values():
        for slug in tmdb_genre_slugs(name):
            own = known.get(slug) or (name if slugify(name) == slug else slug.capitalize())
            vocabulary.setdefault(slug, own)
    return vocabulary


def draft(kind: str, details: dict[str, Any], image_base: str) -> MediaDraft:
    """A film (``/movie/{id}``) or series (``/tv/{id}``) answer as a draft."""
    film = kind == "film"
    title = (details.get("title") if film else details.get("name")) or ""
    original = details.get("original_title") if film else details.get("original_name")
    released = _date(details.get("release_date") if film else details.get("first_air_date"))
    genres = [
        slug for genre in details.get("genres") or [] for slug in tmdb_genre_slugs(genre["name"])
    ]
    runtime = details.get("runtime") if film else None
    seasons = None if film else details.get("number_of_seasons")
    return MediaDraft(
        kind=kind,
        title=title.strip(),
        original_title=original if original and original != title else None,
        release_date=released,
        synopsis=(details.get("overview") or "").strip(),
        genres=tuple(genres),
        runtime_minutes=runtime if runtime and runtime > 0 else None,
        seasons=seasons if seasons and seasons > 0 else None,
        cover_url=_image(image_base, POSTER_SIZE, details.get("poster_path")),
        backdrop_url=_image(image_base, BACKDROP_SIZE, details.get("backdrop_path")),
        tmdb_id=int(details["id"]),
        imdb_id=imdb_id(
            details.get("imdb_id") or (details.get("external_ids") or {}).get("imdb_id")
        ),
        popularity=float(details.get("popularity") or 0.0),
    )


def imdb_id(value: Any) -> str | None:
    """An IMDb id as TMDB gives it (``tt0111161``); None when absent or malformed."""
    return value if isinstance(value, str) and IMDB_ID.fullmatch(value) else None
