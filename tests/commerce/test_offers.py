"""Offers of a title: synced from the store feed and TMDB's watch providers (local servers),
kept with their price history, listed cheapest first with the best deal flagged."""

from __future__ import annotations

from metacult import commerce
from tests.catalog import fake_providers
from tests.commerce.helpers import feed_entry, feed_game
from tests.titles import new_title


async def offers(client, media_id: int) -> dict:
    response = await client.get(f"/api/v1/media/{media_id}/offers")
    assert response.status == 200, await response.text()
    return await response.json()


async def test_game_offers_come_from_the_store_feed_cheapest_first(
    client, db, redis, settings, providers
) -> None:
    media_id, igdb_id = await feed_game(db)
    providers.store_prices = [
        feed_entry(igdb_id, "steam", 29.99),
        feed_entry(igdb_id, "gog", 24.99, discount_percent=20),
        feed_entry(igdb_id + 1, "steam", 1.0),
    ]

    report = await commerce.sync_offers(db, redis, settings, [media_id])

    assert (report.titles, report.offers, report.drops) == (1, 2, [])
    page = await offers(client, media_id)
    assert [(o["store"], o["price"], o["best_deal"]) for o in page["items"]] == [
        ("gog", 24.99, True),
        ("steam", 29.99, False),
    ]
    best = page["items"][0]
    assert page["best_offer_id"] == best["id"]
    assert (best["currency"], best["region"], best["discount_percent"]) == ("EUR", "FR", 20)
    assert best["available"] is True and best["go_url"] == f"/go/{best['id']}"


async def test_each_price_change_is_kept_and_an_unlisted_offer_is_unavailable(
    client, db, redis, settings, providers
) -> None:
    media_id, igdb_id = await feed_game(db)
    providers.store_prices = [feed_entry(igdb_id, "steam", 30), feed_entry(igdb_id, "gog", 25)]
    await commerce.sync_offers(db, redis, settings, [media_id])
    await commerce.sync_offers(db, redis, settings, [media_id])  # unchanged: no new point
    providers.store_prices = [feed_entry(igdb_id, "steam", 20, discount_percent=33)]

    report = await commerce.sync_offers(db, redis, settings, [media_id])

    [drop] = report.drops
    assert drop.store == "steam"
    page = await offers(client, media_id)
    steam, gog = page["items"]
    assert (steam["store"], steam["price"], steam["available"]) == ("steam", 20.0, True)
    assert (gog["store"], gog["available"]) == ("gog", False)
    assert page["best_offer_id"] == steam["id"]
    history = await (await client.get(f"/api/v1/offers/{steam['id']}/history")).json()
    points = [(p["price"], p["discount_percent"]) for p in history["items"]]
    assert points == [(30.0, 0), (20.0, 33)]


async def test_film_offers_come_from_tmdb_watch_providers_of_the_region(
    client, db, redis, settings, providers
) -> None:
    tmdb_id = fake_providers.new_id()
    media_id = await new_title(db, kind="film", tmdb_id=tmdb_id)
    link = f"https://www.themoviedb.org/movie/{tmdb_id}/watch?locale=US"
    providers.watch_providers[("movie", tmdb_id)] = {
        "results": {
            "US": {
                "link": link,
                "flatrate": [{"provider_id": 8, "provider_name": "Netflix", "logo_path": "/n"}],
                "rent": [{"provider_id": 2, "provider_name": "Apple TV", "logo_path": "/a"}],
            },
            "FR": {"link": link, "buy": [{"provider_id": 3, "provider_name": "Canal"}]},
        }
    }

    await commerce.sync_offers(db, redis, settings, [media_id])

    page = await offers(client, media_id)
    assert sorted((o["store"], o["offer_type"], o["region"]) for o in page["items"]) == [
        ("Apple TV", "rent", "US"),
        ("Netflix", "stream", "US"),
    ]
    assert page["best_offer_id"] is None  # TMDB gives no prices
    assert any(path.endswith("/watch/providers") for _, _, path, _ in providers.requests)


async def test_a_failing_source_leaves_the_offers_as_they_were(
    client, db, redis, settings, providers
) -> None:
    media_id, igdb_id = await feed_game(db)
    providers.store_prices = [feed_entry(igdb_id, "steam", 30)]
    await commerce.sync_offers(db, redis, settings, [media_id])
    providers.fail("/store/prices.json", 503)

    report = await commerce.sync_offers(db, redis, settings, [media_id])

    assert report.failures == 1
    [offer] = (await offers(client, media_id))["items"]
    assert (offer["price"], offer["available"]) == (30.0, True)


async def test_offers_of_an_unknown_title_are_a_404(client) -> None:
    response = await client.get("/api/v1/media/999999999999/offers")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "media_not_found"
