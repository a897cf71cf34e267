"""The admin's offers report: offers per title and store, when the last sync finished."""

from __future__ import annotations

from metacult import commerce
from tests.accounts import sign_up
from tests.commerce.helpers import feed_entry, feed_game


async def test_admin_offers_list_each_titles_offers_and_the_last_sync(
    client, db, redis, settings, providers
) -> None:
    gamer, admin = await sign_up(client), await sign_up(client, role="admin")
    media_id, igdb_id = await feed_game(db)
    providers.store_prices = [feed_entry(igdb_id, "steam", 30), feed_entry(igdb_id, "gog", 20)]
    await commerce.sync_offers(db, redis, settings, [media_id])
    providers.store_prices = [feed_entry(igdb_id, "steam", 30)]
    await commerce.sync_offers(db, redis, settings, [media_id])

    response = await client.get("/api/v1/admin/commerce/offers", headers=admin.headers)
    assert response.status == 200, await response.text()
    report = await response.json()
    assert report["last_sync"] is not None
    [title] = [item for item in report["items"] if item["media_id"] == media_id]
    assert title["kind"] == "game"
    rows = [(o["store"], o["price"], o["available"]) for o in title["offers"]]
    assert rows == [("gog", 20.0, False), ("steam", 30.0, True)]
    assert all(o["last_seen"] for o in title["offers"])
    forbidden = await client.get("/api/v1/admin/commerce/offers", headers=gamer.headers)
    assert forbidden.status == 403
    bad = await client.get("/api/v1/admin/commerce/offers?titles=0", headers=admin.headers)
    assert bad.status == 422
