"""Imports from TMDB and IGDB, started by an admin, run by the worker, watched live."""

from __future__ import annotations

from metacult import catalog
from tests.accounts import sign_up
from tests.catalog.fake_providers import igdb_game, tmdb_film, tmdb_series
from tests.channels import published
from tests.helpers import eventually


async def _start(client, admin, **body):
    response = await client.post("/api/v1/admin/imports", json=body, headers=admin.headers)
    assert response.status == 202, await response.text()
    return await response.json()


async def _finished(client, admin, import_id):
    async def done():
        response = await client.get(f"/api/v1/admin/imports/{import_id}", headers=admin.headers)
        body = await response.json()
        return body if body["status"] in {"finished", "failed"} else None

    return await eventually(done, within=30)


async def _events(db, media_ids, event_type):
    rows = await db.fetch(
        "SELECT data FROM outbox"
        " WHERE type = $1 AND (data->>'media_id')::bigint = ANY($2::bigint[])",
        event_type.name,
        media_ids,
    )
    return [row["data"] for row in rows]


async def test_an_admin_imports_pages_of_films_and_a_second_import_changes_nothing(
    client, db, worker, providers
):
    films = [tmdb_film(popularity=100.0 - i) for i in range(25)]
    providers.films.update({film["id"]: film for film in films})
    admin = await sign_up(client, role="admin")

    first = await _finished(
        client, admin, (await _start(client, admin, provider="tmdb", kind="film", pages=2))["id"]
    )

    assert (first["status"], first["pages_done"], first["imported"]) == ("finished", 2, 25)
    rows = await db.fetch(
        "SELECT id, tmdb_id, runtime_minutes, genres, cover_url FROM media WHERE kind = 'film'"
        " AND tmdb_id = ANY($1::int[])",
        [film["id"] for film in films],
    )
    assert len(rows) == 25
    assert {tuple(row["genres"]) for row in rows} == {("drama", "science-fiction")}
    assert all(
        row["runtime_minutes"] == 148 and row["cover_url"].startswith("https://") for row in rows
    )
    ids = [row["id"] for row in rows]
    imported = await _events(db, ids, catalog.MEDIA_IMPORTED)
    assert sorted(event["media_id"] for event in imported) == sorted(ids)
    assert {event["kind"] for event in imported} == {"film"}

    second = await _finished(
        client, admin, (await _start(client, admin, provider="tmdb", kind="film", pages=2))["id"]
    )

    assert (second["imported"], second["updated"], second["unchanged"]) == (0, 0, 25)
    assert (
        await db.fetchval(
            "SELECT count(*) FROM media WHERE tmdb_id = ANY($1::int[])", [f["id"] for f in films]
        )
        == 25
    )
    assert await _events(db, ids, catalog.MEDIA_UPDATED) == []


async def test_a_changed_title_is_updated_once_with_its_event(client, db, worker, providers):
    series = tmdb_series()
    providers.series[series["id"]] = series
    admin = await sign_up(client, role="admin")
    await _finished(
        client, admin, (await _start(client, admin, provider="tmdb", kind="series"))["id"]
    )
    series["number_of_seasons"] = 4

    again = await _finished(
        client, admin, (await _start(client, admin, provider="tmdb", kind="series"))["id"]
    )

    assert (again["imported"], again["updated"]) == (0, 1)
    row = await db.fetchrow(
        "SELECT id, seasons, genres FROM media WHERE kind = 'series' AND tmdb_id = $1", series["id"]
    )
    assert row["seasons"] == 4
    assert list(row["genres"]) == ["science-fiction", "fantasy", "drama"]
    assert await _events(db, [row["id"]], catalog.MEDIA_UPDATED) == [
        {"media_id": row["id"], "kind": "series"}
    ]


