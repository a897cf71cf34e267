"""The inbox: what is pushed live on user:{id} that one must not miss is also stored."""

from __future__ import annotations

import pydantic
import pytest

from metacult import identity
from metacult.identity import notifications
from tests.accounts import sign_up
from tests.channels import published
from tests.helpers import eventually


async def inbox(client, account, **params) -> dict:
    response = await client.get("/api/v1/me/notifications", headers=account.headers, params=params)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_new_follower_is_told_live_and_in_the_inbox_under_one_id(
    client, redis, settings, worker
) -> None:
    followee, follower = await sign_up(client), await sign_up(client)

    response = await client.put(f"/api/v1/users/{followee.id}/follow", headers=follower.headers)
    assert response.status == 204

    async def told():
        messages = await published(redis, settings, f"user:{followee.id}")
        return [m for m in messages if m["type"] == "identity.new_follower"]

    [message] = await eventually(told)
    assert (message["follower_id"], message["display_name"]) == (follower.id, follower.display_name)
    assert message["unread"] == 1
    stored = await inbox(client, followee)
    assert stored["unread"] == 1
    assert stored["items"] == [
        {
            "id": message["notification_id"],
            "kind": "identity.new_follower",
            "data": {
                "follower_id": follower.id,
                "display_name": follower.display_name,
                "avatar_url": None,
            },
            "created_at": message["created_at"],
            "read": False,
        }
    ]
    assert (await inbox(client, follower))["items"] == []


async def test_a_notification_is_stored_once_per_source_and_marked_read(
    client, db, redis, settings
) -> None:
    owner = await sign_up(client)
    sources = [f"test-{n}" for n in range(5)]
    async with db.acquire() as conn, conn.transaction():
        for source in sources + sources[:2]:
            payload = notifications.NewFollower(
                follower_id=owner.id, display_name="Someone", avatar_url=None
            )
            await identity.notify(
                conn, redis, settings, owner.id, notifications.NEW_FOLLOWER, payload, source=source
            )
    # The user channel carries other contexts' messages too (XP, badges): only the inbox's.
    messages = [
        m
        for m in await published(redis, settings, f"user:{owner.id}")
        if m["type"] == "identity.new_follower"
    ]
    assert [m["unread"] for m in messages] == [1, 2, 3, 4, 5]

    first = await inbox(client, owner, limit=2)
    rest = await inbox(client, owner, cursor=first["next_cursor"], limit=10)
    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 5
    assert ids == [m["notification_id"] for m in reversed(messages)]

    url = "/api/v1/me/notifications/read"
    response = await client.post(url, json={"ids": ids[:2]}, headers=owner.headers)
    assert (await response.json())["unread"] == 3
    unread = await inbox(client, owner, unread="true")
    assert [item["id"] for item in unread["items"]] == ids[2:]
    count = await client.get("/api/v1/me/notifications/unread", headers=owner.headers)
    assert (await count.json())["unread"] == 3
    response = await client.post(url, json={"all": True}, headers=owner.headers)
    assert (await response.json())["unread"] == 0
    assert [m["type"] for m in await published(redis, settings, f"user:{owner.id}")][-2:] == [
        "identity.notifications_read",
        "identity.notifications_read",
    ]

    other = await sign_up(client)
    response = await client.post(url, json={"ids": ids}, headers=other.headers)
    assert (await response.json())["unread"] == 0
    for body in ({}, {"ids": []}, {"ids": [1], "all": True}, {"ids": [0]}):
        response = await client.post(url, json=body, headers=owner.headers)
        assert response.status == 422, body


def test_a_kind_is_declared_once_with_its_payload() -> None:
    assert identity.NOTIFICATION_KINDS["identity.new_follower"] is notifications.NEW_FOLLOWER
    assert "interaction.hidden_review" in identity.NOTIFICATION_KINDS
    with pytest.raises(ValueError, match="declared twice"):
        identity.NotificationKind("identity.new_follower", pydantic.BaseModel, "again")
