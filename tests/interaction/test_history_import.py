"""History import with a preview (Letterboxd, Backloggd, Trakt, Steam) and the export.

Sample files are written here in each service's documented layout (Letterboxd's export
ZIP of CSV files, Trakt's API items, Steam's ``GetOwnedGames`` answer)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import aiohttp

from tests import random_refs
from tests.accounts import sign_up
from tests.catalog import fake_providers
from tests.catalog.conftest import provider_server, providers  # noqa: F401
from tests.channels import published
from tests.helpers import eventually
from tests.titles import new_title

COMMON = ["Date", "Name", "Year", "Letterboxd URI"]


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def zipped(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


async def upload(client, account, source: str, raw: bytes, name: str = "export.zip", **params):
    form = aiohttp.FormData()
    form.add_field("file", raw, filename=name, content_type="application/octet-stream")
    return await client.post(
        "/api/v1/imports", params={"source": source, **params}, data=form, headers=account.headers
    )


async def ready(client, account, import_id: int) -> dict:
    async def check():
        response = await client.get(f"/api/v1/imports/{import_id}", headers=account.headers)
        assert response.status == 200, await response.text()
        body = await response.json()
        return body if body["state"] in ("ready", "failed") else None

    return await eventually(check)


async def imported(client, account, source: str, raw: bytes, **params) -> dict:
    response = await upload(client, account, source, raw, **params)
    assert response.status == 202, await response.text()
    started = await response.json()
    assert started["state"] == "matching"
    return await ready(client, account, started["id"])


async def confirm(client, account, import_id: int) -> dict:
    response = await client.post(f"/api/v1/imports/{import_id}/confirm", headers=account.headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def library(client, account, kind: str = "film") -> dict[int, dict]:
    response = await client.get(
        f"/api/v1/users/{account.id}/library", params={"kind": kind, "limit": 100}
    )
    assert response.status == 200, await response.text()
    return {item["media"]["id"]: item for item in (await response.json())["items"]}


async def diary(client, account) -> list[dict]:
    response = await client.get(
        f"/api/v1/users/{account.id}/diary", params={"limit": 100}, headers=account.headers
    )
    assert response.status == 200, await response.text()
    return (await response.json())["items"]


async def ratings(client, account) -> list[tuple[int, float]]:
    """The account's ratings, most recent first, as (media id, stars)."""
    response = await client.get(f"/api/v1/users/{account.id}/ratings", headers=account.headers)
    return [(i["media"]["id"], i["rating"]) for i in (await response.json())["items"]]


def states_by_line(preview: dict) -> dict[tuple[str, int], tuple[str, int | None]]:
    """Each row's state and matched title by its file and line."""
    return {
        (r["file"], r["line"]): (r["state"], (r["media"] or {}).get("id")) for r in preview["rows"]
    }


def by_title(preview: dict) -> dict[tuple[str, str], dict]:
    return {(row["file"], row["title"]): row for row in preview["rows"]}


