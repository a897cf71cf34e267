"""Saving what a provider describes: once per provider id, even when two imports race."""

from __future__ import annotations

import asyncio
from datetime import date

from metacult.catalog import service
from metacult.catalog.browse import Filters
from metacult.catalog.model import MediaDraft
from metacult.catalog.taxonomy import slugify
from tests import random_refs
from tests.catalog.fake_providers import new_id


async def _save(db, draft):
    async with db.acquire() as conn, conn.transaction():
        return await service.save_draft(conn, draft)


async def test_two_imports_of_one_new_title_at_once_make_one_title(db):
    draft = MediaDraft(
        kind="film", title=f"Race {random_refs.suffix()}", year=2020, tmdb_id=new_id()
    )

    saved = await asyncio.gather(*(_save(db, draft) for _ in range(4)))

    assert len({result.media_id for result in saved}) == 1
    assert sorted(result.outcome for result in saved) == [
        "imported",
        "unchanged",
        "unchanged",
        "unchanged",
    ]
    count = await db.fetchval(
        "SELECT count(*) FROM media WHERE kind = 'film' AND tmdb_id = $1", draft.tmdb_id
    )
    assert count == 1


async def test_a_title_of_the_same_name_from_another_provider_id_is_another_title(db):
    title = f"Namesake {random_refs.suffix()}"
    first = await _save(db, MediaDraft(kind="game", title=title, year=2001, igdb_id=new_id()))
    second = await _save(db, MediaDraft(kind="game", title=title, year=2001, igdb_id=new_id()))

    slugs = await db.fetch(
        "SELECT slug FROM media WHERE id = ANY($1::bigint[]) ORDER BY id",
        [first.media_id, second.media_id],
    )
    assert first.media_id != second.media_id
    assert [row["slug"] for row in slugs] == [
        slugify(title),
        f"{slugify(title)}-2001",
    ]


async def test_a_placeholder_release_date_is_kept_as_unknown(db):
    saved = await _save(
        db,
        MediaDraft(
            kind="film",
            title=f"Undated {random_refs.suffix()}",
            release_date=date(9999, 12, 31),
            tmdb_id=new_id(),
        ),
    )

    row = await db.fetchrow("SELECT year, release_date FROM media WHERE id = $1", saved.media_id)
    assert (row["year"], row["release_date"]) == (None, None)


async def test_unknown_genres_and_platforms_join_the_vocabulary(db):
    genre, platform = random_refs.slug("genre"), random_refs.slug("console")

    await _save(
        db,
        MediaDraft(
            kind="game",
            title=f"Odd {random_refs.suffix()}",
            genres=(genre,),
            platforms=(platform,),
            igdb_id=new_id(),
        ),
    )

    assert await db.fetchval("SELECT name FROM genres WHERE kind = 'game' AND slug = $1", genre)
    assert await db.fetchval("SELECT name FROM platforms WHERE slug = $1", platform)


async def test_a_saved_title_is_found_by_search_and_so_is_its_new_name(db):
    word = f"zq{random_refs.suffix()}"
    draft = MediaDraft(kind="series", title=f"The {word} Chronicles", tmdb_id=new_id())
    saved = await _save(db, draft)

    found = await service.browse(db, Filters(q=word[:-1]), None, None, 5)
    await _save(db, MediaDraft(kind="series", title=f"{word}x Returns", tmdb_id=draft.tmdb_id))
    renamed = await service.browse(db, Filters(q=f"{word}x returns"), None, None, 5)

    assert [item.media.id for item in found.items] == [saved.media_id]
    assert [item.media.id for item in renamed.items] == [saved.media_id]
