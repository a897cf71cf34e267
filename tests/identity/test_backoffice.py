"""The back-office's accounts: administrators find accounts and promote one to admin."""

from __future__ import annotations

from tests import random_refs
from tests.accounts import sign_up


async def _search(client, admin, **params) -> dict:
    response = await client.get("/api/v1/admin/users", params=params, headers=admin.headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_an_admin_finds_accounts_by_a_part_of_their_email_or_name(client) -> None:
    admin = await sign_up(client, role="admin")
    name = f"Ziggy {random_refs.suffix()}"
    ziggy = await sign_up(client, display_name=name)

    by_name = await _search(client, admin, q=name.split()[1].upper())
    by_email = await _search(client, admin, q=ziggy.email.split("@")[0][-8:])

    assert [item["id"] for item in by_name["items"]] == [ziggy.id]
    assert ziggy.id in [item["id"] for item in by_email["items"]]
    found = by_name["items"][0]
    assert (found["email"], found["display_name"], found["role"]) == (ziggy.email, name, "gamer")


async def test_search_text_is_taken_literally(client) -> None:
    admin = await sign_up(client, role="admin")
    await sign_up(client, display_name="Percent Person")

    assert (await _search(client, admin, q="%_%"))["items"] == []


async def test_pages_of_accounts_follow_each_other_newest_first(client) -> None:
    admin = await sign_up(client, role="admin")
    tag = random_refs.suffix()
    accounts = [await sign_up(client, display_name=f"Pager {tag} {i}") for i in range(3)]

    first = await _search(client, admin, q=tag, limit=2)
    second = await _search(client, admin, q=tag, limit=2, cursor=first["next_cursor"])

    seen = [item["id"] for item in first["items"] + second["items"]]
    assert seen == [account.id for account in reversed(accounts)]
    assert second["next_cursor"] is None


async def test_a_forged_cursor_is_refused_on_cursor(client) -> None:
    admin = await sign_up(client, role="admin")

    response = await client.get(
        "/api/v1/admin/users", params={"cursor": "not-a-cursor"}, headers=admin.headers
    )

    assert response.status == 422
    assert "cursor" in (await response.json())["error"]["fields"]


async def test_a_promoted_account_is_an_administrator_at_once(client) -> None:
    admin = await sign_up(client, role="admin")
    gamer = await sign_up(client)
    assert (await client.get("/api/v1/admin/users", headers=gamer.headers)).status == 403

    response = await client.post(f"/api/v1/admin/users/{gamer.id}/promote", headers=admin.headers)

    assert response.status == 200
    assert (await response.json())["role"] == "admin"
    # The same sign-in, not a new one: the role is read on every request.
    assert (await client.get("/api/v1/admin/users", headers=gamer.headers)).status == 200


async def test_promoting_an_unknown_or_deleted_account_is_404(client) -> None:
    admin = await sign_up(client, role="admin")
    gone = await sign_up(client)
    assert (await client.delete("/api/v1/me", headers=gone.headers)).status == 204

    for user_id in (gone.id, 2**62):
        response = await client.post(
            f"/api/v1/admin/users/{user_id}/promote", headers=admin.headers
        )
        assert response.status == 404


async def test_gamers_cannot_promote_anyone(client) -> None:
    gamer = await sign_up(client)

    response = await client.post(f"/api/v1/admin/users/{gamer.id}/promote", headers=gamer.headers)

    assert response.status == 403