async def letterboxd_sample(db) -> tuple[dict[str, int], bytes]:
    tag = random_refs.suffix()
    films = {
        "heat": await new_title(db, "film", title=f"Heat {tag}", year=1995),
        "alien": await new_title(db, "film", title=f"Alien {tag}", year=1979),
        "brazil": await new_title(db, "film", title=f"Brazil {tag}", year=1985),
        "paris": await new_title(db, "film", title=f"Paris, Texas {tag}", year=1984),
    }
    uri = "https://boxd.it/"
    files = {
        "diary.csv": csv_text(
            [*COMMON, "Rating", "Rewatch", "Tags", "Watched Date"],
            [
                ["2024-01-03", f"Heat {tag}", 1995, uri + "a1", 4.5, "", "", "2024-01-02"],
                ["2024-02-10", f"Heat {tag}", 1995, uri + "a2", 5, "Yes", "", "2024-02-09"],
                # The year is one off: a doubtful match.
                ["2024-03-01", f"Alien {tag}", 1980, uri + "a3", 4, "", "", "2024-03-01"],
                ["2024-03-05", f"Nowhere Film {tag}", 2001, uri + "a4", 3, "", "", "2024-03-05"],
                # An unparseable date: reported with its line, the rest still imports.
                ["2024-03-06", f"Brazil {tag}", 1985, uri + "a5", 3, "", "", "not a date"],
            ],
        ),
        "ratings.csv": csv_text(
            [*COMMON, "Rating"],
            [["2024-01-03", f"Heat {tag}", 1995, uri + "b1", 4.5]],
        ),
        "watched.csv": csv_text(
            COMMON,
            [
                ["2024-01-03", f"Heat {tag}", 1995, uri + "c1"],
                ["2023-05-05", f"Brazil {tag}", 1985, uri + "c2"],
            ],
        ),
        "watchlist.csv": csv_text(COMMON, [["2024-04-01", f"Paris, Texas {tag}", 1984, uri]]),
        "reviews.csv": csv_text(
            [*COMMON, "Rating", "Rewatch", "Review", "Tags", "Watched Date"],
            [
                [
                    "2024-01-03",
                    f"Heat {tag}",
                    1995,
                    uri,
                    4.5,
                    "",
                    "The bank scene.",
                    "",
                    "2024-01-02",
                ]
            ],
        ),
        "likes/films.csv": csv_text(COMMON, [["2024-01-03", f"Heat {tag}", 1995, uri]]),
        "lists/favourites.csv": "Letterboxd list export v7\n"
        + csv_text(
            ["Date", "Name", "Tags", "URL", "Description"], [["2024-01-01", "Faves", "", "", ""]]
        )
        + "\n"
        + csv_text(
            ["Position", "Name", "Year", "URL", "Description"],
            [[1, f"Heat {tag}", 1995, uri, ""], [2, f"Brazil {tag}", 1985, uri, ""]],
        ),
    }
    return films, zipped(files)


