"""``/go/{offer_id}``: a redirect to the offer's stored URL with the store's affiliate
parameters, the click recorded through the click stream."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from metacult import commerce
from tests.accounts import sign_up
from tests.commerce.helpers import feed_entry, feed_game


async def test_go_redirects_to_the_stored_url_with_affiliate_parameters_and_counts_the_click(
    aiohttp_client, make_app, db, redis, settings, providers
) -> None:
    client = await aiohttp_client(
        make_app(commerce_affiliate=(("steam", "ref=metacult&utm_source=metacult"),))
    )
    gamer, admin = await sign_up(client), await sign_up(client, role="admin")
    media_id, igdb_id = await feed_game(db)
    providers.store_prices = [
        feed_entry(igdb_id, "steam", 9.99, url="https://steam.example/a?l=fr")
    ]
    await commerce.sync_offers(db, redis, settings, [media_id])
    [offer] = (await (await client.get(f"/api/v1/media/{media_id}/offers")).json())["items"]

    response = await client.get(
        f"/go/{offer['id']}?campaign=summer&url=https://evil.example/",
        headers={**gamer.headers, "Referer": "https://metacult.example/media/1"},
        allow_redirects=False,
    )

    assert response.status == 302
    target = urlsplit(response.headers["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "steam.example", "/a")
    assert parse_qs(target.query) == {"l": ["fr"], "ref": ["metacult"], "utm_source": ["metacult"]}
    assert await commerce.record_clicks(db, redis, settings) >= 1
    async with db.acquire() as conn:
        click = await conn.fetchrow(
            "SELECT user_id, referrer, campaign, store FROM commerce_clicks WHERE offer_id = $1",
            offer["id"],
        )
    assert dict(click) == {
        "user_id": gamer.id,
        "referrer": "https://metacult.example/media/1",
        "campaign": "summer",
        "store": "steam",
    }
    report = await client.get("/api/v1/admin/commerce/clicks", headers=admin.headers)
    assert report.status == 200
    rows = (await report.json())["items"]
    assert any(row["store"] == "steam" and row["clicks"] >= 1 for row in rows)
    assert (await client.get("/api/v1/admin/commerce/clicks", headers=gamer.headers)).status == 403


async def test_go_reads_postgresql_when_redis_does_not_hold_the_link(
    client, db, redis, settings, providers
) -> None:
    media_id, igdb_id = await feed_game(db)
    providers.store_prices = [feed_entry(igdb_id, "gog", 5)]
    await commerce.sync_offers(db, redis, settings, [media_id])
    [offer] = (await (await client.get(f"/api/v1/media/{media_id}/offers")).json())["items"]
    await redis.delete(f"{settings.redis_prefix}:commerce:link:{offer['id']}")

    response = await client.get(f"/go/{offer['id']}", allow_redirects=False)

    assert response.status == 302
    assert response.headers["Location"] == f"https://gog.example/app/{igdb_id}"
    await commerce.record_clicks(db, redis, settings)


async def test_go_to_an_unknown_offer_is_a_404_in_the_error_shape(client) -> None:
    response = await client.get("/go/999999999999", allow_redirects=False)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "offer_not_found"
