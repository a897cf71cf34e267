"""Read-model SQL for browsing and searching the catalogue (pages, not use cases).

One query per sort, written out below from one template: the filters, the fuzzy title
match (``catalog_word_score``, see ``migrations/0020_media.sql``) and keyset pagination
on the sort's key. "Top rated" reads interaction's per-title counters (``media_stats``)
as a read model.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from metacult.catalog.browse import PRIOR_RATINGS, PRIOR_STARS, WORD_MATCH, Filters, Position

# Each sort: its key expressions (the id comes last), and whether it ascends.
_RATED = (
    "(CASE WHEN coalesce(st.ratings_count, 0) = 0 THEN 0::float8"
    f" ELSE (st.ratings_sum / 2.0 + {PRIOR_RATINGS * PRIOR_STARS})"
    f" / (st.ratings_count + {PRIOR_RATINGS}) END)::float8"
)
_KEYS: dict[str, tuple[tuple[str, ...], bool]] = {
    "relevance": (("s.score", "m.popularity"), False),
    "popular": (("m.popularity",), False),
    "top_rated": ((_RATED, "coalesce(st.ratings_count, 0)"), False),
    "newest": (("m.released_on",), False),
    "title": (("m.title_key",), True),
}
_CURSOR_TYPES = {
    "relevance": ("float8", "float8"),
    "popular": ("float8",),
    "top_rated": ("float8", "int"),
    "newest": ("date",),
    "title": ("text",),
}

_TEMPLATE = """
WITH needle AS (SELECT catalog_fold($7::text) AS folded)
SELECT m.id, m.kind, m.title, m.slug, m.original_title, m.year, m.release_date,
       m.genres, m.platforms, m.runtime_minutes, m.seasons, m.cover_url, m.popularity,
       {key_columns}
FROM media m
CROSS JOIN needle n
LEFT JOIN media_stats st ON st.media_id = m.id
CROSS JOIN LATERAL (
    SELECT min(w.score) AS worst,
           (coalesce(avg(w.score), 0)
            + CASE WHEN m.title_key = n.folded THEN 1
                   WHEN starts_with(m.title_key, n.folded) THEN 0.5
                   ELSE 0 END)::float8 AS score
    FROM (SELECT catalog_word_score(m.search_text, word) AS score
          FROM unnest(string_to_array(n.folded, ' ')) AS word) w
) s
WHERE ($1::text IS NULL OR m.kind = $1)
  AND ($2::text IS NULL OR m.genres @> ARRAY[$2::text])
  AND ($3::text IS NULL OR m.platforms @> ARRAY[$3::text])
  AND ($4::int IS NULL OR m.year >= $4)
  AND ($5::int IS NULL OR m.year <= $5)
  AND (n.folded IS NULL OR n.folded = '' OR s.worst >= {word_match})
  AND ($8::bigint IS NULL OR ({keys}, m.id) {after} ({cursor}, $8::bigint))
ORDER BY {order}
LIMIT $6
"""


def _query(sort: str) -> str:
    keys, ascending = _KEYS[sort]
    direction = "ASC" if ascending else "DESC"
    return _TEMPLATE.format(
        key_columns=", ".join(f"{key} AS key{i}" for i, key in enumerate(keys)),
        word_match=WORD_MATCH,
        keys=", ".join(keys),
        after=">" if ascending else "<",
        cursor=", ".join(f"${9 + i}::{kind}" for i, kind in enumerate(_CURSOR_TYPES[sort])),
        order=", ".join(f"{key} {direction}" for key in (*keys, "m.id")),
    )


QUERIES: dict[str, str] = {sort: _query(sort) for sort in _KEYS}


async def browse(
    conn: asyncpg.Connection | asyncpg.Pool,
    filters: Filters,
    sort: str,
    after: Position | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Up to ``limit`` rows after ``after``, each with its sort key as ``key0``, ``key1``..."""
    width = len(_CURSOR_TYPES[sort])
    cursor: list[Any] = list(after.key) if after else [None] * (width + 1)
    # The id is last in a position but $8 in the query.
    return await conn.fetch(
        QUERIES[sort],
        filters.kind,
        filters.genre,
        filters.platform,
        filters.year_from,
        filters.year_to,
        limit,
        filters.q,
        cursor[-1],
        *cursor[:-1],
    )


def key_of(row: asyncpg.Record, sort: str) -> tuple[Any, ...]:
    """The position of a row in ``sort``: its key values, then its id."""
    width = len(_CURSOR_TYPES[sort])
    return (*(row[f"key{i}"] for i in range(width)), row["id"])
