"""Who reads what of a profile: per-section audiences, and blocks between accounts."""

from __future__ import annotations

import pytest

from metacult import identity
from tests.accounts import sign_up
from tests.outbox import emitted
from tests.titles import new_title

# Each section and a read that shows it.
SECTION_READS = {
    "library": "library",
    "stats": "library/counts",
    "activity": "activity",
    "reviews": "reviews",
}


async def status_of(client, owner, path, viewer=None) -> int:
    headers = viewer.headers if viewer else {}
    response = await client.get(f"/api/v1/users/{owner.id}/{path}", headers=headers)
    return response.status


async def follow(client, follower, followee) -> int:
    response = await client.put(f"/api/v1/users/{followee.id}/follow", headers=follower.headers)
    return response.status


@pytest.fixture
async def cast(client, db):
    """An owner with a title in each section, a follower, a stranger and a blocked user."""
    owner = await sign_up(client)
    media_id = await new_title(db)
    await client.put(
        f"/api/v1/media/{media_id}/status", json={"status": "watched"}, headers=owner.headers
    )
    await client.post(
        f"/api/v1/media/{media_id}/reviews", json={"body": "Fine."}, headers=owner.headers
    )
    follower, stranger, blocked = [await sign_up(client) for _ in range(3)]
    assert await follow(client, follower, owner) == 204
    assert await follow(client, blocked, owner) == 204
    response = await client.put(f"/api/v1/users/{blocked.id}/block", headers=owner.headers)
    assert response.status == 204
    return owner, follower, stranger, blocked


async def test_sections_are_public_by_default_except_the_diary(client) -> None:
    owner = await sign_up(client)
    response = await client.get("/api/v1/me/privacy", headers=owner.headers)
    assert await response.json() == {
        "library": "public",
        "diary": "private",
        "lists": "public",
        "reviews": "public",
        "activity": "public",
        "stats": "public",
    }


async def test_each_section_is_read_by_its_audience_only(client, cast) -> None:
    owner, follower, stranger, blocked = cast
    viewers = {
        "anonymous": None,
        "follower": follower,
        "stranger": stranger,
        "blocked": blocked,
        "owner": owner,
    }
    expected = {
        "public": {"anonymous": 200, "follower": 200, "stranger": 200, "owner": 200},
        "followers": {"anonymous": 403, "follower": 200, "stranger": 403, "owner": 200},
        "private": {"anonymous": 403, "follower": 403, "stranger": 403, "owner": 200},
    }
    for audience, statuses in expected.items():
        choice = dict.fromkeys(SECTION_READS, audience)
        response = await client.patch("/api/v1/me/privacy", json=choice, headers=owner.headers)
        assert response.status == 200 and (await response.json())["library"] == audience
        for section, path in SECTION_READS.items():
            for who, viewer in viewers.items():
                got = await status_of(client, owner, path, viewer)
                want = 404 if who == "blocked" else statuses[who]
                assert got == want, (audience, section, who)


async def test_a_hidden_section_says_so_in_the_error_shape(client, cast) -> None:
    owner, _, stranger, _ = cast
    await client.patch("/api/v1/me/privacy", json={"library": "private"}, headers=owner.headers)
    response = await client.get(f"/api/v1/users/{owner.id}/likes", headers=stranger.headers)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "section_hidden"
    # Other sections keep their own audience.
    assert await status_of(client, owner, "reviews", stranger) == 200


async def test_a_block_ends_follows_both_ways_and_forbids_new_ones(client, db) -> None:
    owner, other = await sign_up(client), await sign_up(client)
    assert await follow(client, owner, other) == 204
    assert await follow(client, other, owner) == 204

    response = await client.put(f"/api/v1/users/{other.id}/block", headers=owner.headers)
    assert response.status == 204
    again = await client.put(f"/api/v1/users/{other.id}/block", headers=owner.headers)
    assert again.status == 204

    assert await follow(client, other, owner) == 403
    assert await follow(client, owner, other) == 403
    profile = await client.get(f"/api/v1/users/{owner.id}", headers=other.headers)
    assert profile.status == 404
    mine = await (await client.get(f"/api/v1/users/{owner.id}", headers=owner.headers)).json()
    assert (mine["followers"], mine["following"]) == (0, 0)
    assert len(await emitted(db, identity.BLOCKED, blocker_id=owner.id)) == 1
    assert len(await emitted(db, identity.UNFOLLOWED, follower_id=other.id)) == 1
    assert len(await emitted(db, identity.UNFOLLOWED, follower_id=owner.id)) == 1

    blocks = await (await client.get("/api/v1/me/blocks", headers=owner.headers)).json()
    assert [item["id"] for item in blocks["items"]] == [other.id]

    lifted = await client.delete(f"/api/v1/users/{other.id}/block", headers=owner.headers)
    assert lifted.status == 204
    assert await follow(client, other, owner) == 204
    assert len(await emitted(db, identity.UNBLOCKED, blocker_id=owner.id)) == 1


async def test_bad_privacy_and_block_requests_are_refused(client) -> None:
    owner = await sign_up(client)
    response = await client.patch(
        "/api/v1/me/privacy", json={"library": "friends"}, headers=owner.headers
    )
    assert response.status == 422 and "library" in (await response.json())["error"]["fields"]
    response = await client.put(f"/api/v1/users/{owner.id}/block", headers=owner.headers)
    assert response.status == 400
    response = await client.put("/api/v1/users/987654321012/block", headers=owner.headers)
    assert response.status == 404
    unchanged = await (await client.get("/api/v1/me/privacy", headers=owner.headers)).json()
    assert unchanged["library"] == "public"


async def test_a_titles_page_shows_what_the_people_one_follows_did_with_it(client, db) -> None:
    viewer, friend, shy, stranger = [await sign_up(client) for _ in range(4)]
    media_id = await new_title(db)
    for account in (friend, shy, stranger):
        await client.put(
            f"/api/v1/media/{media_id}/rating", json={"rating": 4}, headers=account.headers
        )
    await client.post(
        f"/api/v1/media/{media_id}/reviews", json={"body": "Go see it."}, headers=friend.headers
    )
    await client.patch("/api/v1/me/privacy", json={"library": "private"}, headers=shy.headers)
    for followee in (friend, shy):
        assert await follow(client, viewer, followee) == 204

    response = await client.get(f"/api/v1/media/{media_id}/friends", headers=viewer.headers)

    assert response.status == 200, await response.text()
    [item] = (await response.json())["items"]
    assert (item["user_id"], item["user"]["display_name"]) == (friend.id, friend.display_name)
    assert (item["rating"], item["review"]) == (4, "Go see it.")
    assert (await client.get(f"/api/v1/media/{media_id}/friends")).status == 401
    missing = await client.get("/api/v1/media/987654321012/friends", headers=viewer.headers)
    assert missing.status == 404
