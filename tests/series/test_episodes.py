"""Series in depth: seasons and episodes from TMDB, episodes seen and rated, averages,
up next, the release calendar and its private iCal feed, new-season notices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from metacult.catalog import imports
from tests.accounts import sign_up
from tests.catalog.fake_providers import tmdb_season, tmdb_series
from tests.channels import published
from tests.helpers import eventually
from tests.realtime.live import Live
from tests.titles import new_title


def _day(offset: int) -> str:
    """The day ``offset`` days from today in UTC (where a user without a timezone lives)."""
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


async def _imported_series(db, settings, providers, seasons):
    """A series with these seasons (lists of air-date offsets, None: not announced),
    imported through the TMDB importer; its id and TMDB answer."""
    series = tmdb_series()
    providers.series[series["id"]] = series
    for number, offsets in enumerate(seasons, start=1):
        dates = [None if o is None else _day(o) for o in offsets]
        providers.add_season(series, tmdb_season(number, dates))
    saved = await imports.import_title(db, settings, "tmdb", "series", series["id"])
    return saved.media_id, series


async def _episodes(client, media_id, account=None):
    headers = account.headers if account else {}
    response = await client.get(f"/api/v1/media/{media_id}/episodes", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_seasons_and_episodes_are_imported_with_air_dates_and_twice_is_once(
    client, db, settings, providers
) -> None:
    media_id, series = await _imported_series(
        db, settings, providers, [[-400, -393, -386], [-20, 10, None]]
    )
    assert [r[2] for r in providers.asked(f"/tmdb/3/tv/{series['id']}/season/")] == [
        f"/tmdb/3/tv/{series['id']}/season/1",
        f"/tmdb/3/tv/{series['id']}/season/2",
    ]
    await imports.import_title(db, settings, "tmdb", "series", series["id"])
    assert await db.fetchval("SELECT count(*) FROM episodes WHERE media_id = $1", media_id) == 6

    body = await _episodes(client, media_id)
    assert [s["number"] for s in body["seasons"]] == [1, 2]
    second = body["seasons"][1]
    assert second["name"] == "Season 2"
    assert [e["air_date"] for e in second["episodes"]] == [_day(-20), _day(10), None]
    assert [e["number"] for e in second["episodes"]] == [1, 2, 3]
    assert second["episodes"][0]["runtime_minutes"] == 47
    assert body["status"] is None


async def test_marking_episodes_moves_the_status_and_ratings_average_per_episode_and_season(
    client, db, settings, providers
) -> None:
    media_id, _ = await _imported_series(db, settings, providers, [[-30, -23], [-2, 5]])
    alice, bob = await sign_up(client), await sign_up(client)
    first = (await _episodes(client, media_id))["seasons"][0]["episodes"]

    response = await client.put(f"/api/v1/episodes/{first[0]['id']}/watched", headers=alice.headers)
    assert response.status == 200
    body = await response.json()
    assert (body["status"], body["watched"], body["aired"]) == ("watching", 1, 3)
    assert body["seasons"][0]["episodes"][0]["watched"] is True

    # A whole season: only what has aired is ticked (season 2's second episode is to come).
    for number in (1, 2):
        response = await client.put(
            f"/api/v1/media/{media_id}/seasons/{number}/watched", headers=alice.headers
        )
        assert response.status == 200
    body = await response.json()
    assert (body["status"], body["watched"], body["aired"]) == ("watched", 3, 3)
    assert [e["watched"] for e in body["seasons"][1]["episodes"]] == [True, False]

    response = await client.delete(
        f"/api/v1/episodes/{first[1]['id']}/watched", headers=alice.headers
    )
    assert (await response.json())["status"] == "watching"

    for account, ratings in ((alice, (4.5, 3.0)), (bob, (3.5, 2.0))):
        for episode, rating in zip(first, ratings, strict=True):
            response = await client.put(
                f"/api/v1/episodes/{episode['id']}/rating",
                json={"rating": rating},
                headers=account.headers,
            )
            assert response.status == 200, await response.text()
    body = await _episodes(client, media_id, alice)
    season = body["seasons"][0]
    assert [(e["average"], e["ratings"]) for e in season["episodes"]] == [(4.0, 2), (2.5, 2)]
    assert [e["rating"] for e in season["episodes"]] == [4.5, 3.0]
    assert (season["average"], season["ratings"]) == (3.25, 4)
    assert body["seasons"][1]["average"] is None

    bad = await client.put(
        f"/api/v1/episodes/{first[0]['id']}/rating", json={"rating": 4.2}, headers=bob.headers
    )
    assert bad.status == 422
    assert (await bad.json())["error"]["code"]
    missing = await client.put("/api/v1/episodes/999999999/watched", headers=bob.headers)
    assert missing.status == 404
    no_season = await client.put(f"/api/v1/media/{media_id}/seasons/9/watched", headers=bob.headers)
    assert no_season.status == 404
    anonymous = await client.put(f"/api/v1/episodes/{first[0]['id']}/watched")
    assert anonymous.status == 401


async def test_up_next_gives_the_next_unseen_aired_episode_most_recent_first(
    client, db, settings, providers
) -> None:
    older, _ = await _imported_series(db, settings, providers, [[-60, -53, -46]])
    newer, _ = await _imported_series(db, settings, providers, [[-10, 20]])
    done, _ = await _imported_series(db, settings, providers, [[-10]])
    carol = await sign_up(client)
    older_eps = (await _episodes(client, older))["seasons"][0]["episodes"]
    newer_eps = (await _episodes(client, newer))["seasons"][0]["episodes"]
    done_eps = (await _episodes(client, done))["seasons"][0]["episodes"]

    for episode in (older_eps[0], done_eps[0], older_eps[1]):
        await client.put(f"/api/v1/episodes/{episode['id']}/watched", headers=carol.headers)
    await client.put(
        f"/api/v1/media/{newer}/status", json={"status": "watching"}, headers=carol.headers
    )

    response = await client.get("/api/v1/me/up-next", headers=carol.headers)
    assert response.status == 200
    items = (await response.json())["items"]
    assert [(i["media"]["id"], i["episode"]["id"]) for i in items] == [
        (newer, newer_eps[0]["id"]),
        (older, older_eps[2]["id"]),
    ]
    assert (items[1]["watched"], items[1]["aired"]) == (2, 3)

    await client.put(f"/api/v1/episodes/{older_eps[2]['id']}/watched", headers=carol.headers)
    items = (await (await client.get("/api/v1/me/up-next", headers=carol.headers)).json())["items"]
    assert [i["media"]["id"] for i in items] == [newer]


async def test_the_calendar_and_its_private_ical_feed(client, db, settings, providers) -> None:
    show, _ = await _imported_series(db, settings, providers, [[-3, 4, 11, None]])
    other, _ = await _imported_series(db, settings, providers, [[6]])
    dave = await sign_up(client)
    await client.put(
        f"/api/v1/media/{show}/status", json={"status": "watchlist"}, headers=dave.headers
    )
    game = await new_title(db, "game", release_date=datetime.now(UTC).date() + timedelta(days=8))
    dropped = await new_title(db, "film", release_date=datetime.now(UTC).date() + timedelta(days=9))
    await client.put(
        f"/api/v1/media/{game}/status", json={"status": "wishlist"}, headers=dave.headers
    )
    await client.put(
        f"/api/v1/media/{dropped}/status", json={"status": "dropped"}, headers=dave.headers
    )

    response = await client.get(
        "/api/v1/me/calendar", params={"from": _day(0), "to": _day(30)}, headers=dave.headers
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert [
        (i["date"], i["type"], i["media"]["id"], (i["episode"] or {}).get("number"))
        for i in body["items"]
    ] == [
        (_day(4), "episode", show, 2),
        (_day(8), "release", game, None),
        (_day(11), "episode", show, 3),
    ]
    backwards = await client.get(
        "/api/v1/me/calendar", params={"from": _day(5), "to": _day(1)}, headers=dave.headers
    )
    assert backwards.status == 422
    assert (
        await client.get("/api/v1/me/calendar", params={"from": "soon"}, headers=dave.headers)
    ).status == 422

    none = await client.get("/api/v1/me/calendar/token", headers=dave.headers)
    assert await none.json() == {"active": False, "created_at": None}
    created = await client.post("/api/v1/me/calendar/token", headers=dave.headers)
    assert created.status == 201
    # Only the address's hash is kept: later, the owner learns it exists, not what it is.
    known = await (await client.get("/api/v1/me/calendar/token", headers=dave.headers)).json()
    assert known["active"] is True and known["created_at"]
    assert (await created.json())["token"] not in str(known)
    token = (await created.json())["token"]
    assert (await created.json())["url"] == (
        f"{settings.public_url.rstrip('/')}/api/v1/calendar/{token}.ics"
    )

    feed = await client.get(f"/api/v1/calendar/{token}.ics")
    assert feed.status == 200
    assert feed.content_type == "text/calendar"
    parsed = icalendar.Calendar.from_ical(await feed.read())
    events = sorted(parsed.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert [e.decoded("dtstart") for e in events] == [
        datetime.now(UTC).date() + timedelta(days=d) for d in (-3, 4, 8, 11)
    ]
    assert str(events[1]["summary"]).endswith("S01E02 Episode 2")
    assert len({str(e["uid"]) for e in events}) == 4

    rotated = await client.post("/api/v1/me/calendar/token", headers=dave.headers)
    new_token = (await rotated.json())["token"]
    assert (await client.get(f"/api/v1/calendar/{token}.ics")).status == 404
    assert (await client.get(f"/api/v1/calendar/{new_token}.ics")).status == 200

    revoked = await client.delete("/api/v1/me/calendar/token", headers=dave.headers)
    assert revoked.status == 204
    gone = await client.get(f"/api/v1/calendar/{new_token}.ics")
    assert gone.status == 404
    assert (await gone.json())["error"]["code"] == "calendar_not_found"
    after = await client.get("/api/v1/me/calendar/token", headers=dave.headers)
    assert (await after.json())["active"] is False
    assert other  # a series outside the library stays out of the calendar


async def test_a_new_season_brings_the_show_back_to_watching_live_and_in_the_inbox(
    client, db, redis, settings, worker, providers
) -> None:
    media_id, series = await _imported_series(db, settings, providers, [[-40, -33]])
    erin, stranger = await sign_up(client), await sign_up(client)
    await client.put(f"/api/v1/media/{media_id}/seasons/1/watched", headers=erin.headers)
    assert (await _episodes(client, media_id, erin))["status"] == "watched"
    live = await Live.open(client, headers=erin.headers)
    assert (await live.subscribe(f"user:{erin.id}"))["type"] == "subscribed"

    providers.add_season(series, tmdb_season(2, [_day(7), _day(14)]))
    await imports.import_title(db, settings, "tmdb", "series", series["id"])

    # The user's channel carries other messages too (status changes): the notice's.
    data = (await live.expect("publication", within=30))["data"]
    while data["type"] != "interaction.new_season":
        data = (await live.expect("publication", within=30))["data"]
    assert (data["type"], data["media_id"], data["season_number"]) == (
        "interaction.new_season",
        media_id,
        2,
    )

    async def back_to_watching():
        body = await _episodes(client, media_id, erin)
        return body if body["status"] == "watching" else None

    assert (await eventually(back_to_watching))["seasons"][1]["episodes"][0]["air_date"] == _day(7)

    async def stored():
        inbox = await (await client.get("/api/v1/me/notifications", headers=erin.headers)).json()
        return inbox if inbox["items"] else None

    # Pushed just before the worker commits it: the inbox holds it a moment later.
    inbox = await eventually(stored)
    assert [(i["id"], i["kind"]) for i in inbox["items"]] == [
        (data["notification_id"], "interaction.new_season")
    ]
    assert inbox["items"][0]["data"]["season_number"] == 2
    assert [
        m
        for m in await published(redis, settings, f"user:{stranger.id}")
        if m["type"] == "interaction.new_season"
    ] == []
    # Refreshing again changes nothing and notifies no one twice.
    await imports.import_title(db, settings, "tmdb", "series", series["id"])
    assert (
        await db.fetchval(
            "SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = $2",
            erin.id,
            "interaction.new_season",
        )
        == 1
    )


async def test_a_deleted_account_takes_its_episodes_ratings_and_feed_along(
    client, db, settings, worker, providers
) -> None:
    media_id, _ = await _imported_series(db, settings, providers, [[-9, -2]])
    leaving, staying = await sign_up(client), await sign_up(client)
    [first, _second] = (await _episodes(client, media_id))["seasons"][0]["episodes"]
    for account, rating in ((leaving, 5.0), (staying, 3.0)):
        await client.put(f"/api/v1/episodes/{first['id']}/watched", headers=account.headers)
        await client.put(
            f"/api/v1/episodes/{first['id']}/rating",
            json={"rating": rating},
            headers=account.headers,
        )
    token = (
        await (await client.post("/api/v1/me/calendar/token", headers=leaving.headers)).json()
    )["token"]
    exported = (await (await client.get("/api/v1/me/export", headers=leaving.headers)).json())[
        "interaction"
    ]
    assert [seen["episode_id"] for seen in exported["episodes_seen"]] == [first["id"]]
    assert exported["episode_ratings"] == [{"episode_id": first["id"], "rating": 5.0}]

    assert (await client.delete("/api/v1/me", headers=leaving.headers)).status == 204

    async def forgotten():
        body = await _episodes(client, media_id)
        return body if body["seasons"][0]["episodes"][0]["ratings"] == 1 else None

    episode = (await eventually(forgotten))["seasons"][0]["episodes"][0]
    assert episode["average"] == 3.0
    assert (
        await db.fetchval("SELECT count(*) FROM episode_views WHERE user_id = $1", leaving.id) == 0
    )
    assert (await client.get(f"/api/v1/calendar/{token}.ics")).status == 404


async def test_an_episode_has_aired_once_its_day_has_come_where_the_user_lives(
    client, db, settings, providers
) -> None:
    # A zone whose date is not UTC's right now: ahead (UTC+14) from 10:00 UTC, else behind.
    now = datetime.now(UTC)
    zone = "Pacific/Kiritimati" if now.hour >= 10 else "Etc/GMT+12"
    shift = (now.astimezone(ZoneInfo(zone)).date() - now.date()).days
    assert shift in (1, -1)
    # Aired long ago; airs on the user's today; airs on the user's tomorrow.
    media_id, _ = await _imported_series(db, settings, providers, [[-5, shift, shift + 1]])
    dana = await sign_up(client)
    await client.patch("/api/v1/me", json={"timezone": zone}, headers=dana.headers)
    episodes = (await _episodes(client, media_id))["seasons"][0]["episodes"]

    await client.put(f"/api/v1/episodes/{episodes[0]['id']}/watched", headers=dana.headers)
    body = await _episodes(client, media_id, dana)
    assert (body["status"], body["watched"], body["aired"]) == ("watching", 1, 2)
    items = (await (await client.get("/api/v1/me/up-next", headers=dana.headers)).json())["items"]
    assert [i["episode"]["id"] for i in items] == [episodes[1]["id"]]

    # The whole season, as far as it has aired for her: the last episode is tomorrow's.
    response = await client.put(f"/api/v1/media/{media_id}/seasons/1/watched", headers=dana.headers)
    body = await response.json()
    assert (body["status"], body["watched"], body["aired"]) == ("watched", 2, 2)
    assert [e["watched"] for e in body["seasons"][0]["episodes"]] == [True, True, False]
    calendar = await client.get("/api/v1/me/calendar", headers=dana.headers)
    dates = [item["date"] for item in (await calendar.json())["items"]]
    assert dates[0] == _day(shift)
