"""Read-model SQL for browsing and searching the catalogue (pages, not use cases).

The queries are written out at import from two templates (browse, search) per sort,
from the start or after a cursor: the filters, the fuzzy title match for a search
(``catalog_word_score``, ``catalog_words``: see ``migrations/0020_media.sql``) and keyset
pagination on the sort's key. "Top rated" sorts by the community score that interaction
keeps in catalog's ``media_scores`` (see ``set_community_score``), read from its copy on
the title (``media.top_score``, ``top_votes``: ``migrations/0500_media_top_rated.sql``),
which one index orders.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from metacult.catalog.browse import WORD_MATCH, Filters, Position

# Each sort: its key expressions (the id comes last), and whether it ascends.
_KEYS: dict[str, tuple[tuple[str, ...], bool]] = {
    "relevance": (("s.score", "m.popularity"), False),
    "popular": (("m.popularity",), False),
    "top_rated": (("m.top_score", "m.top_votes"), False),
    "newest": (("m.released_on",), False),
    "title": (("m.title_key",), True),
}
_CURSOR_TYPES = {
    "relevance": ("float8", "float8"),
    "popular": ("float8",),
    "top_rated": ("float8", "int"),
    # A day goes as text: asyncpg sends ``date.min`` (the undated titles' 0001-01-01) as
    # -infinity, before which nothing sorts, so the pages after the first undated title
    # came back empty.
    "newest": ("text::date",),
    "title": ("text",),
}

_BROWSE = """
SELECT m.id, m.kind, m.title, m.slug, m.original_title, m.year, m.release_date,
       m.genres, m.platforms, m.runtime_minutes, m.seasons, m.cover_url, m.popularity,
       {key_columns}
FROM media m
WHERE {filters}
ORDER BY {order}
LIMIT $6
"""

# With a search ($7): the words of the catalogue that match each query word, with their
# scores (same first letter first, through an index); then the titles holding any of them
# (GIN index), then those holding a match of *every* query word (a cheap array test per
# title); each of those is scored from the matches it holds, and kept when every query
# word matched. A title's score for a query word is its best word's
# (``catalog_word_score``), and a word scores 0 against a query word of another first
# letter, so a title that would be kept holds a match of each query word and its best
# match is its best word: the same titles and scores as scoring each title's text, without
# running the word score per title (a broad search, "title" or "bnech" on 20,000 titles
# that all hold "bench" and "title", scored every one of them: 0.2–1 s). The GIN index is
# also asked for the matches of each of the first three query words (the index intersects
# them), so one broad word does not bring every title to the per-title test.
_SEARCH = """
WITH needle AS (SELECT catalog_fold($7::text) AS folded),
tokens AS (
    SELECT t.token, t.n
    FROM needle, unnest(string_to_array(needle.folded, ' ')) WITH ORDINALITY AS t(token, n)
),
matches AS (
    SELECT t.n, cw.word, catalog_word_score(cw.word, t.token)::float8 AS score
    FROM tokens t
    JOIN catalog_words cw ON cw.initial = left(t.token, 1)
),
per_token AS (
    SELECT n, array_agg(word) AS words, jsonb_object_agg(word, score) AS scores
    FROM matches
    WHERE score >= {word_match}
    GROUP BY n
),
candidates AS (
    SELECT coalesce(array_agg(DISTINCT word), '{{}}') AS words,
           (SELECT count(*) FROM tokens) AS wanted,
           (SELECT count(*) FROM per_token) AS found
    FROM per_token, unnest(per_token.words) AS word
)
SELECT m.id, m.kind, m.title, m.slug, m.original_title, m.year, m.release_date,
       m.genres, m.platforms, m.runtime_minutes, m.seasons, m.cover_url, m.popularity,
       {key_columns}
FROM media m
CROSS JOIN needle n
CROSS JOIN LATERAL (
    SELECT (avg(w.best)
            + CASE WHEN m.title_key = n.folded THEN 1
                   WHEN starts_with(m.title_key, n.folded) THEN 0.5
                   ELSE 0 END)::float8 AS score
    FROM (SELECT (SELECT max((t.scores ->> word)::float8) FROM unnest(m.title_words) AS word)
                 AS best
          FROM per_token t) w
) s
WHERE m.title_words && (SELECT words FROM candidates)
  AND m.title_words && (SELECT words FROM per_token ORDER BY n = 1 DESC, n LIMIT 1)
  AND m.title_words && (SELECT words FROM per_token ORDER BY n = 2 DESC, n LIMIT 1)
  AND m.title_words && (SELECT words FROM per_token ORDER BY n = 3 DESC, n LIMIT 1)
  AND (SELECT wanted = found AND wanted > 0 FROM candidates)
  AND NOT EXISTS (SELECT 1 FROM per_token t WHERE NOT m.title_words && t.words)
  AND {filters}
ORDER BY {order}
LIMIT $6
"""

_FILTERS = """($1::text IS NULL OR m.kind = $1)
  AND ($2::text IS NULL OR m.genres @> ARRAY[$2::text])
  AND ($3::text IS NULL OR m.platforms @> ARRAY[$3::text])
  AND ($4::int IS NULL OR m.year >= $4)
  AND ($5::int IS NULL OR m.year <= $5)"""


def _query(sort: str, *, search: bool, after: bool) -> str:
    """The query of one sort, with or without a search, from the start or after a cursor."""
    keys, ascending = _KEYS[sort]
    direction = "ASC" if ascending else "DESC"
    filters = _FILTERS
    if after:
        first = 8 if search else 7  # the cursor's id, then its key values
        cursor = ", ".join(
            f"${first + 1 + i}::{kind}" for i, kind in enumerate(_CURSOR_TYPES[sort])
        )
        beyond = ">" if ascending else "<"
        filters += f"\n  AND ({', '.join(keys)}, m.id) {beyond} ({cursor}, ${first}::bigint)"
    return (_SEARCH if search else _BROWSE).format(
        key_columns=", ".join(f"{key} AS key{i}" for i, key in enumerate(keys)),
        word_match=WORD_MATCH,
        filters=filters,
        order=", ".join(f"{key} {direction}" for key in (*keys, "m.id")),
    )


QUERIES: dict[tuple[str, bool, bool], str] = {
    (sort, search, after): _query(sort, search=search, after=after)
    for sort in _KEYS
    for search in (False, True)
    for after in (False, True)
    if search or sort != "relevance"
}


async def browse(
    conn: asyncpg.Connection | asyncpg.Pool,
    filters: Filters,
    sort: str,
    after: Position | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Up to ``limit`` rows after ``after``, each with its sort key as ``key0``, ``key1``..."""
    search = bool(filters.q)
    args: list[Any] = [
        filters.kind,
        filters.genre,
        filters.platform,
        filters.year_from,
        filters.year_to,
        limit,
    ]
    if search:
        args.append(filters.q)
    if after is not None:
        # A position is the key values then the id; the query takes the id first.
        args.extend([after.key[-1], *map(_param, after.key[:-1])])
    return await conn.fetch(QUERIES[(sort, search, after is not None)], *args)


def _param(value: Any) -> Any:
    """A cursor's key value as the query takes it (a day as its ISO text)."""
    return value.isoformat() if isinstance(value, date) else value


def key_of(row: asyncpg.Record, sort: str) -> tuple[Any, ...]:
    """The position of a row in ``sort``: its key values, then its id."""
    width = len(_CURSOR_TYPES[sort])
    return (*(row[f"key{i}"] for i in range(width)), row["id"])
