"""Readers report reviews; moderators see the reported and the recent ones, and hide them."""

from __future__ import annotations

from metacult import interaction
from tests.accounts import sign_up
from tests.outbox import emitted
from tests.titles import new_title


async def _review(client, author, media_id: int, body: str = "Bold take.") -> dict:
    response = await client.post(
        f"/api/v1/media/{media_id}/reviews", json={"body": body}, headers=author.headers
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def _report(client, reader, review_id: int, reason: str = "spoiler", **extra):
    return await client.post(
        f"/api/v1/reviews/{review_id}/report",
        json={"reason": reason, **extra},
        headers=reader.headers,
    )


async def _queue(client, admin, **params) -> dict:
    response = await client.get("/api/v1/admin/reviews", params=params, headers=admin.headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_reported_review_heads_the_moderators_queue_with_its_reasons(client, db) -> None:
    author, ann, bob = await sign_up(client), await sign_up(client), await sign_up(client)
    admin = await sign_up(client, role="admin")
    review = await _review(client, author, await new_title(db, "game"))

    assert (await _report(client, ann, review["id"], "spoiler")).status == 204
    assert (await _report(client, bob, review["id"], "abuse", note="rude")).status == 204

    first = (await _queue(client, admin, filter="reported", limit=1))["items"][0]
    assert first["review"]["id"] == review["id"]
    assert first["reports"]["count"] == 2
    assert first["reports"]["reasons"] == ["abuse", "spoiler"]
    assert first["media_title"].startswith("Title ")


async def test_reporting_twice_is_one_report_and_one_event(client, db) -> None:
    author, reader = await sign_up(client), await sign_up(client)
    admin = await sign_up(client, role="admin")
    media_id = await new_title(db, "film")
    review = await _review(client, author, media_id)

    await _report(client, reader, review["id"], "spam")
    again = await _report(client, reader, review["id"], "other")

    assert again.status == 204
    assert await emitted(db, interaction.REVIEW_REPORTED, review_id=review["id"]) == [
        {
            "user_id": reader.id,
            "media_id": media_id,
            "kind": "film",
            "review_id": review["id"],
            "author_id": author.id,
            "reason": "spam",
        }
    ]
    reported = (await _queue(client, admin, filter="reported", limit=1))["items"][0]
    assert reported["reports"] == {
        "count": 1,
        "reasons": ["spam"],
        "last_reported_at": reported["reports"]["last_reported_at"],
    }


async def test_authors_cannot_report_their_own_review(client, db) -> None:
    author = await sign_up(client)
    review = await _review(client, author, await new_title(db))

    response = await _report(client, author, review["id"])

    assert response.status == 403
    assert (await response.json())["error"]["code"] == "own_review"


async def test_a_bad_reason_or_an_unknown_review_is_refused(client, db) -> None:
    author, reader = await sign_up(client), await sign_up(client)
    review = await _review(client, author, await new_title(db))

    assert (await _report(client, reader, review["id"], "boring")).status == 422
    assert (await _report(client, reader, review["id"], note="x" * 501)).status == 422
    missing = await _report(client, reader, 2**62)
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "review_not_found"


async def test_a_hidden_review_leaves_the_reported_queue_and_stays_in_the_recent_one(
    client, db
) -> None:
    author, reader = await sign_up(client), await sign_up(client)
    admin = await sign_up(client, role="admin")
    review = await _review(client, author, await new_title(db))
    await _report(client, reader, review["id"], "abuse")

    hidden = await client.post(
        f"/api/v1/admin/reviews/{review['id']}/hide",
        json={"reason": "insults"},
        headers=admin.headers,
    )
    assert hidden.status == 200

    reported = await _queue(client, admin, filter="reported", limit=100)
    assert review["id"] not in [item["review"]["id"] for item in reported["items"]]
    recent = (await _queue(client, admin, filter="recent", limit=1))["items"][0]
    assert recent["review"]["id"] == review["id"]
    assert (recent["review"]["hidden"], recent["review"]["hidden_reason"]) == (True, "insults")
    assert recent["reports"]["count"] == 1
    # Others cannot report it any more: for them it is gone.
    other = await sign_up(client)
    assert (await _report(client, other, review["id"])).status == 404


async def test_the_recent_queue_pages_newest_first(client, db) -> None:
    author = await sign_up(client)
    admin = await sign_up(client, role="admin")
    media_id = await new_title(db)
    reviews = [await _review(client, author, media_id, f"Take {i}") for i in range(3)]

    first = await _queue(client, admin, limit=2)
    second = await _queue(client, admin, limit=2, cursor=first["next_cursor"])

    ids = [item["review"]["id"] for item in first["items"] + second["items"]]
    assert ids[:3] == [review["id"] for review in reversed(reviews)]


async def test_only_administrators_read_the_moderation_queue(client) -> None:
    gamer = await sign_up(client)

    assert (await client.get("/api/v1/admin/reviews")).status == 401
    assert (await client.get("/api/v1/admin/reviews", headers=gamer.headers)).status == 403
    refused = await client.get(
        "/api/v1/admin/reviews", params={"filter": "spicy"}, headers=gamer.headers
    )
    assert refused.status == 403


async def test_a_report_is_in_the_readers_export_and_goes_with_their_account(
    client, db, worker
) -> None:
    from tests.helpers import eventually

    author, reader = await sign_up(client), await sign_up(client)
    review = await _review(client, author, await new_title(db))
    await _report(client, reader, review["id"], "off_topic")

    export = await (await client.get("/api/v1/me/export", headers=reader.headers)).json()
    assert [row["reason"] for row in export["interaction"]["review_reports"]] == ["off_topic"]

    assert (await client.delete("/api/v1/me", headers=reader.headers)).status == 204

    async def forgotten():
        count = await db.fetchval(
            "SELECT count(*) FROM review_reports WHERE user_id = $1", reader.id
        )
        return count == 0

    await eventually(forgotten, within=30)
