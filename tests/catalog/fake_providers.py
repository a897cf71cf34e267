"""TMDB v3, IGDB v4, Twitch's token endpoint and a store price feed as one local aiohttp app,
in their JSON shapes.

Tests fill ``ProviderState`` with titles, queue failures (``fail("/igdb/v4/games", 429,
retry_after="1")``) and read what was asked (``requests``).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests import random_refs

TMDB_TOKEN = "test-tmdb-token"
IGDB_CLIENT_ID = "test-igdb-client"
IGDB_CLIENT_SECRET = "test-igdb-secret"


def environment(url: str) -> dict[str, str]:
    """The settings that point the catalogue at fake providers served at ``url``."""
    return {
        "TMDB_API_URL": f"{url}/tmdb/3",
        "TMDB_TOKEN": TMDB_TOKEN,
        "IGDB_API_URL": f"{url}/igdb/v4",
        "TWITCH_TOKEN_URL": f"{url}/twitch/oauth2/token",
        "IGDB_CLIENT_ID": IGDB_CLIENT_ID,
        "IGDB_CLIENT_SECRET": IGDB_CLIENT_SECRET,
        "COMMERCE_FEED_URL": f"{url}/store/prices.json",
    }


MOVIE_GENRES = [
    {"id": 28, "name": "Action"},
    {"id": 18, "name": "Drama"},
    {"id": 878, "name": "Science Fiction"},
    {"id": 10770, "name": "TV Movie"},
]
TV_GENRES = [
    {"id": 18, "name": "Drama"},
    {"id": 10765, "name": "Sci-Fi & Fantasy"},
    {"id": 10768, "name": "War & Politics"},
]


@dataclass
class Failure:
    status: int
    retry_after: str | None = None
    delay_s: float = 0.0


@dataclass
class ProviderState:
    films: dict[int, dict[str, Any]] = field(default_factory=dict)
    series: dict[int, dict[str, Any]] = field(default_factory=dict)
    games: dict[int, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, deque[Failure]] = field(default_factory=dict)
    # (monotonic time, method, path, body)
    requests: list[tuple[float, str, str, str]] = field(default_factory=list)
    tokens_issued: int = 0
    valid_igdb_tokens: set[str] = field(default_factory=set)
    # TMDB's ``/{movie|tv}/{id}/watch/providers`` answers by ("movie" | "tv", id), and the
    # entries of the store price feed (``{"offers": [...]}``).
    watch_providers: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    store_prices: list[dict[str, Any]] = field(default_factory=list)
    # ``/tv/{id}/season/{n}`` answers by (series id, season number).
    seasons: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)

    def add_season(self, series: dict[str, Any], season: dict[str, Any]) -> None:
        """Serve a season and list it in its series' ``/tv/{id}`` answer."""
        self.seasons[(series["id"], season["season_number"])] = season
        listed = [
            s for s in series.get("seasons", []) if s["season_number"] != season["season_number"]
        ]
        listed.append(
            {
                "air_date": season["air_date"],
                "episode_count": len(season["episodes"]),
                "id": season["id"],
                "name": season["name"],
                "overview": "",
                "poster_path": None,
                "season_number": season["season_number"],
                "vote_average": 0,
            }
        )
        series["seasons"] = sorted(listed, key=lambda s: s["season_number"])
        series["number_of_seasons"] = len([s for s in series["seasons"] if s["season_number"] > 0])

    def fail(
        self, path: str, *statuses: int, retry_after: str | None = None, delay_s: float = 0
    ) -> None:
        """Answer the next requests to ``path`` with these statuses, in order."""
        queue = self.failures.setdefault(path, deque())
        queue.extend(Failure(status, retry_after, delay_s) for status in statuses)

    def asked(self, prefix: str) -> list[tuple[float, str, str, str]]:
        return [request for request in self.requests if request[2].startswith(prefix)]


def tmdb_film(title: str | None = None, **fields: Any) -> dict[str, Any]:
    """A ``/movie/{id}`` answer."""
    film = {
        "adult": False,
        "backdrop_path": f"/b{random_refs.suffix()}.jpg",
        "genres": [{"id": 18, "name": "Drama"}, {"id": 878, "name": "Science Fiction"}],
        "id": new_id(),
        "imdb_id": f"tt{new_id()}",
        "original_language": "en",
        "original_title": title or f"Film {random_refs.suffix()}",
        "overview": "Written for the tests.",
        "popularity": 42.5,
        "poster_path": f"/p{random_refs.suffix()}.jpg",
        "release_date": "2010-07-15",
        "runtime": 148,
        "status": "Released",
        "title": title or f"Film {random_refs.suffix()}",
        "vote_average": 8.4,
        "vote_count": 1000,
    }
    film["original_title"] = fields.pop("original_title", film["title"])
    film.update(fields)
    return film


