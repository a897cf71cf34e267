"""Each interaction event: the action through the API emits exactly it, and who receives it."""

from __future__ import annotations

from metacult import interaction
from metacult.interaction.events import MARKS_FORGOTTEN
from tests.accounts import sign_up
from tests.helpers import eventually
from tests.outbox import emitted, receivers
from tests.titles import new_title, new_titles

# Gamification awards XP from this event.
XP = "award_xp"

COUNTERS = "update_media_stats"
# Discovery keeps taste evidence and tells followers.
EVIDENCE, FOLLOWERS = "record_evidence", "tell_followers"


async def _review(client, author, media_id: int, body: str = "Loved it.") -> dict:
    response = await client.post(
        f"/api/v1/media/{media_id}/reviews", json={"body": body}, headers=author.headers
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def test_liking_emits_liked(client, db) -> None:
    account, media_id = await sign_up(client), await new_title(db, "game")

    await client.put(f"/api/v1/media/{media_id}/like", headers=account.headers)

    assert await emitted(db, interaction.LIKED, media_id=media_id) == [
        {"user_id": account.id, "media_id": media_id, "kind": "game"}
    ]
    assert receivers(interaction.LIKED) == {COUNTERS, XP, EVIDENCE}


async def test_unliking_emits_unliked(client, db) -> None:
    account, media_id = await sign_up(client), await new_title(db)
    await client.put(f"/api/v1/media/{media_id}/like", headers=account.headers)

    await client.delete(f"/api/v1/media/{media_id}/like", headers=account.headers)

    assert await emitted(db, interaction.UNLIKED, media_id=media_id) == [
        {"user_id": account.id, "media_id": media_id, "kind": "film"}
    ]
    assert receivers(interaction.UNLIKED) == {COUNTERS, XP, EVIDENCE}


async def test_rating_and_rerating_emit_rated(client, db) -> None:
    account, media_id = await sign_up(client), await new_title(db, "series")

    for stars in (4, 2.5):
        await client.put(
            f"/api/v1/media/{media_id}/rating", json={"rating": stars}, headers=account.headers
        )

    about = {"user_id": account.id, "media_id": media_id, "kind": "series"}
    assert await emitted(db, interaction.RATED, media_id=media_id) == [
        {**about, "rating": 4.0, "previous": None},
        {**about, "rating": 2.5, "previous": 4.0},
    ]
    assert receivers(interaction.RATED) == {COUNTERS, XP, EVIDENCE, FOLLOWERS}


async def test_removing_a_rating_emits_unrated(client, db) -> None:
    account, media_id = await sign_up(client), await new_title(db)
    await client.put(
        f"/api/v1/media/{media_id}/rating", json={"rating": 3}, headers=account.headers
    )

    await client.delete(f"/api/v1/media/{media_id}/rating", headers=account.headers)

    assert await emitted(db, interaction.UNRATED, media_id=media_id) == [
        {"user_id": account.id, "media_id": media_id, "kind": "film", "previous": 3.0}
    ]
    assert receivers(interaction.UNRATED) == {COUNTERS, XP, EVIDENCE}


async def test_library_changes_emit_status_changed(client, db) -> None:
    account, media_id = await sign_up(client), await new_title(db, "game")

    await client.put(
        f"/api/v1/media/{media_id}/status", json={"status": "playing"}, headers=account.headers
    )
    await client.delete(f"/api/v1/media/{media_id}/status", headers=account.headers)

    about = {"user_id": account.id, "media_id": media_id, "kind": "game"}
    assert await emitted(db, interaction.STATUS_CHANGED, media_id=media_id) == [
        {**about, "status": "playing", "previous": None},
        {**about, "status": None, "previous": "playing"},
    ]
    assert receivers(interaction.STATUS_CHANGED) == {XP, EVIDENCE, FOLLOWERS}


async def test_writing_a_review_emits_reviewed(client, db) -> None:
    author, media_id = await sign_up(client), await new_title(db)

    review = await _review(client, author, media_id, "Twelve chars")

    assert await emitted(db, interaction.REVIEWED, review_id=review["id"]) == [
        {
            "user_id": author.id,
            "media_id": media_id,
            "kind": "film",
            "review_id": review["id"],
            "spoiler": False,
            "length": 12,
        }
    ]
    assert receivers(interaction.REVIEWED) == {COUNTERS, "announce_review", XP, EVIDENCE, FOLLOWERS}


async def test_editing_a_review_emits_review_edited(client, db) -> None:
    author, media_id = await sign_up(client), await new_title(db)
    review = await _review(client, author, media_id)

    await client.patch(
        f"/api/v1/reviews/{review['id']}",
        json={"body": "Changed.", "spoiler": True},
        headers=author.headers,
    )

    assert await emitted(db, interaction.REVIEW_EDITED, review_id=review["id"]) == [
        {
            "user_id": author.id,
            "media_id": media_id,
            "kind": "film",
            "review_id": review["id"],
            "spoiler": True,
            "length": 8,
        }
    ]
    assert receivers(interaction.REVIEW_EDITED) == set()


async def test_an_administrator_deleting_a_review_emits_review_deleted(client, db) -> None:
    author, admin = await sign_up(client), await sign_up(client, role="admin")
    media_id = await new_title(db)
    review = await _review(client, author, media_id)

    await client.delete(f"/api/v1/reviews/{review['id']}", headers=admin.headers)

    assert await emitted(db, interaction.REVIEW_DELETED, review_id=review["id"]) == [
        {
            "user_id": author.id,
            "media_id": media_id,
            "kind": "film",
            "review_id": review["id"],
            "deleted_by": admin.id,
        }
    ]
    assert receivers(interaction.REVIEW_DELETED) == {COUNTERS, XP, EVIDENCE}


async def test_hiding_a_review_emits_review_hidden(client, db) -> None:
    author, admin = await sign_up(client), await sign_up(client, role="admin")
    media_id = await new_title(db)
    review = await _review(client, author, media_id)

    await client.post(
        f"/api/v1/admin/reviews/{review['id']}/hide",
        json={"reason": "Spoils the ending"},
        headers=admin.headers,
    )

    assert await emitted(db, interaction.REVIEW_HIDDEN, review_id=review["id"]) == [
        {
            "user_id": author.id,
            "media_id": media_id,
            "kind": "film",
            "review_id": review["id"],
            "reason": "Spoils the ending",
            "hidden_by": admin.id,
        }
    ]
    assert receivers(interaction.REVIEW_HIDDEN) == {COUNTERS, "tell_author_review_hidden", XP}


async def test_liking_and_unliking_a_review_emit_review_liked_and_unliked(client, db) -> None:
    author, reader = await sign_up(client), await sign_up(client)
    media_id = await new_title(db)
    review = await _review(client, author, media_id)

    await client.put(f"/api/v1/reviews/{review['id']}/like", headers=reader.headers)
    await client.delete(f"/api/v1/reviews/{review['id']}/like", headers=reader.headers)

    expected = {
        "user_id": reader.id,
        "media_id": media_id,
        "kind": "film",
        "review_id": review["id"],
        "author_id": author.id,
    }
    assert await emitted(db, interaction.REVIEW_LIKED, review_id=review["id"]) == [expected]
    assert await emitted(db, interaction.REVIEW_UNLIKED, review_id=review["id"]) == [expected]
    assert receivers(interaction.REVIEW_LIKED) == {XP}
    assert receivers(interaction.REVIEW_UNLIKED) == {XP}


async def test_forgetting_a_deleted_account_emits_marks_forgotten(client, db, worker) -> None:
    account, silent = await sign_up(client), await sign_up(client)
    liked, rated, kept = await new_titles(db, 3)
    await client.put(f"/api/v1/media/{liked}/like", headers=account.headers)
    await client.put(f"/api/v1/media/{rated}/rating", json={"rating": 2}, headers=account.headers)
    await client.put(
        f"/api/v1/media/{kept}/status", json={"status": "watchlist"}, headers=account.headers
    )

    for leaving in (account, silent):
        assert (await client.delete("/api/v1/me", headers=leaving.headers)).status == 204

    assert await eventually(lambda: emitted(db, MARKS_FORGOTTEN, user_id=account.id)) == [
        {"user_id": account.id, "media_ids": [liked, rated, kept]}
    ]
    # An account that marked nothing leaves no title to recount.
    await eventually(lambda: _forgotten(db, silent.id))
    assert await emitted(db, MARKS_FORGOTTEN, user_id=silent.id) == []
    # Its titles' pages are renewed and their counters published once it committed.
    assert receivers(MARKS_FORGOTTEN) == {"announce_recounted_stats"}


async def _forgotten(db, user_id: int) -> bool:
    """Has interaction handled the deletion of ``user_id``'s account?"""
    return await db.fetchval(
        "SELECT EXISTS (SELECT 1 FROM processed_events p JOIN outbox o ON o.id = p.event_id"
        " WHERE p.consumer = 'interaction.forget_deleted_account'"
        " AND o.type = 'identity.account_deleted' AND o.data @> $1::jsonb)",
        {"user_id": user_id},
    )