async def test_a_letterboxd_export_is_previewed_fixed_and_confirmed_once(
    client, db, redis, settings, worker
) -> None:
    owner = await sign_up(client)
    films, raw = await letterboxd_sample(db)

    preview = await imported(client, owner, "letterboxd", raw)
    rows = by_title(preview)
    heat = [r for r in preview["rows"] if r["media"] and r["media"]["id"] == films["heat"]]
    assert {r["state"] for r in heat} == {"matched"}
    alien = next(r for r in preview["rows"] if r["title"].startswith("Alien"))
    assert alien["state"] == "doubtful" and alien["media"]["id"] == films["alien"]
    assert 0.5 <= alien["confidence"] < 0.9
    nowhere = next(r for r in preview["rows"] if r["title"].startswith("Nowhere"))
    assert (nowhere["state"], nowhere["line"], nowhere["media"]) == ("unmatched", 5, None)
    broken = next(
        r for r in preview["rows"] if r["file"] == "diary.csv" and r["title"].startswith("Brazil")
    )
    assert (broken["state"], broken["line"]) == ("invalid", 6)
    assert "not a date" in broken["problem"]
    assert preview["counts"]["doubtful"] == 1 and preview["counts"]["unmatched"] == 1
    assert rows  # every row is listed, none dropped silently
    assert len(preview["rows"]) == 13

    # The progress went out live on the user's channel.
    messages = [
        m
        for m in await published(redis, settings, f"user:{owner.id}")
        if m["type"] == "interaction.import_progress"
    ]
    assert messages[-1]["state"] == "ready" and messages[-1]["done"] == 13

    # The user points the unmatched row at a title and drops the watchlist row.
    fix = await client.patch(
        f"/api/v1/imports/{preview['id']}/rows/{nowhere['position']}",
        json={"media_id": films["brazil"]},
        headers=owner.headers,
    )
    assert fix.status == 204, await fix.text()
    watchlist = next(r for r in preview["rows"] if r["file"] == "watchlist.csv")
    drop = await client.patch(
        f"/api/v1/imports/{preview['id']}/rows/{watchlist['position']}",
        json={"drop": True},
        headers=owner.headers,
    )
    assert drop.status == 204

    done = await confirm(client, owner, preview["id"])
    assert done["state"] == "confirmed" and done["written"] > 0

    shelf = await library(client, owner)
    assert shelf[films["heat"]]["status"] == "watched"
    assert shelf[films["heat"]]["rating"] == 4.5
    assert shelf[films["heat"]]["liked"] is True
    assert films["paris"] not in shelf  # dropped
    entries = await diary(client, owner)
    assert sorted(e["date"] for e in entries) == [
        "2024-01-02",
        "2024-02-09",
        "2024-03-01",
        "2024-03-05",
    ]
    assert sum(e["replay"] for e in entries) == 1
    reviews = await (await client.get(f"/api/v1/users/{owner.id}/reviews")).json()
    assert [r["body"] for r in reviews["items"]] == ["The bank scene."]
    mine = await (await client.get("/api/v1/me/lists", headers=owner.headers)).json()
    assert [item["name"] for item in mine["items"]] == ["Faves"]

    # Confirming twice, or the same file again, writes nothing twice.
    again = await confirm(client, owner, preview["id"])
    assert again["written"] == 0
    # (The watchlist row dropped the first time is written now, and nothing else.)
    second = await imported(client, owner, "letterboxd", raw)
    assert (await confirm(client, owner, second["id"]))["written"] == 1
    assert (await library(client, owner))[films["paris"]]["status"] == "watchlist"
    third = await imported(client, owner, "letterboxd", raw)
    assert (await confirm(client, owner, third["id"]))["written"] == 0
    assert len(await diary(client, owner)) == 4
    reviews = await (await client.get(f"/api/v1/users/{owner.id}/reviews")).json()
    assert len(reviews["items"]) == 1
    mine = await (await client.get("/api/v1/me/lists", headers=owner.headers)).json()
    assert len(mine["items"]) == 1

    # Someone else cannot see or confirm this import.
    stranger = await sign_up(client)
    assert (
        await client.get(f"/api/v1/imports/{preview['id']}", headers=stranger.headers)
    ).status == 404


async def test_our_letterboxd_export_imports_into_a_fresh_account(client, db, worker) -> None:
    owner = await sign_up(client)
    _films, raw = await letterboxd_sample(db)
    first = await imported(client, owner, "letterboxd", raw)
    await confirm(client, owner, first["id"])
    before_shelf = await library(client, owner)
    before_diary = sorted(
        (e["media"]["id"], e["date"], e["rating"]) for e in await diary(client, owner)
    )

    response = await client.get(
        "/api/v1/me/export", params={"format": "letterboxd"}, headers=owner.headers
    )
    assert response.status == 200
    assert response.content_type == "application/zip"
    exported = await response.read()
    names = set(zipfile.ZipFile(io.BytesIO(exported)).namelist())
    assert {"diary.csv", "ratings.csv", "watched.csv", "watchlist.csv", "reviews.csv"} <= names
    assert "likes/films.csv" in names

    fresh = await sign_up(client)
    copy = await imported(client, fresh, "letterboxd", exported)
    assert copy["counts"]["unmatched"] == 0 and copy["counts"]["invalid"] == 0
    await confirm(client, fresh, copy["id"])
    after_shelf = await library(client, fresh)
    assert {k: (v["status"], v["rating"], v["liked"]) for k, v in after_shelf.items()} == {
        k: (v["status"], v["rating"], v["liked"]) for k, v in before_shelf.items()
    }
    after_diary = sorted(
        (e["media"]["id"], e["date"], e["rating"]) for e in await diary(client, fresh)
    )
    assert after_diary == before_diary

    every = await client.get("/api/v1/me/export", params={"format": "csv"}, headers=owner.headers)
    assert every.status == 200
    kinds = zipfile.ZipFile(io.BytesIO(await every.read()))
    assert {"library.csv", "diary.csv", "ratings.csv", "reviews.csv", "likes.csv"} <= set(
        kinds.namelist()
    )
    as_json = await (await client.get("/api/v1/me/export", headers=owner.headers)).json()
    assert len(as_json["history"]["diary"]) == 3


