"""Each catalog event: the admin's import through the API emits exactly it, and who receives it."""

from __future__ import annotations

from metacult import catalog
from tests.accounts import sign_up
from tests.catalog.fake_providers import tmdb_film
from tests.helpers import eventually
from tests.outbox import emitted, receivers


async def _import(client, admin) -> dict:
    response = await client.post(
        "/api/v1/admin/imports",
        json={"provider": "tmdb", "kind": "film"},
        headers=admin.headers,
    )
    assert response.status == 202, await response.text()
    started = await response.json()

    async def finished() -> dict | None:
        reply = await client.get(f"/api/v1/admin/imports/{started['id']}", headers=admin.headers)
        state = await reply.json()
        return state if state["status"] == "finished" else None

    return await eventually(finished, within=30)


async def _media_id(db, tmdb_id: int) -> int:
    return await db.fetchval("SELECT id FROM media WHERE tmdb_id = $1", tmdb_id)


async def test_an_admin_import_emits_import_requested(client, db, worker, providers) -> None:
    admin = await sign_up(client, role="admin")

    started = await _import(client, admin)

    assert await emitted(db, catalog.IMPORT_REQUESTED, import_id=started["id"]) == [
        {"import_id": started["id"], "provider": "tmdb", "kind": "film"}
    ]
    assert receivers(catalog.IMPORT_REQUESTED) == {"begin_import"}


async def test_an_imported_title_emits_media_imported(client, db, worker, providers) -> None:
    film = tmdb_film()
    providers.films[film["id"]] = film
    admin = await sign_up(client, role="admin")

    await _import(client, admin)

    media_id = await _media_id(db, film["id"])
    assert await emitted(db, catalog.MEDIA_IMPORTED, media_id=media_id) == [
        {"media_id": media_id, "kind": "film"}
    ]
    assert receivers(catalog.MEDIA_IMPORTED) == set()


async def test_a_changed_title_emits_media_updated(client, db, worker, providers) -> None:
    film = tmdb_film()
    providers.films[film["id"]] = film
    admin = await sign_up(client, role="admin")
    await _import(client, admin)
    film["runtime"] += 7

    await _import(client, admin)

    media_id = await _media_id(db, film["id"])
    assert await emitted(db, catalog.MEDIA_UPDATED, media_id=media_id) == [
        {"media_id": media_id, "kind": "film"}
    ]
    assert receivers(catalog.MEDIA_UPDATED) == set()