def tmdb_series(name: str | None = None, **fields: Any) -> dict[str, Any]:
    """A ``/tv/{id}`` answer."""
    series = {
        "backdrop_path": None,
        "episode_run_time": [45],
        "external_ids": {"imdb_id": f"tt{new_id()}", "tvdb_id": new_id()},
        "first_air_date": "2016-07-15",
        "genres": [{"id": 10765, "name": "Sci-Fi & Fantasy"}, {"id": 18, "name": "Drama"}],
        "id": new_id(),
        "name": name or f"Series {random_refs.suffix()}",
        "number_of_episodes": 30,
        "number_of_seasons": 3,
        "overview": "Written for the tests.",
        "popularity": 99.0,
        "poster_path": "/series.jpg",
    }
    series["original_name"] = fields.pop("original_name", series["name"])
    series.update(fields)
    return series


def tmdb_season(number: int, air_dates: list[str | None]) -> dict[str, Any]:
    """A ``/tv/{id}/season/{n}`` answer, one episode per air date (None: not announced)."""
    return {
        "_id": f"5256c8{random_refs.suffix()}",
        "air_date": air_dates[0] if air_dates else None,
        "episodes": [
            {
                "air_date": aired,
                "episode_number": index,
                "episode_type": "standard",
                "id": new_id(),
                "name": f"Episode {index}",
                "overview": "Written for the tests.",
                "production_code": "",
                "runtime": 47,
                "season_number": number,
                "still_path": None,
                "vote_average": 8.0,
                "vote_count": 12,
                "crew": [],
                "guest_stars": [],
            }
            for index, aired in enumerate(air_dates, start=1)
        ],
        "name": "Specials" if number == 0 else f"Season {number}",
        "overview": "",
        "id": new_id(),
        "poster_path": None,
        "season_number": number,
        "vote_average": 8.0,
    }


def igdb_game(name: str | None = None, **fields: Any) -> dict[str, Any]:
    """A game as ``POST /v4/games`` answers it with expanded fields."""
    game = {
        "id": new_id(),
        "name": name or f"Game {random_refs.suffix()}",
        "first_release_date": 1488499200,  # 2017-03-03
        "summary": "Written for the tests.",
        "total_rating_count": 1500,
        "genres": [
            {"id": 12, "name": "Role-playing (RPG)", "slug": "role-playing-rpg"},
            {"id": 31, "name": "Adventure", "slug": "adventure"},
        ],
        "themes": [{"id": 38, "name": "Open world", "slug": "open-world"}],
        "platforms": [
            {"id": 130, "name": "Nintendo Switch", "slug": "switch"},
            {"id": 6, "name": "PC (Microsoft Windows)", "slug": "win"},
            {"id": 167, "name": "PlayStation 5", "slug": "ps5"},
        ],
        "cover": {"id": 1, "image_id": f"co{random_refs.suffix()}"},
        "artworks": [{"id": 2, "image_id": f"ar{random_refs.suffix()}"}],
    }
    game.update(fields)
    return game


_ids = iter(range(int(time.time() * 1000) % 10**9 + 10**6, 2**31 - 1, 7))


def new_id() -> int:
    return next(_ids)


