"""Recommending a title to a friend: only to someone who follows you back, never across a
block, a limited number per hour; the friend's inbox and live channel get it, one id."""

from __future__ import annotations

import pytest

from tests.accounts import sign_up
from tests.helpers import eventually
from tests.realtime.live import Live
from tests.titles import new_title


async def _friends(client, a, b) -> None:
    for one, other in ((a, b), (b, a)):
        followed = await client.put(f"/api/v1/users/{other.id}/follow", headers=one.headers)
        assert followed.status in {200, 204}, await followed.text()


async def _recommend(client, sender, media_id, friend_id, note=""):
    return await client.post(
        f"/api/v1/media/{media_id}/recommend",
        json={"user_id": friend_id, "note": note},
        headers=sender.headers,
    )


async def test_only_friends_who_follow_back_may_be_recommended_a_title(client, db) -> None:
    me, friend, fan, stranger, blocker = [await sign_up(client) for _ in range(5)]
    await _friends(client, me, friend)
    await _friends(client, me, blocker)
    await client.put(f"/api/v1/users/{me.id}/follow", headers=fan.headers)  # one way only
    await client.put(f"/api/v1/users/{me.id}/block", headers=blocker.headers)
    media_id = await new_title(db)

    friends = await (await client.get("/api/v1/me/friends", headers=me.headers)).json()
    assert [person["id"] for person in friends["items"]] == [friend.id]

    assert (await _recommend(client, me, media_id, friend.id, "You'll love it")).status == 204
    for who, status, code in (
        (fan, 403, "not_a_friend"),
        (stranger, 403, "not_a_friend"),
        (blocker, 404, None),
    ):
        refused = await _recommend(client, me, media_id, who.id)
        assert refused.status == status, await refused.text()
        if code:
            assert (await refused.json())["error"]["code"] == code
    assert (await _recommend(client, me, media_id, me.id)).status == 422
    assert (await _recommend(client, me, 999_999_999, friend.id)).status == 404
    too_long = await _recommend(client, me, media_id, friend.id, "x" * 501)
    assert too_long.status == 422
    anonymous = await client.post(
        f"/api/v1/media/{media_id}/recommend", json={"user_id": friend.id}
    )
    assert anonymous.status == 401


async def test_recommendations_are_rate_limited_per_account(client, db, settings) -> None:
    me, friend = await sign_up(client), await sign_up(client)
    await _friends(client, me, friend)
    media_id = await new_title(db)
    for _ in range(settings.recommend_limit_per_user):
        assert (await _recommend(client, me, media_id, friend.id)).status == 204
    limited = await _recommend(client, me, media_id, friend.id)
    assert limited.status == 429
    assert (await limited.json())["error"]["code"] == "rate_limited"


@pytest.mark.slow
async def test_the_friend_gets_the_recommendation_in_the_inbox_and_live_with_one_id(
    client, db, worker
) -> None:
    me, friend = await sign_up(client), await sign_up(client)
    await _friends(client, me, friend)
    media_id = await new_title(db)
    live = await Live.open(client, headers=friend.headers)
    assert (await live.subscribe(f"user:{friend.id}"))["type"] == "subscribed"

    assert (await _recommend(client, me, media_id, friend.id, "Tonight?")).status == 204

    async def stored():
        inbox = await (await client.get("/api/v1/me/notifications", headers=friend.headers)).json()
        return [n for n in inbox["items"] if n["kind"] == "interaction.recommendation"]

    [notification] = await eventually(stored)
    assert notification["data"]["from_user_id"] == me.id
    assert notification["data"]["media_id"] == media_id
    assert notification["data"]["note"] == "Tonight?"
    while True:
        frame = await live.expect("publication", channel=f"user:{friend.id}")
        if frame["data"]["type"] == "interaction.recommendation":
            break
    assert frame["data"]["notification_id"] == notification["id"]
    await live.close()