async def test_an_import_completes_the_demo_title_of_the_same_name_instead_of_a_twin(
    client, db, seeded, worker, providers
):
    metropolis = tmdb_film("Metropolis", release_date="1927-01-10", runtime=153, popularity=500.0)
    providers.films[metropolis["id"]] = metropolis
    admin = await sign_up(client, role="admin")

    done = await _finished(
        client, admin, (await _start(client, admin, provider="tmdb", kind="film"))["id"]
    )

    assert done["updated"] == 1
    rows = await db.fetch(
        "SELECT slug, tmdb_id, release_date FROM media WHERE kind = 'film' AND title = 'Metropolis'"
    )
    assert [(row["slug"], row["tmdb_id"]) for row in rows] == [("metropolis", metropolis["id"])]


async def test_igdb_import_rides_out_rate_limits_and_server_errors(client, db, worker, providers):
    games = [igdb_game(total_rating_count=5000 - i) for i in range(3)]
    providers.games.update({game["id"]: game for game in games})
    providers.fail("/igdb/v4/games", 429, 500, retry_after="1")
    admin = await sign_up(client, role="admin")

    done = await _finished(
        client, admin, (await _start(client, admin, provider="igdb", kind="game"))["id"]
    )

    assert (done["status"], done["imported"]) == ("finished", 3)
    rows = await db.fetch(
        "SELECT platforms, genres FROM media WHERE igdb_id = ANY($1::int[])",
        [g["id"] for g in games],
    )
    assert len(rows) == 3
    assert all("switch" in row["platforms"] and "rpg" in row["genres"] for row in rows)


async def test_an_import_that_keeps_failing_ends_failed_with_the_reason(
    client, db, worker, providers
):
    providers.fail("/tmdb/3/discover/tv", *[503] * 5)
    admin = await sign_up(client, role="admin")

    done = await _finished(
        client, admin, (await _start(client, admin, provider="tmdb", kind="series"))["id"]
    )

    assert done["status"] == "failed"
    assert "503" in done["error"]


async def test_progress_is_published_on_the_admin_dashboard(
    client, redis, settings, worker, providers
):
    films = [tmdb_film() for _ in range(3)]
    providers.films.update({film["id"]: film for film in films})
    admin = await sign_up(client, role="admin")

    started = await _start(client, admin, provider="tmdb", kind="film")
    await _finished(client, admin, started["id"])

    async def progress():
        return [
            data["import"]
            for data in await published(redis, settings, "admin:dashboard")
            if data.get("type") == "catalog.import" and data["import"]["id"] == started["id"]
        ]

    states = await eventually(progress)
    assert states[0]["status"] == "queued"
    assert states[-1]["status"] == "finished"
    assert states[-1]["imported"] == 3


async def test_one_title_is_imported_by_its_provider_id(db, worker, providers):
    from workers.catalog import import_title

    game = igdb_game()
    providers.games[game["id"]] = game

    import_title.send("igdb", "game", game["id"])

    async def imported():
        return await db.fetchval("SELECT title FROM media WHERE igdb_id = $1", game["id"])

    assert await eventually(imported) == game["name"]


async def test_only_admins_start_imports_and_bad_requests_are_422(client, providers):
    gamer = await sign_up(client)
    admin = await sign_up(client, role="admin")
    body = {"provider": "tmdb", "kind": "film"}

    anonymous = await client.post("/api/v1/admin/imports", json=body)
    as_gamer = await client.post("/api/v1/admin/imports", json=body, headers=gamer.headers)
    mismatched = await client.post(
        "/api/v1/admin/imports", json={"provider": "igdb", "kind": "film"}, headers=admin.headers
    )
    too_many = await client.post(
        "/api/v1/admin/imports", json={**body, "pages": 1000}, headers=admin.headers
    )
    unknown = await client.get("/api/v1/admin/imports/999999999", headers=admin.headers)

    assert (anonymous.status, as_gamer.status) == (401, 403)
    assert (mismatched.status, too_many.status) == (422, 422)
    assert unknown.status == 404