async def test_a_backloggd_csv_imports_games_with_platform_status_and_dates(
    client, db, worker
) -> None:
    owner = await sign_up(client)
    tag = random_refs.suffix()
    hades = await new_title(db, "game", title=f"Hades {tag}", year=2020)
    celeste = await new_title(db, "game", title=f"Celeste {tag}", year=2018)
    raw = csv_text(
        ["title", "platform", "status", "rating", "year", "started", "finished"],
        [
            [f"Hades {tag}", "pc", "Completed", 9, 2020, "2023-01-01", "2023-02-01"],
            [f"Celest {tag}", "switch", "Playing", "", 2018, "", ""],
            [f"Unknown Game {tag}", "pc", "Backlog", "", "", "", ""],
            [f"Hades {tag}", "pc", "Sleeping", "", "", "", ""],
        ],
    ).encode()
    preview = await imported(client, owner, "backloggd", raw)
    states = [(r["line"], r["state"]) for r in preview["rows"]]
    assert states == [(2, "matched"), (3, "doubtful"), (4, "unmatched"), (5, "invalid")]
    await confirm(client, owner, preview["id"])
    shelf = await library(client, owner, "game")
    assert (shelf[hades]["status"], shelf[hades]["rating"]) == ("completed", 4.5)
    assert shelf[celeste]["status"] == "playing"
    assert [e["date"] for e in await diary(client, owner)] == ["2023-02-01"]


async def test_a_trakt_export_matches_by_tmdb_id_first(client, db, worker) -> None:
    owner = await sign_up(client)
    tag = random_refs.suffix()
    tmdb = int(hashlib.sha256(tag.encode()).hexdigest()[:7], 16)
    film = await new_title(db, "film", title=f"Local Name {tag}", year=2010, tmdb_id=tmdb)
    show = await new_title(db, "series", title=f"The Show {tag}", year=2015)
    document = {
        "history": [
            {
                "id": 1,
                "watched_at": "2024-05-01T20:00:00.000Z",
                "action": "watch",
                "type": "movie",
                "movie": {
                    "title": "Original Name",
                    "year": 2010,
                    "ids": {"tmdb": tmdb, "imdb": "tt1"},
                },
            },
            {"id": 2, "watched_at": "2024-05-02T20:00:00.000Z", "type": "episode"},
        ],
        "ratings": [
            {
                "rated_at": "2024-05-03T00:00:00.000Z",
                "rating": 8,
                "type": "show",
                "show": {"title": f"The Show {tag}", "year": 2015, "ids": {"tmdb": None}},
            }
        ],
        "watchlist": [
            {"type": "movie", "movie": {"title": f"Not Here {tag}", "year": 1999, "ids": {}}}
        ],
    }
    preview = await imported(client, owner, "trakt", json.dumps(document).encode())
    assert states_by_line(preview) == {
        ("history", 1): ("matched", film),
        ("history", 2): ("invalid", None),
        ("ratings", 1): ("matched", show),
        ("watchlist", 1): ("unmatched", None),
    }
    await confirm(client, owner, preview["id"])
    assert await ratings(client, owner) == [(show, 4)]
    assert [e["media"]["id"] for e in await diary(client, owner)] == [film]


async def test_a_tmdb_id_the_catalogue_lacks_is_imported_from_tmdb(
    client,
    db,
    worker,
    providers,  # noqa: F811
) -> None:
    owner = await sign_up(client)
    film = fake_providers.tmdb_film(f"Only At TMDB {random_refs.suffix()}")
    providers.films[film["id"]] = film
    document = {
        "history": [
            {
                "id": 1,
                "watched_at": "2024-06-01T20:00:00.000Z",
                "action": "watch",
                "type": "movie",
                "movie": {"title": film["title"], "year": 2010, "ids": {"tmdb": film["id"]}},
            }
        ],
        "ratings": [],
        "watchlist": [],
    }
    preview = await imported(client, owner, "trakt", json.dumps(document).encode())
    [row] = preview["rows"]
    assert row["state"] == "matched"
    imported_id = await db.fetchval("SELECT id FROM media WHERE tmdb_id = $1", film["id"])
    assert row["media"]["id"] == imported_id
    await confirm(client, owner, preview["id"])
    assert [e["media"]["id"] for e in await diary(client, owner)] == [imported_id]


