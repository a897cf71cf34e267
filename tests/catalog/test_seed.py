"""The demo catalogue: real titles across kinds, loaded idempotently."""

from __future__ import annotations

import pytest

from metacult import catalog
from metacult.catalog import demo, service


@pytest.mark.unit
def test_demo_data_holds_at_least_300_titles_of_every_kind():
    drafts = demo.load()

    assert len(drafts) >= 300
    assert {draft.kind for draft in drafts} == {"game", "film", "series"}
    assert all(draft.platforms for draft in drafts if draft.kind == "game")
    assert all(draft.runtime_minutes for draft in drafts if draft.kind == "film")
    assert all(draft.seasons for draft in drafts if draft.kind == "series")


async def test_seeding_twice_adds_nothing_the_second_time(db, seeded):
    again = await service.seed_demo(db)

    assert again.inserted == 0
    assert again.titles == seeded.titles
    assert (
        await db.fetchval("SELECT count(*) FROM media WHERE tmdb_id IS NULL AND igdb_id IS NULL")
        >= 300
    )


async def test_namesakes_get_distinct_stable_slugs(db, seeded):
    doom_1993 = await db.fetchval(
        "SELECT slug FROM media WHERE kind = 'game' AND title = 'Doom' AND year = 1993"
    )
    doom_2016 = await db.fetchval(
        "SELECT slug FROM media WHERE kind = 'game' AND title = 'Doom' AND year = 2016"
    )

    assert {doom_1993, doom_2016} == {"doom", "doom-2016"}


async def test_genres_and_platforms_are_slugs_with_names(db, seeded):
    rpg = await db.fetchval("SELECT name FROM genres WHERE kind = 'game' AND slug = 'rpg'")
    scifi = await db.fetchval(
        "SELECT name FROM genres WHERE kind = 'film' AND slug = 'science-fiction'"
    )
    ps5 = await db.fetchval("SELECT name FROM platforms WHERE slug = 'ps5'")

    assert (rpg, scifi, ps5) == ("RPG", "Science fiction", "PlayStation 5")


async def test_seeded_titles_are_announced_once_as_imported(db, seeded):
    media_id = await db.fetchval("SELECT id FROM media WHERE slug = 'amelie'")

    events = await db.fetch("SELECT type FROM outbox WHERE data->>'media_id' = $1", str(media_id))

    assert [event["type"] for event in events] == [catalog.MEDIA_IMPORTED.name]


async def test_seeding_gives_known_genres_our_names_back(db, seeded):
    # A provider's import may have named a genre first ("Science Fiction", TMDB's).
    await db.execute(
        "UPDATE genres SET name = 'Science Fiction'"
        " WHERE kind = 'film' AND slug = 'science-fiction'"
    )

    await service.seed_demo(db)

    name = await db.fetchval(
        "SELECT name FROM genres WHERE kind = 'film' AND slug = 'science-fiction'"
    )
    assert name == "Science fiction"
