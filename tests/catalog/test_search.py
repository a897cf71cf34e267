"""Searching titles: typo-tolerant, accent- and case-insensitive, best match first."""

from __future__ import annotations

import pytest

from metacult.catalog import views
from metacult.catalog.browse import WORD_MATCH, Filters


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


# What a search scored before it was worked out from the matched words: every title's own
# text, word by word (``catalog_word_score``), kept when every query word reached 0.4.
_EVERY_TITLE_SCORED = """
SELECT m.id, s.score
FROM media m
CROSS JOIN LATERAL (SELECT catalog_fold($1::text) AS folded) n
CROSS JOIN LATERAL (
    SELECT min(w.score) AS worst,
           (coalesce(avg(w.score), 0)
            + CASE WHEN m.title_key = n.folded THEN 1
                   WHEN starts_with(m.title_key, n.folded) THEN 0.5
                   ELSE 0 END)::float8 AS score
    FROM (SELECT catalog_word_score(m.search_text, word) AS score
          FROM unnest(string_to_array(n.folded, ' ')) AS word) w
) s
WHERE s.worst >= $2
"""


@pytest.mark.parametrize(
    "query",
    ["the", "the the", "wild", "the wichter 3", "zelda breth", "gate", "a", "xyzzy", "fabuleux"],
)
async def test_a_search_keeps_and_scores_the_titles_that_scoring_every_title_would(
    db, seeded, query
):
    expected = {
        row["id"]: row["score"] for row in await db.fetch(_EVERY_TITLE_SCORED, query, WORD_MATCH)
    }

    found = await views.browse(db, Filters(q=query), "relevance", None, 10_000)

    assert {row["id"]: row["key0"] for row in found} == pytest.approx(expected)