async def test_a_steam_library_imports_owned_games_by_playtime(client, db, worker) -> None:
    owner = await sign_up(client)
    tag = random_refs.suffix()
    portal = await new_title(db, "game", title=f"Portal {tag}", year=2007)
    # A sequel of a close name does not make the exact title doubtful (Steam gives no year).
    await new_title(db, "game", title=f"Portal {tag} 2", year=2011)
    owned = {
        "response": {
            "game_count": 2,
            "games": [
                {"appid": 400, "name": f"Portal {tag}", "playtime_forever": 300},
                {"appid": 401, "name": f"Never Heard Of {tag}", "playtime_forever": 0},
            ],
        }
    }
    preview = await imported(client, owner, "steam", json.dumps(owned).encode())
    assert [(r["state"], (r["media"] or {}).get("id")) for r in preview["rows"]] == [
        ("matched", portal),
        ("unmatched", None),
    ]
    await confirm(client, owner, preview["id"])
    assert (await library(client, owner, "game"))[portal]["status"] == "playing"


# --- bad input --------------------------------------------------------------------------


async def refused(client, account, source: str, raw: bytes, status: int, code: str) -> None:
    response = await upload(client, account, source, raw)
    assert response.status == status, await response.text()
    body = await response.json()
    assert body["error"]["code"] == code
    mine = await client.get("/api/v1/me/export", headers=account.headers)
    assert (await mine.json())["history"]["imports"] == []


async def test_bad_uploads_are_refused_and_nothing_is_stored(client) -> None:
    owner = await sign_up(client)
    await refused(
        client, owner, "letterboxd", b"x" * (20 * 1024 * 1024 + 1), 413, "upload_too_large"
    )

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("diary.csv", b"0" * (150 * 1024 * 1024))
    await refused(client, owner, "letterboxd", bomb.getvalue(), 422, "zip_bomb")

    traversal = zipped({"../../etc/diary.csv": csv_text(COMMON, [])})
    await refused(client, owner, "letterboxd", traversal, 422, "unsafe_path")

    wrong = zipped({"diary.csv": "Film,When\nHeat,2024-01-01\n"})
    await refused(client, owner, "letterboxd", wrong, 422, "wrong_columns")

    latin1 = zipped(
        {"watched.csv": csv_text(COMMON, [["2024-01-01", "Amélie", 2001, ""]]).encode("latin-1")}
    )
    await refused(client, owner, "letterboxd", latin1, 422, "not_utf8")

    await refused(client, owner, "letterboxd", b"not a zip at all", 422, "not_a_zip")
    await refused(client, owner, "backloggd", b"name,when\nx,y\n", 422, "wrong_columns")
    await refused(client, owner, "trakt", b"{not json", 422, "malformed_json")
    response = await client.post(
        "/api/v1/imports", params={"source": "nothing"}, data=b"x", headers=owner.headers
    )
    assert response.status == 422


