"""The authorisation matrix, generated from the declarations and the channel registry.

Every declared endpoint refuses callers below its level (anonymous → 401 on ``user`` and
``admin`` endpoints, a gamer → 403 on ``admin`` ones, an admin passes), and every live
channel namespace admits exactly the callers its row below says, on the websocket, SSE
and long-polling alike. A new endpoint is covered by being declared; a new namespace
fails here until its row is written.
"""

from __future__ import annotations

import re

import pytest
from aiohttp import WSServerHandshakeError

import metacult.interaction  # noqa: F401  (declares the list:{id} namespace)
from metacult.infra.openapi import openapi_path
from metacult.realtime import NAMESPACES
from metacult.typedefs import ENDPOINTS
from tests.accounts import sign_up
from tests.realtime.live import Live
from tests.titles import new_title

# Values that fit each path placeholder's declared shape.
SAMPLE_PATH_VALUES = {"provider": "google", "scope": "global", "slug": "no-such-title"}

# namespace → may subscribe? for (anonymous, the user it is about, another gamer, an admin).
CHANNEL_AUDIENCE = {
    "user": (False, True, False, False),
    "media": (True, True, True, True),
    "leaderboard": (True, True, True, True),
    "admin": (False, False, False, True),
    # The hub's own control messages (sign-outs): no client reads them.
    "control": (False, False, False, False),
    # A private list of the owner's: who may read the list (an awaited audience).
    "list": (False, True, False, False),
}
CALLERS = ("anonymous", "owner", "other", "admin")


def _concrete(path: str) -> str:
    return re.sub(
        r"\{(\w+)\}", lambda m: SAMPLE_PATH_VALUES.get(m.group(1), "1"), openapi_path(path)
    )


async def _sample_channel(client, namespace: str, owner) -> str:
    owner_id = owner.id
    if namespace == "list":
        created = await client.post(
            "/api/v1/lists", json={"name": "Mine", "visibility": "private"}, headers=owner.headers
        )
        assert created.status == 201, await created.text()
        return f"list:{(await created.json())['id']}"
    return {
        "user": f"user:{owner_id}",
        "media": "media:1",
        "leaderboard": "leaderboard:global",
        "admin": "admin:dashboard",
        "control": "control:sessions",
    }[namespace]


async def test_every_endpoint_refuses_callers_below_its_level(client):
    gamer, admin = await sign_up(client), await sign_up(client, role="admin")
    wrong = []
    for endpoint in client.app[ENDPOINTS]:
        if endpoint.auth == "public" or endpoint.stream == "websocket":
            continue
        url = _concrete(endpoint.path)
        callers = [("anonymous", {}, 401)]
        if endpoint.auth == "admin":
            callers.append(("gamer", gamer.headers, 403))
        for who, headers, expected in callers:
            response = await client.request(endpoint.method, url, headers=headers, json={})
            if response.status != expected:
                wrong.append(f"{endpoint.method} {url} as {who}: {response.status}")
    # An admin's calls change things (promoting user 1 may promote the gamer), so they come
    # after every refusal was checked.
    for endpoint in client.app[ENDPOINTS]:
        if endpoint.auth == "admin":
            url = _concrete(endpoint.path)
            response = await client.request(endpoint.method, url, headers=admin.headers, json={})
            if response.status in {401, 403}:
                wrong.append(f"{endpoint.method} {url} as admin: {response.status}")
    assert wrong == []


def test_every_channel_namespace_has_a_documented_audience():
    assert set(CHANNEL_AUDIENCE) == set(NAMESPACES)


@pytest.mark.parametrize("namespace", sorted(CHANNEL_AUDIENCE))
async def test_each_channel_admits_exactly_its_audience_on_every_transport(client, namespace):
    owner, other, admin = (
        await sign_up(client),
        await sign_up(client),
        await sign_up(client, role="admin"),
    )
    headers = {"anonymous": {}, "owner": owner.headers, "other": other.headers}
    headers["admin"] = admin.headers
    channel = await _sample_channel(client, namespace, owner)
    for who, allowed in zip(CALLERS, CHANNEL_AUDIENCE[namespace], strict=True):
        live = await Live.open(client, headers=headers[who])
        reply = await live.subscribe(channel)
        assert (reply["type"] == "subscribed") is allowed, (who, channel, reply)
        await live.ws.close()

        polled = await client.get(
            "/api/v1/events", params={"channels": channel}, **_h(headers[who])
        )
        assert (polled.status == 200) is allowed, (who, channel, "long-poll", polled.status)
        if not allowed:
            assert polled.status == (401 if who == "anonymous" else 403)

        async with client.get(
            "/api/v1/stream", params={"channels": channel}, **_h(headers[who])
        ) as stream:
            assert (stream.status == 200) is allowed, (who, channel, "sse", stream.status)


def _h(headers: dict[str, str]) -> dict:
    return {"headers": headers}


async def test_nobody_edits_or_deletes_another_users_review(client, db):
    author, stranger = await sign_up(client), await sign_up(client)
    media_id = await new_title(db)
    review = await (
        await client.post(
            f"/api/v1/media/{media_id}/reviews", json={"body": "Mine."}, headers=author.headers
        )
    ).json()
    url = f"/api/v1/reviews/{review['id']}"
    edit = await client.patch(url, json={"body": "Not yours."}, headers=stranger.headers)
    assert edit.status in {403, 404}
    delete = await client.delete(url, headers=stranger.headers)
    assert delete.status in {403, 404}
    kept = await (await client.get(url)).json()
    assert kept["body"] == "Mine."


async def test_nobody_votes_another_users_duel(client, db):
    owner, stranger = await sign_up(client), await sign_up(client)
    for _ in range(2):
        media_id = await new_title(db, kind="game")
        await client.put(f"/api/v1/media/{media_id}/like", headers=owner.headers)
    response = await client.get("/api/v1/duels/next?kind=game", headers=owner.headers)
    assert response.status == 200, await response.text()
    duel = await response.json()
    vote = await client.post(
        f"/api/v1/duels/{duel['id']}/vote",
        json={"winner": duel["a"]["id"]},
        headers=stranger.headers,
    )
    assert vote.status in {403, 404}


async def test_an_export_is_only_ever_the_callers_own(client):
    alice, bob = await sign_up(client), await sign_up(client)
    export = await (await client.get("/api/v1/me/export", headers=bob.headers)).json()
    assert bob.email in str(export)
    assert alice.email not in str(export)


async def test_a_websocket_for_another_users_ticket_is_refused(client):
    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect("/ws?ticket=not-a-ticket")
    assert refused.value.status == 401
