"""The diary: dated sessions in the user's time zone, and what they do to the library."""

from __future__ import annotations

from tests.accounts import sign_up
from tests.titles import new_title


async def set_zone(client, account, zone: str) -> None:
    response = await client.patch("/api/v1/me", json={"timezone": zone}, headers=account.headers)
    assert response.status == 200, await response.text()
    assert (await response.json())["timezone"] == zone


async def log(client, account, media_id, **body) -> dict:
    response = await client.post(
        f"/api/v1/media/{media_id}/logs", json=body, headers=account.headers
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def diary(client, owner, viewer=None, **params) -> list[dict]:
    headers = (viewer or owner).headers
    response = await client.get(f"/api/v1/users/{owner.id}/diary", params=params, headers=headers)
    assert response.status == 200, await response.text()
    return (await response.json())["items"]


async def test_a_session_falls_on_the_day_of_the_users_time_zone(client, db) -> None:
    owner = await sign_up(client)
    await set_zone(client, owner, "America/New_York")
    film = await new_title(db, "film", title="New Year Film", year=2001)

    # 02:00 UTC on 1 January is still 31 December in New York.
    entry = await log(client, owner, film, at="2026-01-01T02:00:00Z", rating=4)

    assert entry["date"] == "2025-12-31"
    assert entry["at"] == "2026-01-01T02:00:00Z"
    december = await diary(client, owner, year=2025, month=12)
    assert [item["id"] for item in december] == [entry["id"]]
    assert december[0]["media"]["title"] == "New Year Film"
    assert await diary(client, owner, year=2026, month=1) == []

    # The same instant for someone in Tokyo is New Year's Day.
    other = await sign_up(client)
    await set_zone(client, other, "Asia/Tokyo")
    theirs = await log(client, other, film, at="2026-01-01T02:00:00Z")
    assert theirs["date"] == "2026-01-01"


async def test_a_logged_session_sets_status_rating_like_and_review(client, db) -> None:
    owner = await sign_up(client)
    game = await new_title(db, "game")

    entry = await log(
        client,
        owner,
        game,
        date="2025-06-01",
        rating=4.5,
        liked=True,
        outcome="finished",
        platform="pc",
        review="Great ending.",
    )

    state = await client.get(f"/api/v1/users/{owner.id}/library", params={"kind": "game"})
    [item] = (await state.json())["items"]
    assert (item["status"], item["rating"], item["liked"]) == ("completed", 4.5, True)
    review = await client.get(f"/api/v1/reviews/{entry['review_id']}")
    assert (await review.json())["body"] == "Great ending."
    assert (entry["outcome"], entry["platform"], entry["date"]) == ("finished", "pc", "2025-06-01")

    replay = await log(client, owner, game, date="2025-07-01", replay=True, outcome="abandoned")
    state = await client.get(f"/api/v1/users/{owner.id}/library", params={"kind": "game"})
    assert (await state.json())["items"][0]["status"] == "dropped"
    assert [e["id"] for e in await diary(client, owner, year=2025)] == [replay["id"], entry["id"]]


async def test_entries_are_edited_and_deleted_by_their_author_only(client, db) -> None:
    owner, other = await sign_up(client), await sign_up(client)
    film = await new_title(db, "film")
    entry = await log(client, owner, film, date="2024-03-10")
    url = f"/api/v1/diary/{entry['id']}"

    assert (await client.patch(url, json={"rating": 2}, headers=other.headers)).status == 403
    assert (await client.delete(url, headers=other.headers)).status == 403
    edited = await client.patch(
        url, json={"date": "2024-03-11", "rating": 2}, headers=owner.headers
    )
    assert edited.status == 200
    assert ((await edited.json())["date"], (await edited.json())["rating"]) == ("2024-03-11", 2)

    assert (await client.delete(url, headers=owner.headers)).status == 204
    assert await diary(client, owner) == []
    assert (await client.delete(url, headers=owner.headers)).status == 404


async def test_the_diary_is_private_by_default_and_bad_sessions_are_refused(client, db) -> None:
    owner, stranger = await sign_up(client), await sign_up(client)
    film = await new_title(db, "film")
    await log(client, owner, film)
    response = await client.get(f"/api/v1/users/{owner.id}/diary", headers=stranger.headers)
    assert response.status == 403
    await client.patch("/api/v1/me/privacy", json={"diary": "public"}, headers=owner.headers)
    assert len(await diary(client, owner, stranger)) == 1

    for body, field in (
        ({"date": "2999-01-01"}, "date"),
        ({"date": "1800-01-01"}, "date"),
        ({"rating": 4.2}, "rating"),
        ({"outcome": "finished"}, "outcome"),
        ({"platform": "pc"}, "platform"),
        ({"review": "   "}, "review"),
    ):
        response = await client.post(f"/api/v1/media/{film}/logs", json=body, headers=owner.headers)
        assert response.status == 422, body
        assert field in (await response.json())["error"]["fields"], body
    assert len(await diary(client, owner)) == 1
    bad_zone = await client.patch(
        "/api/v1/me", json={"timezone": "Mars/Olympus"}, headers=owner.headers
    )
    assert bad_zone.status == 422
    month_alone = await client.get(f"/api/v1/users/{owner.id}/diary", params={"month": 3})
    assert month_alone.status == 422


async def test_logging_editing_and_deleting_emit_their_diary_events(client, db) -> None:
    from metacult.interaction import events
    from tests.outbox import emitted, receivers

    owner = await sign_up(client)
    series = await new_title(db, "series")
    entry = await log(client, owner, series, date="2025-02-02", replay=True)
    url = f"/api/v1/diary/{entry['id']}"
    await client.patch(url, json={"date": "2025-02-03"}, headers=owner.headers)
    await client.delete(url, headers=owner.headers)

    about = {"user_id": owner.id, "media_id": series, "kind": "series", "entry_id": entry["id"]}
    assert await emitted(db, events.DIARY_LOGGED, entry_id=entry["id"]) == [
        {**about, "day": "2025-02-02", "replay": True}
    ]
    assert await emitted(db, events.DIARY_EDITED, entry_id=entry["id"]) == [
        {**about, "day": "2025-02-03", "replay": True}
    ]
    assert len(await emitted(db, events.DIARY_DELETED, entry_id=entry["id"])) == 1
    for event_type in (events.DIARY_LOGGED, events.DIARY_EDITED, events.DIARY_DELETED):
        assert receivers(event_type) == set()