def provider_app(state: ProviderState) -> web.Application:
    """The fake providers, reading and recording ``state``."""

    @web.middleware
    async def record_and_fail(request: web.Request, handler):
        body = await request.text()
        state.requests.append((time.monotonic(), request.method, request.path, body))
        queue = state.failures.get(request.path)
        if queue:
            failure = queue.popleft()
            if failure.delay_s:
                await asyncio.sleep(failure.delay_s)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return web.json_response(
                {
                    "status_code": 25,
                    "status_message": "Your request count is over the allowed limit.",
                }
                if failure.status == 429
                else {"status_message": "Internal error."},
                status=failure.status,
                headers=headers,
            )
        return await handler(request)

    def tmdb_auth(request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bearer {TMDB_TOKEN}":
            raise web.HTTPUnauthorized(
                text='{"status_code":7,"status_message":"Invalid API key.","success":false}',
                content_type="application/json",
            )

    async def configuration(request: web.Request) -> web.Response:
        tmdb_auth(request)
        return web.json_response(
            {
                "images": {
                    "base_url": "http://image.tmdb.org/t/p/",
                    "secure_base_url": "https://image.tmdb.org/t/p/",
                    "backdrop_sizes": ["w300", "w780", "w1280", "original"],
                    "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"],
                },
                "change_keys": ["adult", "title"],
            }
        )

    async def genres(request: web.Request) -> web.Response:
        tmdb_auth(request)
        kind = request.match_info["kind"]
        return web.json_response({"genres": MOVIE_GENRES if kind == "movie" else TV_GENRES})

    async def discover(request: web.Request) -> web.Response:
        tmdb_auth(request)
        catalogue = state.films if request.match_info["kind"] == "movie" else state.series
        page = int(request.query.get("page", "1"))
        ordered = sorted(catalogue.values(), key=lambda item: -item["popularity"])
        chunk = ordered[(page - 1) * 20 : page * 20]
        results = [
            {
                "id": item["id"],
                "title" if "title" in item else "name": item.get("title") or item.get("name"),
                "genre_ids": [genre["id"] for genre in item["genres"]],
                "popularity": item["popularity"],
                "poster_path": item["poster_path"],
            }
            for item in chunk
        ]
        total_pages = max(1, (len(ordered) + 19) // 20)
        return web.json_response(
            {
                "page": page,
                "results": results,
                "total_pages": total_pages,
                "total_results": len(ordered),
            }
        )

    async def details(request: web.Request) -> web.Response:
        tmdb_auth(request)
        catalogue = state.films if request.match_info["kind"] == "movie" else state.series
        item = catalogue.get(int(request.match_info["id"]))
        if item is None:
            return web.json_response(
                {
                    "success": False,
                    "status_code": 34,
                    "status_message": "The resource you requested could not be found.",
                },
                status=404,
            )
        return web.json_response(item)

    async def find(request: web.Request) -> web.Response:
        """``/find/{external_id}?external_source=imdb_id``: the films and series with it."""
        tmdb_auth(request)
        wanted = request.match_info["external_id"]
        if request.query.get("external_source") != "imdb_id":
            return web.json_response({"success": False, "status_code": 22}, status=400)

        def imdb_of(item: dict[str, Any]) -> str | None:
            return item.get("imdb_id") or (item.get("external_ids") or {}).get("imdb_id")

        def found(catalogue: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
            return [{"id": item["id"]} for item in catalogue.values() if imdb_of(item) == wanted]

        return web.json_response(
            {
                "movie_results": found(state.films),
                "tv_results": found(state.series),
                "person_results": [],
                "tv_episode_results": [],
                "tv_season_results": [],
            }
        )

    async def season(request: web.Request) -> web.Response:
        tmdb_auth(request)
        answer = state.seasons.get((int(request.match_info["id"]), int(request.match_info["n"])))
        if answer is None:
            return web.json_response(
                {
                    "success": False,
                    "status_code": 34,
                    "status_message": "The resource you requested could not be found.",
                },
                status=404,
            )
        return web.json_response(answer)

    async def watch_providers(request: web.Request) -> web.Response:
        tmdb_auth(request)
        key = (request.match_info["kind"], int(request.match_info["id"]))
        answer = state.watch_providers.get(key, {"results": {}})
        return web.json_response({"id": key[1], **answer})

    async def store_prices(request: web.Request) -> web.Response:
        return web.json_response({"offers": state.store_prices})

    async def twitch_token(request: web.Request) -> web.Response:
        query = request.query
        if (
            query.get("client_id") != IGDB_CLIENT_ID
            or query.get("client_secret") != IGDB_CLIENT_SECRET
            or query.get("grant_type") != "client_credentials"
        ):
            return web.json_response({"status": 400, "message": "invalid client"}, status=400)
        state.tokens_issued += 1
        token = f"token-{state.tokens_issued}-{random_refs.suffix()}"
        state.valid_igdb_tokens.add(token)
        return web.json_response(
            {"access_token": token, "expires_in": 5587808, "token_type": "bearer"}
        )

    async def igdb_games(request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if (
            request.headers.get("Client-ID") != IGDB_CLIENT_ID
            or token not in state.valid_igdb_tokens
        ):
            return web.json_response(
                {"message": "Authorization Failure. Have you tried:"}, status=401
            )
        body = await request.text()
        if "fields" not in body:
            return web.json_response([{"title": "Syntax Error", "status": 400}], status=400)
        by_id = re.search(r"where id = (\d+);", body)
        if by_id:
            game = state.games.get(int(by_id.group(1)))
            return web.json_response([game] if game else [])
        limit = int(re.search(r"limit (\d+);", body).group(1))  # type: ignore[union-attr]
        offset = int(re.search(r"offset (\d+);", body).group(1))  # type: ignore[union-attr]
        ordered = sorted(state.games.values(), key=lambda game: -game["total_rating_count"])
        return web.json_response(ordered[offset : offset + limit])

    app = web.Application(middlewares=[record_and_fail])
    app.router.add_get("/tmdb/3/configuration", configuration)
    app.router.add_get("/tmdb/3/genre/{kind}/list", genres)
    app.router.add_get("/tmdb/3/discover/{kind}", discover)
    app.router.add_get(r"/tmdb/3/{kind:movie|tv}/{id:\d+}", details)
    app.router.add_get(r"/tmdb/3/{kind:movie|tv}/{id:\d+}/watch/providers", watch_providers)
    app.router.add_get(r"/tmdb/3/tv/{id:\d+}/season/{n:\d+}", season)
    app.router.add_get("/tmdb/3/find/{external_id}", find)
    app.router.add_get("/store/prices.json", store_prices)
    app.router.add_post("/twitch/oauth2/token", twitch_token)
    app.router.add_post("/igdb/v4/games", igdb_games)
    return app
