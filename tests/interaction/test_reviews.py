"""Reviews: write, edit, delete, like, list with cursors, moderation."""

from __future__ import annotations

from metacult import interaction
from tests.accounts import sign_up
from tests.channels import published
from tests.helpers import eventually
from tests.outbox import emitted
from tests.titles import new_title


async def write(client, account, media_id, body="Loved it.", spoiler=False) -> dict:
    response = await client.post(
        f"/api/v1/media/{media_id}/reviews",
        json={"body": body, "spoiler": spoiler},
        headers=account.headers,
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def test_a_review_is_written_with_its_spoiler_flag_and_event(client, db) -> None:
    author = await sign_up(client)
    media_id = await new_title(db, "series")

    review = await write(client, author, media_id, "The ending: he was a ghost.", spoiler=True)

    assert review["spoiler"] is True and review["author_id"] == author.id
    fetched = await (await client.get(f"/api/v1/reviews/{review['id']}")).json()
    assert fetched["body"] == "The ending: he was a ghost."
    assert await emitted(db, interaction.REVIEWED, review_id=review["id"]) == [
        {
            "user_id": author.id,
            "media_id": media_id,
            "kind": "series",
            "review_id": review["id"],
            "spoiler": True,
            "length": 27,
        }
    ]


async def test_reviews_are_limited_to_ten_thousand_characters(client, db) -> None:
    author = await sign_up(client)
    media_id = await new_title(db)
    await write(client, author, media_id, "x" * 10_000)
    for body in ("x" * 10_001, "   ", ""):
        response = await client.post(
            f"/api/v1/media/{media_id}/reviews", json={"body": body}, headers=author.headers
        )
        assert response.status == 422
        assert "body" in (await response.json())["error"]["fields"]
    response = await client.post(
        "/api/v1/media/987654321/reviews", json={"body": "ok"}, headers=author.headers
    )
    assert response.status == 404


async def test_only_the_author_edits_and_deletes_a_review(client, db) -> None:
    author, other = await sign_up(client), await sign_up(client)
    media_id = await new_title(db)
    review = await write(client, author, media_id)
    url = f"/api/v1/reviews/{review['id']}"

    refused = await client.patch(url, json={"body": "Hacked"}, headers=other.headers)
    assert refused.status == 403
    assert (await client.delete(url, headers=other.headers)).status == 403

    edited = await client.patch(url, json={"spoiler": True}, headers=author.headers)
    assert (await edited.json())["spoiler"] is True
    assert (await edited.json())["body"] == "Loved it."
    assert len(await emitted(db, interaction.REVIEW_EDITED, review_id=review["id"])) == 1

    assert (await client.delete(url, headers=author.headers)).status == 204
    assert (await client.get(url)).status == 404
    assert (await client.patch(url, json={"body": "?"}, headers=author.headers)).status == 404
    assert await emitted(db, interaction.REVIEW_DELETED, review_id=review["id"]) == [
        {
            "user_id": author.id,
            "media_id": media_id,
            "kind": "film",
            "review_id": review["id"],
            "deleted_by": author.id,
        }
    ]


async def test_liking_a_review_counts_once_per_reader(client, db) -> None:
    author, reader = await sign_up(client), await sign_up(client)
    review = await write(client, author, await new_title(db))
    url = f"/api/v1/reviews/{review['id']}/like"

    for _ in range(2):
        liked = await client.put(url, headers=reader.headers)
    assert await liked.json() == {"review_id": review["id"], "likes": 1, "liked": True}
    seen = await (
        await client.get(f"/api/v1/reviews/{review['id']}", headers=reader.headers)
    ).json()
    assert seen["liked"] is True and seen["likes"] == 1
    unliked = await client.delete(url, headers=reader.headers)
    assert (await unliked.json())["likes"] == 0
    assert await emitted(db, interaction.REVIEW_LIKED, review_id=review["id"]) == [
        {
            "user_id": reader.id,
            "media_id": review["media_id"],
            "kind": "film",
            "review_id": review["id"],
            "author_id": author.id,
        }
    ]
    assert len(await emitted(db, interaction.REVIEW_UNLIKED, review_id=review["id"])) == 1


async def test_a_titles_reviews_page_newest_or_most_liked_first(client, db) -> None:
    readers = [await sign_up(client) for _ in range(3)]
    authors = [await sign_up(client) for _ in range(5)]
    media_id = await new_title(db)
    reviews = [
        await write(client, author, media_id, f"Review {n}") for n, author in enumerate(authors)
    ]
    # Review 1 gets three likes, review 3 two, review 0 one.
    for review, likers in ((reviews[1], 3), (reviews[3], 2), (reviews[0], 1)):
        for reader in readers[:likers]:
            await client.put(f"/api/v1/reviews/{review['id']}/like", headers=reader.headers)

    async def all_pages(sort: str) -> list[int]:
        ids, cursor = [], None
        while True:
            params = {"sort": sort, "limit": "2", **({"cursor": cursor} if cursor else {})}
            page = await (
                await client.get(f"/api/v1/media/{media_id}/reviews", params=params)
            ).json()
            ids += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return ids

    by_id = [review["id"] for review in reviews]
    assert await all_pages("newest") == by_id[::-1]
    assert await all_pages("most_liked") == [by_id[1], by_id[3], by_id[0], by_id[4], by_id[2]]
    bad = await client.get(f"/api/v1/media/{media_id}/reviews", params={"cursor": "forged"})
    assert bad.status == 422


async def test_a_users_reviews_newest_first(client, db) -> None:
    author = await sign_up(client)
    first = await write(client, author, await new_title(db), "First")
    second = await write(client, author, await new_title(db, "game"), "Second")
    page = await (await client.get(f"/api/v1/users/{author.id}/reviews")).json()
    assert [item["id"] for item in page["items"]] == [second["id"], first["id"]]
    assert page["next_cursor"] is None


async def test_an_admin_hides_a_review_and_the_author_is_told_why(
    client, db, redis, settings, worker
) -> None:
    author, reader, admin = (
        await sign_up(client),
        await sign_up(client),
        await sign_up(client, role="admin"),
    )
    media_id = await new_title(db)
    review = await write(client, author, media_id, "Spam spam spam")
    url = f"/api/v1/admin/reviews/{review['id']}/hide"

    assert (await client.post(url, json={"reason": "Spam"}, headers=author.headers)).status == 403
    hidden = await client.post(url, json={"reason": "Spam"}, headers=admin.headers)
    assert hidden.status == 200
    assert (await hidden.json())["hidden"] is True

    assert (
        await client.get(f"/api/v1/reviews/{review['id']}", headers=reader.headers)
    ).status == 404
    own = await (await client.get(f"/api/v1/reviews/{review['id']}", headers=author.headers)).json()
    assert (own["hidden"], own["hidden_reason"]) == (True, "Spam")
    listed = await (await client.get(f"/api/v1/media/{media_id}/reviews")).json()
    assert review["id"] not in [item["id"] for item in listed["items"]]
    assert await emitted(db, interaction.REVIEW_HIDDEN, review_id=review["id"]) == [
        {
            "user_id": author.id,
            "media_id": media_id,
            "kind": "film",
            "review_id": review["id"],
            "reason": "Spam",
            "hidden_by": admin.id,
        }
    ]

    async def told():
        return [
            m
            for m in await published(redis, settings, f"user:{author.id}")
            if m["type"] == "interaction.hidden_review"
        ]

    [message] = await eventually(told)
    notice = {"review_id": review["id"], "media_id": media_id, "kind": "film", "reason": "Spam"}
    assert message == {
        "type": "interaction.hidden_review",
        "notification_id": message["notification_id"],
        "created_at": message["created_at"],
        "unread": 1,
        **notice,
    }

    # The notice is pushed just before the worker commits it: the inbox shows it a moment
    # later, never a different one.
    async def stored():
        inbox = await (await client.get("/api/v1/me/notifications", headers=author.headers)).json()
        return [(item["id"], item["kind"], item["data"]) for item in inbox["items"]]

    assert await eventually(stored) == [
        (message["notification_id"], "interaction.hidden_review", notice)
    ]


async def test_new_reviews_and_review_counts_are_published_on_the_title(
    client, db, redis, settings, worker
) -> None:
    author = await sign_up(client)
    media_id = await new_title(db, "game")
    review = await write(client, author, media_id, "Best boss fights ever.")

    async def announced():
        messages = await published(redis, settings, f"media:{media_id}")
        reviews = [m for m in messages if m["type"] == "interaction.review"]
        stats = [
            m for m in messages if m["type"] == "interaction.stats" and m["reviews_count"] == 1
        ]
        return reviews and stats and reviews

    [message] = await eventually(announced)
    assert message["review"]["id"] == review["id"]
    assert message["review"]["body"] == "Best boss fights ever."
    assert message["review"]["author_id"] == author.id


async def test_an_edit_that_changes_nothing_emits_nothing(client, db) -> None:
    author = await sign_up(client)
    review = await write(client, author, await new_title(db), "Same words")
    url = f"/api/v1/reviews/{review['id']}"
    await client.patch(url, json={"body": "Same words", "spoiler": False}, headers=author.headers)
    await client.patch(url, json={}, headers=author.headers)
    assert await emitted(db, interaction.REVIEW_EDITED, review_id=review["id"]) == []

    edited = await client.patch(url, json={"body": "Other words"}, headers=author.headers)
    assert (await edited.json())["edited_at"] is not None
    assert await emitted(db, interaction.REVIEW_EDITED, review_id=review["id"]) == [
        {
            "user_id": author.id,
            "media_id": review["media_id"],
            "kind": "film",
            "review_id": review["id"],
            "spoiler": False,
            "length": 11,
        }
    ]


async def test_an_admin_may_delete_any_review(client, db) -> None:
    author, admin = await sign_up(client), await sign_up(client, role="admin")
    review = await write(client, author, await new_title(db))
    deleted = await client.delete(f"/api/v1/reviews/{review['id']}", headers=admin.headers)
    assert deleted.status == 204
    [event] = await emitted(db, interaction.REVIEW_DELETED, review_id=review["id"])
    assert (event["user_id"], event["deleted_by"]) == (author.id, admin.id)
