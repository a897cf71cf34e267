"""Searching titles: typo-tolerant, accent- and case-insensitive, best match first."""

from __future__ import annotations

import pytest


async def _search(client, q, **params):
    response = await client.get("/api/v1/media", params={"q": q, **params})
    assert response.status == 200, await response.text()
    return [item["title"] for item in (await response.json())["items"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zelda breth", "The Legend of Zelda: Breath of the Wild"),
        ("amelie", "Amélie"),
        ("AMÉLIE", "Amélie"),
        ("okami hd", "Ōkami HD"),
        ("baldurs gate 3", "Baldur's Gate 3"),
        ("interstelar", "Interstellar"),
        ("the wichter 3", "The Witcher 3: Wild Hunt"),
        ("breaking bad", "Breaking Bad"),
        ("leon professional", "Léon: The Professional"),
    ],
)
async def test_the_intended_title_comes_first(client, seeded, query, expected):
    titles = await _search(client, query)

    assert titles[:1] == [expected], titles[:5]


async def test_search_finds_a_title_by_its_original_title(client, seeded):
    titles = await _search(client, "fabuleux destin")

    assert titles[:1] == ["Amélie"]


async def test_every_word_must_match_something(client, seeded):
    titles = await _search(client, "zelda spaceship")

    assert titles == []


async def test_search_combines_with_filters_and_other_sorts(client, seeded):
    games = await _search(client, "zelda", kind="game", sort="newest")
    films = await _search(client, "zelda", kind="film")

    assert games[0] == "The Legend of Zelda: Tears of the Kingdom"
    assert len(games) >= 5
    assert films == []


async def test_search_results_page_with_a_cursor(client, seeded):
    first = await client.get("/api/v1/media", params={"q": "the", "limit": "3"})
    page = await first.json()
    second = await client.get(
        "/api/v1/media", params={"q": "the", "limit": "3", "cursor": page["next_cursor"]}
    )

    next_page = await second.json()
    assert len(page["items"]) == 3 and len(next_page["items"]) == 3
    assert not {item["id"] for item in page["items"]} & {item["id"] for item in next_page["items"]}


async def test_blank_search_lists_everything(client, seeded):
    titles = await _search(client, "   ", kind="series", limit="100")

    assert len(titles) == 100
