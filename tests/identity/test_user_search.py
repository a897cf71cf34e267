"""Finding people by display name, forgiving typos as the catalogue's search does."""

from __future__ import annotations

from tests import random_refs
from tests.accounts import sign_up


def unique_word() -> str:
    """A made-up word of letters no other account's name holds."""
    return "".join(chr(ord("k") + int(digit, 16)) for digit in random_refs.suffix())


async def search(client, q: str, **params) -> list[dict]:
    response = await client.get("/api/v1/users", params={"q": q, **params})
    assert response.status == 200, await response.text()
    return (await response.json())["items"]


async def test_a_user_is_found_by_name_despite_a_typo(client) -> None:
    word = unique_word()
    margaret = await sign_up(client, display_name=f"Margaret {word.title()}")
    await sign_up(client, display_name=f"Bob {word.title()}")

    for query in (f"margaret {word}", f"Margeret {word}", f"MARG {word[:6]}", f"{word} margaret"):
        found = await search(client, query)
        assert [item["id"] for item in found] == [margaret.id], query
    assert found[0] == {
        "id": margaret.id,
        "display_name": margaret.display_name,
        "avatar_url": None,
    }
    assert await search(client, f"Zebedee {word}") == []


async def test_search_pages_by_cursor_best_match_first(client) -> None:
    word = unique_word()
    exact = [await sign_up(client, display_name=f"{word} Fan {n}") for n in range(3)]
    near = await sign_up(client, display_name=f"{word[:-1]}a Fan")

    pages, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/users", params={"q": word, **params})
        page = await response.json()
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    found = [user_id for page in pages for user_id in page]
    assert sorted(found[:3]) == sorted(account.id for account in exact)
    assert found[3:] == [near.id]


async def test_deleted_accounts_are_not_found_and_bad_queries_are_refused(client) -> None:
    word = unique_word()
    leaving = await sign_up(client, display_name=f"Leaving {word}")
    assert (await client.delete("/api/v1/me", headers=leaving.headers)).status in (202, 204)
    assert await search(client, word) == []
    for params in ({}, {"q": ""}, {"q": "x" * 201}, {"q": "a", "cursor": "WzIsMV0"}):
        response = await client.get("/api/v1/users", params=params)
        assert response.status == 422, params
