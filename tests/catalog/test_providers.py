"""The provider clients against local TMDB / IGDB servers: retries, pace, tokens, shapes."""

from __future__ import annotations

from datetime import date

import pytest

from metacult.catalog import igdb, tmdb
from metacult.catalog.providers import ProviderError, ProviderNotFound


async def test_tmdb_waits_out_a_429_and_retries_a_500(settings, providers):
    film = fake_film(providers)
    providers.fail(f"/tmdb/3/movie/{film['id']}", 429, 500, retry_after="1")

    async with tmdb.TmdbClient(settings, backoff_s=0.05) as client:
        details = await client.details("film", film["id"])

    assert details["title"] == film["title"]
    asked = providers.asked(f"/tmdb/3/movie/{film['id']}")
    assert len(asked) == 3
    # The third try came after the Retry-After the 429 asked for.
    assert asked[1][0] - asked[0][0] >= 0.9


async def test_tmdb_gives_up_after_repeated_server_errors(settings, providers):
    providers.fail("/tmdb/3/discover/movie", 500, 502, 503)

    async with tmdb.TmdbClient(settings, max_attempts=3, backoff_s=0.01) as client:
        with pytest.raises(ProviderError) as raised:
            await client.discover("film", 1)

    assert "gave up after 3 attempts" in str(raised.value)
    assert len(providers.asked("/tmdb/3/discover/movie")) == 3


async def test_a_slow_answer_times_out_and_is_retried(settings, providers):
    providers.fail("/tmdb/3/configuration", 200, delay_s=2)

    async with tmdb.TmdbClient(settings, timeout_s=0.3, backoff_s=0.01) as client:
        base = await client.image_base()

    assert base == "https://image.tmdb.org/t/p/"
    assert len(providers.asked("/tmdb/3/configuration")) == 2


async def test_tmdb_says_when_a_title_does_not_exist(settings, providers):
    async with tmdb.TmdbClient(settings) as client:
        with pytest.raises(ProviderNotFound):
            await client.details("series", 1)


async def test_a_wrong_tmdb_token_is_not_retried(settings, providers):
    async with tmdb.TmdbClient(settings.replace(tmdb_token="wrong")) as client:
        with pytest.raises(ProviderError) as raised:
            await client.image_base()

    assert raised.value.status == 401
    assert len(providers.asked("/tmdb/3/configuration")) == 1


async def test_igdb_takes_one_token_and_renews_it_when_refused(settings, providers):
    game = fake_game(providers)

    async with igdb.IgdbClient(settings) as client:
        await client.game(game["id"])
        await client.game(game["id"])
        providers.valid_igdb_tokens.clear()  # Twitch revoked it
        answer = await client.game(game["id"])

    assert answer["name"] == game["name"]
    assert providers.tokens_issued == 2


async def test_igdb_is_asked_at_most_four_times_a_second(settings, providers):
    game = fake_game(providers)

    async with igdb.IgdbClient(settings) as client:
        for _ in range(9):
            await client.game(game["id"])

    starts = [request[0] for request in providers.asked("/igdb/v4/games")]
    assert len(starts) == 9
    assert all(starts[i + 4] - starts[i] >= 0.95 for i in range(len(starts) - 4))


async def test_igdb_games_become_drafts_with_our_slugs(settings, providers):
    game = fake_game(providers, name="Hollow Test")

    async with igdb.IgdbClient(settings) as client:
        draft = igdb.draft(await client.game(game["id"]))

    assert draft.title == "Hollow Test" and draft.igdb_id == game["id"]
    assert draft.release_date == date(2017, 3, 3) and draft.year == 2017
    assert draft.genres == ("rpg", "adventure", "open-world")
    assert draft.platforms == ("switch", "pc", "ps5")
    assert draft.cover_url.endswith(f"/t_cover_big/{game['cover']['image_id']}.jpg")


@pytest.mark.unit
def test_tmdb_answers_become_drafts_with_our_slugs():
    film = tmdb.draft(
        "film",
        {
            "id": 27205,
            "title": "Inception",
            "original_title": "Inception",
            "release_date": "2010-07-15",
            "runtime": 148,
            "genres": [{"id": 28, "name": "Action"}, {"id": 878, "name": "Science Fiction"}],
            "poster_path": "/p.jpg",
            "backdrop_path": None,
            "overview": "",
            "popularity": 80.5,
        },
        "https://image.tmdb.org/t/p/",
    )
    series = tmdb.draft(
        "series",
        {
            "id": 1396,
            "name": "Breaking Bad",
            "original_name": "Breaking Bad",
            "first_air_date": "",
            "number_of_seasons": 5,
            "genres": [{"id": 10765, "name": "Sci-Fi & Fantasy"}],
        },
        "https://image.tmdb.org/t/p/",
    )

    assert (film.year, film.runtime_minutes, film.original_title) == (2010, 148, None)
    assert film.genres == ("action", "science-fiction")
    assert film.cover_url == "https://image.tmdb.org/t/p/w500/p.jpg" and film.backdrop_url is None
    assert (series.seasons, series.year, series.genres) == (5, None, ("science-fiction", "fantasy"))


def fake_film(providers, **fields):
    from tests.catalog.fake_providers import tmdb_film

    film = tmdb_film(**fields)
    providers.films[film["id"]] = film
    return film


def fake_game(providers, **fields):
    from tests.catalog.fake_providers import igdb_game

    game = igdb_game(**fields)
    providers.games[game["id"]] = game
    return game


@pytest.mark.unit
def test_tmdb_genres_we_know_keep_our_names():
    # TMDB says "Science Fiction"; an import that ran before the seed named the genre so
    # for good (the insert keeps the first name), and the genre list then read differently.
    vocabulary = tmdb.genre_vocabulary("film", {878: "Science Fiction", 99: "Documentary"})

    assert vocabulary == {"science-fiction": "Science fiction", "documentary": "Documentary"}


@pytest.mark.unit
def test_tmdb_answers_carry_their_imdb_id_when_well_formed():
    film = tmdb.draft("film", {"id": 1, "title": "A", "imdb_id": "tt0111161"}, "")
    series = tmdb.draft(
        "series", {"id": 2, "name": "B", "external_ids": {"imdb_id": "tt0903747"}}, ""
    )
    odd = tmdb.draft("film", {"id": 3, "title": "C", "imdb_id": "0111161; DROP"}, "")

    assert (film.imdb_id, series.imdb_id, odd.imdb_id) == ("tt0111161", "tt0903747", None)