async def test_a_steam_library_is_fetched_by_steam_id_from_the_web_api(client, db, worker) -> None:
    """``source=steam&steam_id=``: the worker asks STEAM_API_URL's GetOwnedGames (a local
    server in Steam's answer shape) for the library, then matches it; an id Steam does not
    know fails the import with its problem."""
    from aiohttp import web

    from tests.conftest import STEAM_URL

    tag = random_refs.suffix()
    # A name no other test's title starts like: with no year, a sure match needs one candidate.
    portal = await new_title(db, "game", title=f"{tag} Half-Life", year=2004)
    asked: list[dict[str, str]] = []

    async def owned_games(request: web.Request) -> web.Response:
        asked.append(dict(request.query))
        if request.query.get("steamid") != "76561197960287930":
            return web.json_response({}, status=500)
        return web.json_response({"response": {"game_count": 1, "games": [
            {"appid": 220, "name": f"{tag} Half-Life", "playtime_forever": 300},
        ]}})  # fmt: skip

    steam = web.Application()
    steam.router.add_get("/IPlayerService/GetOwnedGames/v1/", owned_games)
    runner = web.AppRunner(steam)
    await runner.setup()
    host, port = STEAM_URL.removeprefix("http://").split(":")
    await web.TCPSite(runner, host, int(port)).start()
    try:
        owner = await sign_up(client)
        response = await client.post(
            "/api/v1/imports",
            params={"source": "steam", "steam_id": "76561197960287930"},
            headers=owner.headers,
        )
        assert response.status == 202, await response.text()
        preview = await ready(client, owner, (await response.json())["id"])
        assert preview["state"] == "ready"
        assert [(r["state"], (r["media"] or {}).get("id")) for r in preview["rows"]] == [
            ("matched", portal)
        ]
        assert asked[0]["steamid"] == "76561197960287930"
        assert asked[0]["include_appinfo"] == "1"
        await confirm(client, owner, preview["id"])
        assert (await library(client, owner, "game"))[portal]["status"] == "playing"

        response = await client.post(
            "/api/v1/imports", params={"source": "steam", "steam_id": "1"}, headers=owner.headers
        )
        assert response.status == 202, await response.text()
        failed = await ready(client, owner, (await response.json())["id"])
        assert failed["state"] == "failed"
        assert failed["rows"] == []
        assert "Steam library could not be read" in failed["problem"]
    finally:
        await runner.cleanup()


async def test_a_trakt_export_naming_titles_by_imdb_id_finds_them_or_imports_them(
    client,
    db,
    worker,
    providers,  # noqa: F811
) -> None:
    owner = await sign_up(client)
    tag = random_refs.suffix()
    known_imdb = f"tt{fake_providers.new_id()}"
    known = await new_title(db, "film", title=f"Known Film {tag}", year=2001, imdb_id=known_imdb)
    show = fake_providers.tmdb_series(f"Only At TMDB {tag}")
    providers.series[show["id"]] = show
    document = {
        "history": [
            {
                "watched_at": "2024-06-01T20:00:00.000Z",
                "type": "movie",
                "movie": {"title": "Its Name Elsewhere", "year": 2001, "ids": {"imdb": known_imdb}},
            }
        ],
        "ratings": [
            {
                "rated_at": "2024-06-02T00:00:00.000Z",
                "rating": 8,
                "type": "show",
                "show": {
                    "title": "Renamed Show",
                    "year": 2016,
                    "ids": {"imdb": show["external_ids"]["imdb_id"], "tmdb": None},
                },
            },
            {
                "rated_at": "2024-06-03T00:00:00.000Z",
                "rating": 6,
                "type": "movie",
                "movie": {"title": f"Nowhere {tag}", "year": 1990, "ids": {"imdb": "tt0"}},
            },
        ],
        "watchlist": [],
    }
    preview = await imported(client, owner, "trakt", json.dumps(document).encode())
    imported_show = await db.fetchval(
        "SELECT id FROM media WHERE kind = 'series' AND tmdb_id = $1", show["id"]
    )
    assert imported_show is not None
    assert (
        await db.fetchval("SELECT imdb_id FROM media WHERE id = $1", imported_show)
        == (show["external_ids"]["imdb_id"])
    )
    assert states_by_line(preview) == {
        ("history", 1): ("matched", known),
        ("ratings", 1): ("matched", imported_show),
        ("ratings", 2): ("unmatched", None),
    }
    await confirm(client, owner, preview["id"])
    assert await ratings(client, owner) == [(imported_show, 4)]
