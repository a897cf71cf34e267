"""What other contexts read from the catalogue through ``metacult.catalog``."""

from __future__ import annotations

import pytest

from metacult import catalog
from metacult.infra.errors import NotFound
from tests.accounts import sign_up
from tests.titles import new_title


async def test_summaries_give_what_lists_show_and_leave_out_unknown_ids(db, seeded):
    zelda = await db.fetchval(
        "SELECT id FROM media WHERE slug = 'the-legend-of-zelda-breath-of-the-wild'"
    )

    summaries = await catalog.media_summaries(db, [zelda, 999_999_999, zelda])

    assert list(summaries) == [zelda]
    summary = summaries[zelda]
    assert (summary.kind, summary.title, summary.year) == (
        "game",
        "The Legend of Zelda: Breath of the Wild",
        2017,
    )
    assert "open-world" in summary.genres and "switch" in summary.platforms


async def test_get_media_returns_the_whole_title(db, seeded):
    media_id = await db.fetchval("SELECT id FROM media WHERE slug = 'amelie'")

    media = await catalog.get_media(db, media_id)

    assert media.kind == "film"
    assert media.runtime_minutes == 122
    assert media.original_title == "Le Fabuleux Destin d'Amélie Poulain"
    assert media.summary().slug == "amelie"


async def test_an_unknown_title_is_a_not_found(db):
    with pytest.raises(catalog.MediaNotFound) as raised:
        await catalog.get_media(db, 999_999_999)

    assert isinstance(raised.value, NotFound)
    assert raised.value.status == 404
    assert await catalog.media_exists(db, 999_999_999) is None


async def test_media_exists_answers_the_kind(db, seeded):
    media_id = await db.fetchval("SELECT id FROM media WHERE slug = 'breaking-bad'")

    assert await catalog.media_exists(db, media_id) == "series"


async def test_media_ids_lists_a_genre_or_platform_scope(db, seeded):
    rpgs = await catalog.media_ids(db, genre="rpg")
    on_ps5 = await catalog.media_ids(db, kind="game", platform="ps5")
    elden = await db.fetchval("SELECT id FROM media WHERE slug = 'elden-ring'")

    assert elden in rpgs and elden in on_ps5


async def test_the_library_statuses_catalog_declares_are_those_the_api_takes(client, db):
    account = await sign_up(client)
    titles = {kind: await new_title(db, kind=kind) for kind in catalog.KINDS}
    every_status = {status for statuses in catalog.LIBRARY_STATUSES.values() for status in statuses}

    for kind, media_id in titles.items():
        for status in sorted(every_status):
            response = await client.put(
                f"/api/v1/media/{media_id}/status",
                json={"status": status},
                headers=account.headers,
            )
            fits = status in catalog.LIBRARY_STATUSES[kind]
            assert response.status == (200 if fits else 422), (kind, status)
    browse = [
        (await client.get(f"/api/v1/media?kind={kind}")).status for kind in (*catalog.KINDS, "book")
    ]
    assert browse == [200] * len(catalog.KINDS) + [422]
