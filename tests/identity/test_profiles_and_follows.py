"""Profiles, public pages, follows (with their events) and the follower lists."""

from __future__ import annotations

from metacult import identity
from tests.accounts import sign_up
from tests.outbox import emitted


async def test_a_user_edits_their_profile(client) -> None:
    account = await sign_up(client)
    response = await client.patch(
        "/api/v1/me",
        headers=account.headers,
        json={
            "display_name": "  Lara  ",
            "avatar_url": "https://img.example/lara.png",
            "bio": "Tomb raider.",
            "favourite_genres": ["action", "adventure", "action"],
            "favourite_platforms": ["pc"],
        },
    )
    assert response.status == 200
    me = await response.json()
    assert me["display_name"] == "Lara"
    assert me["favourite_genres"] == ["action", "adventure"]
    assert me["avatar_url"] == "https://img.example/lara.png"
    # Fields left out are kept.
    again = await client.patch("/api/v1/me", headers=account.headers, json={"bio": "Retired."})
    assert (await again.json())["display_name"] == "Lara"


async def test_profile_fields_are_validated(client) -> None:
    account = await sign_up(client)
    response = await client.patch(
        "/api/v1/me",
        headers=account.headers,
        json={
            "avatar_url": "javascript:alert(1)",
            "favourite_genres": ["Not A Slug"],
            "bio": "x" * 501,
        },
    )
    assert response.status == 422
    fields = (await response.json())["error"]["fields"]
    assert {"avatar_url", "bio"} <= set(fields)
    assert any(name.startswith("favourite_genres") for name in fields)
    blank = await client.patch("/api/v1/me", headers=account.headers, json={"display_name": " "})
    assert blank.status == 422
    null = await client.patch("/api/v1/me", headers=account.headers, json={"bio": None})
    assert null.status == 422


async def test_anyone_can_read_a_public_profile_without_the_email(client) -> None:
    account = await sign_up(client, display_name="Public Person")
    response = await client.get(f"/api/v1/users/{account.id}")
    assert response.status == 200
    profile = await response.json()
    assert profile["display_name"] == "Public Person"
    assert profile["followed_by_me"] is None
    assert "email" not in profile
    assert (await client.get("/api/v1/users/999999999")).status == 404


async def test_following_emits_an_event_once_and_shows_on_the_profile(client, db) -> None:
    fan = await sign_up(client)
    star = await sign_up(client)
    for _ in range(2):
        response = await client.put(f"/api/v1/users/{star.id}/follow", headers=fan.headers)
        assert response.status == 204
    events = await emitted(db, identity.FOLLOWED, follower_id=fan.id, followee_id=star.id)
    assert events == [{"follower_id": fan.id, "followee_id": star.id}]
    profile = await (await client.get(f"/api/v1/users/{star.id}", headers=fan.headers)).json()
    assert profile["followers"] == 1
    assert profile["followed_by_me"] is True


async def test_unfollowing_emits_an_event_once(client, db) -> None:
    fan = await sign_up(client)
    star = await sign_up(client)
    await client.put(f"/api/v1/users/{star.id}/follow", headers=fan.headers)
    for _ in range(2):
        response = await client.delete(f"/api/v1/users/{star.id}/follow", headers=fan.headers)
        assert response.status == 204
    events = await emitted(db, identity.UNFOLLOWED, follower_id=fan.id, followee_id=star.id)
    assert events == [{"follower_id": fan.id, "followee_id": star.id}]
    profile = await (await client.get(f"/api/v1/users/{star.id}")).json()
    assert profile["followers"] == 0


async def test_nobody_follows_themselves_or_a_missing_user(client) -> None:
    account = await sign_up(client)
    itself = await client.put(f"/api/v1/users/{account.id}/follow", headers=account.headers)
    assert itself.status == 400
    assert (await itself.json())["error"]["code"] == "cannot_follow_self"
    missing = await client.put("/api/v1/users/999999999/follow", headers=account.headers)
    assert missing.status == 404
    anonymous = await client.put(f"/api/v1/users/{account.id}/follow")
    assert anonymous.status == 401


async def test_follower_and_following_lists_page_with_a_stable_cursor(client) -> None:
    star = await sign_up(client)
    fans = [await sign_up(client) for _ in range(5)]
    for fan in fans:
        await client.put(f"/api/v1/users/{star.id}/follow", headers=fan.headers)
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await (await client.get(f"/api/v1/users/{star.id}/followers", params=params)).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [fan.id for fan in reversed(fans)]
    following = await (await client.get(f"/api/v1/users/{fans[0].id}/following")).json()
    assert [item["id"] for item in following["items"]] == [star.id]
    bad = await client.get(f"/api/v1/users/{star.id}/followers", params={"cursor": "garbage"})
    assert bad.status == 422


async def test_user_summaries_serve_other_contexts(client, db) -> None:
    account = await sign_up(client, display_name="Summarised")
    async with db.acquire() as conn:
        summaries = await identity.user_summaries(conn, [account.id, 999999999])
    assert summaries == {
        account.id: {"id": account.id, "display_name": "Summarised", "avatar_url": None}
    }


async def test_create_user_is_the_seeding_entry_point(db) -> None:
    from tests import random_refs

    async with db.acquire() as conn:
        user_id = await identity.create_user(
            conn, email=random_refs.email("seed"), display_name="Seeded", role="admin"
        )
        role = await conn.fetchval("SELECT role FROM users WHERE id = $1", user_id)
    assert role == "admin"
    signed_up = await emitted(db, identity.SIGNED_UP, user_id=user_id)
    assert signed_up == [{"user_id": user_id}]
