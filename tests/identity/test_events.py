"""Each identity event: the action through the API emits exactly it, and who receives it."""

from __future__ import annotations

from metacult import identity
from tests.accounts import sign_up
from tests.outbox import emitted, receivers

# Gamification awards XP from this event.
XP = "award_xp"


async def test_signing_up_emits_signed_up(client, db) -> None:
    account = await sign_up(client)

    assert await emitted(db, identity.SIGNED_UP, user_id=account.id) == [{"user_id": account.id}]
    assert receivers(identity.SIGNED_UP) == {XP}


async def test_following_emits_followed(client, db) -> None:
    fan, star = await sign_up(client), await sign_up(client)

    response = await client.put(f"/api/v1/users/{star.id}/follow", headers=fan.headers)

    assert response.status < 300
    assert await emitted(db, identity.FOLLOWED, follower_id=fan.id) == [
        {"follower_id": fan.id, "followee_id": star.id}
    ]
    assert receivers(identity.FOLLOWED) == {XP, "sync_graph", "tell_new_follower"}


async def test_unfollowing_emits_unfollowed(client, db) -> None:
    fan, star = await sign_up(client), await sign_up(client)
    await client.put(f"/api/v1/users/{star.id}/follow", headers=fan.headers)

    response = await client.delete(f"/api/v1/users/{star.id}/follow", headers=fan.headers)

    assert response.status < 300
    assert await emitted(db, identity.UNFOLLOWED, follower_id=fan.id) == [
        {"follower_id": fan.id, "followee_id": star.id}
    ]
    assert receivers(identity.UNFOLLOWED) == {XP, "sync_graph"}


async def test_blocking_emits_blocked_and_unblocking_unblocked(client, db) -> None:
    blocker, pest = await sign_up(client), await sign_up(client)

    blocked = await client.put(f"/api/v1/users/{pest.id}/block", headers=blocker.headers)
    lifted = await client.delete(f"/api/v1/users/{pest.id}/block", headers=blocker.headers)

    assert blocked.status < 300 and lifted.status < 300
    payload = {"blocker_id": blocker.id, "blocked_id": pest.id}
    assert await emitted(db, identity.BLOCKED, blocker_id=blocker.id) == [payload]
    assert await emitted(db, identity.UNBLOCKED, blocker_id=blocker.id) == [payload]
    # Interaction parts the two from the shared watchlists they are both in.
    assert receivers(identity.BLOCKED) == {"part_blocked_from_lists"}
    assert receivers(identity.UNBLOCKED) == set()


async def test_deleting_an_account_emits_account_deleted_to_every_context(client, db) -> None:
    account = await sign_up(client)

    response = await client.delete("/api/v1/me", headers=account.headers)

    assert response.status < 300
    assert await emitted(db, identity.ACCOUNT_DELETED, user_id=account.id) == [
        {"user_id": account.id}
    ]
    assert receivers(identity.ACCOUNT_DELETED) == {
        "purge_personal_data",
        "forget_deleted_account",
        "forget_deleted_voter",
        "forget_deleted_player",
        "forget_discovery_data",
    }


async def test_asking_for_a_reset_link_emits_password_reset_requested(client, db) -> None:
    account = await sign_up(client)

    response = await client.post(
        "/api/v1/auth/password/forgot",
        json={"email": account.email.upper()},
        headers={"Accept-Language": "fr"},
    )

    assert response.status == 202
    assert await emitted(db, identity.PASSWORD_RESET_REQUESTED, email=account.email) == [
        {"email": account.email, "language": "fr"}
    ]
    assert receivers(identity.PASSWORD_RESET_REQUESTED) == {"mail_reset_link"}
