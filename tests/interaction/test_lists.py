"""Lists: plain or ranked, notes, public or private, collaborative, liked, followed, found."""

from __future__ import annotations

import asyncio

from tests import random_refs
from tests.accounts import sign_up
from tests.titles import new_title, new_titles


async def make_list(client, owner, **body) -> dict:
    response = await client.post(
        "/api/v1/lists", json={"name": "My list", **body}, headers=owner.headers
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def put_entry(client, account, list_id, media_id, **body):
    return await client.put(
        f"/api/v1/lists/{list_id}/entries/{media_id}", json=body, headers=account.headers
    )


async def entry_ids(client, list_id, account=None) -> list[int]:
    headers = account.headers if account else {}
    response = await client.get(f"/api/v1/lists/{list_id}/entries?limit=100", headers=headers)
    assert response.status == 200, await response.text()
    items = (await response.json())["items"]
    assert [item["position"] for item in items] == list(range(1, len(items) + 1))
    return [item["media"]["id"] for item in items]


async def test_a_ranked_list_keeps_its_order_notes_and_progress(client, db) -> None:
    owner = await sign_up(client)
    first, second, third = await new_titles(db, 3, kind="film")
    game = await new_title(db, "game")
    ranked = await make_list(client, owner, name="Best of", ranked=True)

    for media_id in (first, second, third):
        assert (await put_entry(client, owner, ranked["id"], media_id)).status == 200
    await put_entry(client, owner, ranked["id"], game, position=1, note="Not a film, still.")
    await put_entry(client, owner, ranked["id"], third, position=2)

    assert await entry_ids(client, ranked["id"]) == [game, third, first, second]
    entries = await (await client.get(f"/api/v1/lists/{ranked['id']}/entries")).json()
    assert entries["items"][0]["note"] == "Not a film, still."
    await client.put(
        f"/api/v1/media/{first}/status", json={"status": "watched"}, headers=owner.headers
    )
    shown = await (await client.get(f"/api/v1/lists/{ranked['id']}", headers=owner.headers)).json()
    assert (shown["entries"], shown["seen"], shown["can_edit"]) == (4, 1, True)

    await client.delete(f"/api/v1/lists/{ranked['id']}/entries/{third}", headers=owner.headers)
    assert await entry_ids(client, ranked["id"]) == [game, first, second]


async def test_two_editors_adding_and_moving_at_once_lose_and_double_nothing(client, db) -> None:
    owner, editor = await sign_up(client), await sign_up(client)
    shared = await make_list(client, owner, name="Shared", ranked=True)
    invited = await client.put(
        f"/api/v1/lists/{shared['id']}/editors/{editor.id}", headers=owner.headers
    )
    assert (await invited.json())["editors"] == [editor.id]
    mine = await new_titles(db, 12, kind="series")
    theirs = await new_titles(db, 12, kind="game")
    both = await new_titles(db, 4, kind="film")

    async def edits(account, titles):
        for index, media_id in enumerate(titles):
            response = await put_entry(client, account, shared["id"], media_id, position=1)
            assert response.status == 200, await response.text()
            if index % 3 == 2:
                moved = await put_entry(client, account, shared["id"], titles[0], position=2)
                assert moved.status == 200

    await asyncio.gather(edits(owner, mine + both), edits(editor, theirs + both))

    ids = await entry_ids(client, shared["id"])
    assert sorted(ids) == sorted(mine + theirs + both)
    shown = await (await client.get(f"/api/v1/lists/{shared['id']}")).json()
    assert shown["entries"] == len(mine + theirs + both)


async def test_private_lists_are_for_their_owner_and_editors_only(client, db) -> None:
    owner, editor, stranger = await sign_up(client), await sign_up(client), await sign_up(client)
    secret = await make_list(client, owner, name="Secret", visibility="private")
    await client.put(f"/api/v1/lists/{secret['id']}/editors/{editor.id}", headers=owner.headers)
    media_id = await new_title(db)

    assert (await client.get(f"/api/v1/lists/{secret['id']}")).status == 404
    stranger_view = await client.get(f"/api/v1/lists/{secret['id']}", headers=stranger.headers)
    assert stranger_view.status == 404
    assert (await put_entry(client, stranger, secret["id"], media_id)).status == 404
    assert (await put_entry(client, editor, secret["id"], media_id)).status == 200
    assert await entry_ids(client, secret["id"], editor) == [media_id]
    rename = await client.patch(
        f"/api/v1/lists/{secret['id']}", json={"name": "Mine"}, headers=editor.headers
    )
    assert rename.status == 403

    public = await make_list(client, owner, name="Open")
    assert (await put_entry(client, stranger, public["id"], media_id)).status == 403
    await client.put(f"/api/v1/users/{stranger.id}/block", headers=owner.headers)
    blocked = await client.get(f"/api/v1/lists/{public['id']}", headers=stranger.headers)
    assert blocked.status == 404


async def test_lists_are_liked_followed_and_found_by_name(client, db) -> None:
    owner, fan = await sign_up(client), await sign_up(client)
    word = "".join(chr(ord("k") + int(digit, 16)) for digit in random_refs.suffix())
    found = await make_list(client, owner, name=f"Cosy {word} evenings")
    await make_list(client, owner, name=f"Hidden {word}", visibility="private")

    liked = await client.put(f"/api/v1/lists/{found['id']}/like", headers=fan.headers)
    again = await client.put(f"/api/v1/lists/{found['id']}/like", headers=fan.headers)
    followed = await client.put(f"/api/v1/lists/{found['id']}/follow", headers=fan.headers)
    assert (await again.json())["likes"] == 1 and (await liked.json())["liked"] is True
    assert (await followed.json())["following"] is True

    typo = word[:-1] + "a"
    for query in (word, f"cosy {typo}"):
        response = await client.get("/api/v1/lists", params={"q": query})
        assert [item["id"] for item in (await response.json())["items"]] == [found["id"]], query


async def test_bad_list_requests_are_refused(client, db) -> None:
    owner = await sign_up(client)
    for body in ({"name": ""}, {"name": "   "}, {"name": "x", "visibility": "friends"}):
        response = await client.post("/api/v1/lists", json=body, headers=owner.headers)
        assert response.status == 422, body
    made = await make_list(client, owner)
    assert (await put_entry(client, owner, made["id"], 987654321012)).status == 404
    assert (await put_entry(client, owner, made["id"], 1, position=0)).status == 422
    assert (await client.get("/api/v1/lists/987654321012")).status == 404
    response = await client.patch(
        f"/api/v1/lists/{made['id']}", json={"name": None}, headers=owner.headers
    )
    assert response.status == 422


async def test_my_lists_are_those_i_own_or_edit_newest_first(client, db) -> None:
    owner, editor, stranger = await sign_up(client), await sign_up(client), await sign_up(client)
    older = await make_list(client, owner, name="Older", visibility="private")
    shared = await make_list(client, owner, name="Shared")
    await make_list(client, stranger, name="Not mine")
    invited = await client.put(
        f"/api/v1/lists/{shared['id']}/editors/{editor.id}", headers=owner.headers
    )
    assert invited.status == 200, await invited.text()

    mine = await (await client.get("/api/v1/me/lists?limit=1", headers=owner.headers)).json()
    assert [item["id"] for item in mine["items"]] == [shared["id"]]
    rest = await client.get(
        "/api/v1/me/lists", params={"cursor": mine["next_cursor"]}, headers=owner.headers
    )
    assert [item["id"] for item in (await rest.json())["items"]] == [older["id"]]
    edited = await (await client.get("/api/v1/me/lists", headers=editor.headers)).json()
    assert [item["id"] for item in edited["items"]] == [shared["id"]]
    assert (await client.get("/api/v1/me/lists")).status == 401
    bad = await client.get("/api/v1/me/lists?cursor=nonsense", headers=owner.headers)
    assert bad.status == 422
