"""Search without pg_trgm and unaccent (as on the embedded PostgreSQL): same answers.

A database of its own, migrated with ``metacult.search_fallback = 'on'``, takes the
migration's plain-SQL fallbacks even on a server that has the extensions.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import pytest_asyncio

from metacult.catalog import service
from metacult.catalog.browse import Filters
from metacult.infra.db import create_pool
from metacult.infra.migrations import migrate
from tests.conftest import ADMIN_DSN, RUN, TEST_DSN

NAME = f"metacult_test_{RUN}_fallback"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fallback_db(settings):
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{NAME}"')
        await admin.execute(f"ALTER DATABASE \"{NAME}\" SET metacult.search_fallback = 'on'")
    finally:
        await admin.close()
    dsn = urlunsplit(urlsplit(TEST_DSN)._replace(path=f"/{NAME}"))
    await migrate(dsn)
    pool = await create_pool(settings.replace(database_url=dsn), min_size=1)
    await service.seed_demo(pool)
    yield pool
    await pool.close()
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    finally:
        await admin.close()


async def test_the_fallback_database_has_no_search_extensions(fallback_db):
    installed = await fallback_db.fetchval(
        "SELECT count(*) FROM pg_extension WHERE extname IN ('pg_trgm', 'unaccent')"
    )

    assert installed == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zelda breth", "The Legend of Zelda: Breath of the Wild"),
        ("amelie", "Amélie"),
        ("AMÉLIE", "Amélie"),
        ("okami hd", "Ōkami HD"),
        ("interstelar", "Interstellar"),
        ("the wichter 3", "The Witcher 3: Wild Hunt"),
    ],
)
async def test_the_fallback_finds_the_same_titles(fallback_db, query, expected):
    page = await service.browse(fallback_db, Filters(q=query), None, None, 5)

    assert [item.media.title for item in page.items][:1] == [expected]


async def test_the_fallback_folds_and_compares_like_the_extensions(fallback_db, db):
    words = ["Amélie", "Ōkami", "Pokémon Scarlet", "Léon", "Crème brûlée", "Ærøskøbing", "Straße"]
    pairs = [
        ("breth", "breath"),
        ("zelda", "zelda"),
        ("halo", "hall"),
        ("interstelar", "interstellar"),
    ]

    for word in words:
        assert await fallback_db.fetchval("SELECT catalog_fold($1)", word) == await db.fetchval(
            "SELECT catalog_fold($1)", word
        ), word
    for a, b in pairs:
        ours = await fallback_db.fetchval("SELECT catalog_similarity($1, $2)", a, b)
        theirs = await db.fetchval("SELECT catalog_similarity($1, $2)", a, b)
        assert ours == pytest.approx(theirs), (a, b)


async def test_infra_text_functions_answer_as_catalogs_with_and_without_the_extensions(
    fallback_db, db
):
    # text_* (infra's, 0600) carry catalog's definitions; catalog_* now wrap them.
    cases = [("Pokémon Scarlet", "pokemon"), ("The Witcher 3", "wichter"), ("Straße", "strase")]
    for pool in (fallback_db, db):
        for name, word in cases:
            neutral = await pool.fetchrow(
                "SELECT text_fold($1) AS fold, text_word_score(text_fold($1), $2) AS score",
                name,
                word,
            )
            catalog = await pool.fetchrow(
                "SELECT catalog_fold($1) AS fold,"
                " catalog_word_score(catalog_fold($1), $2) AS score",
                name,
                word,
            )
            assert neutral == catalog, (name, word)
            assert neutral["score"] > 0, (name, word)
    assert await fallback_db.fetchval("SELECT to_regprocedure('text_trigrams(text)')") is not None
