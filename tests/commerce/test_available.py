""" "Available on your service": a user chooses their services among the stores commerce
knows; a sync that makes a title they want available on one of them (it was not before)
tells them on ``user:{id}`` and in the inbox, once per title per day, unless switched off."""

from __future__ import annotations

import asyncio

from metacult import commerce
from tests.accounts import sign_up
from tests.catalog import fake_providers
from tests.channels import published
from tests.commerce.helpers import feed_entry, feed_game, set_status
from tests.helpers import eventually
from tests.realtime.live import Live
from tests.titles import new_title


async def told(redis, settings, user_id: int) -> list[dict]:
    messages = await published(redis, settings, f"user:{user_id}")
    return [m for m in messages if m["type"] == "commerce.available"]


def providers_answer(tmdb_id: int, region: str, *names: str) -> dict:
    return {
        "results": {
            region: {
                "link": f"https://www.themoviedb.org/movie/{tmdb_id}/watch?locale={region}",
                "flatrate": [
                    {"provider_id": i, "provider_name": name} for i, name in enumerate(names)
                ],
            }
        }
    }


async def choose(client, account, *stores: str):
    return await client.put(
        "/api/v1/me/services", json={"stores": list(stores)}, headers=account.headers
    )


async def test_a_watchlisted_film_arriving_on_a_chosen_service_is_told_live_and_kept(
    client, db, redis, settings, providers, worker
) -> None:
    from workers.commerce import sync_offers

    region = settings.commerce_region
    viewer, other = await sign_up(client), await sign_up(client)
    tmdb_id = fake_providers.new_id()
    media_id = await new_title(db, kind="film", tmdb_id=tmdb_id)
    await set_status(client, viewer, media_id, "watchlist")
    await set_status(client, other, media_id, "watchlist")
    providers.watch_providers[("movie", tmdb_id)] = providers_answer(tmdb_id, region, "Hulu")
    first = await commerce.sync_offers(db, redis, settings, [media_id])
    assert first.available_alerts == 0  # nobody chose Hulu
    # Netflix becomes a known store through another title.
    elsewhere = fake_providers.new_id()
    other_film = await new_title(db, kind="film", tmdb_id=elsewhere)
    providers.watch_providers[("movie", elsewhere)] = providers_answer(elsewhere, region, "Netflix")
    await commerce.sync_offers(db, redis, settings, [other_film])
    known = await (await client.get("/api/v1/commerce/stores")).json()
    assert {"Hulu", "Netflix"} <= set(known["items"])
    chosen = await choose(client, viewer, "Netflix")
    assert (await chosen.json()) == {"stores": ["Netflix"]}
    await choose(client, other, "Hulu")
    mine = await client.get("/api/v1/me/services", headers=viewer.headers)
    assert (await mine.json()) == {"stores": ["Netflix"]}
    live = await Live.open(client, headers=viewer.headers)
    assert (await live.subscribe(f"user:{viewer.id}"))["type"] == "subscribed"

    providers.watch_providers[("movie", tmdb_id)] = providers_answer(
        tmdb_id, region, "Hulu", "Netflix"
    )
    await asyncio.to_thread(sync_offers.send, [media_id])

    frame = await live.expect("publication", within=30)
    while frame["data"]["type"] != "commerce.available":
        frame = await live.expect("publication", within=30)
    alert = frame["data"]
    assert (alert["media_id"], alert["store"], alert["offer_type"]) == (
        media_id,
        "Netflix",
        "stream",
    )
    assert alert["price"] is None

    async def kept() -> list[dict]:
        inbox = await client.get("/api/v1/me/notifications", headers=viewer.headers)
        return [n for n in (await inbox.json())["items"] if n["kind"] == "commerce.available"]

    [stored] = await eventually(kept)
    assert stored["id"] == alert["notification_id"]
    assert stored["data"]["offer_id"] == alert["offer_id"]
    # Hulu was already there: its chooser hears nothing.
    assert await told(redis, settings, other.id) == []


async def test_a_game_back_on_a_store_alerts_once_a_day_and_not_when_switched_off(
    client, db, redis, settings, providers
) -> None:
    wisher, silent, muting, elsewhere = [await sign_up(client) for _ in range(4)]
    media_id, igdb_id = await feed_game(db)
    for account in (wisher, silent, muting, elsewhere):
        await set_status(client, account, media_id, "wishlist")
    providers.store_prices = [feed_entry(igdb_id, "steam", 30), feed_entry(igdb_id, "gog", 30)]
    await commerce.sync_offers(db, redis, settings, [media_id])
    for account in (wisher, silent, muting):
        assert (await choose(client, account, "gog", "steam")).status == 200
    await choose(client, elsewhere, "steam")
    await client.put("/api/v1/me/price-alerts", json={"enabled": False}, headers=silent.headers)
    await client.put(
        f"/api/v1/media/{media_id}/price-alerts", json={"enabled": False}, headers=muting.headers
    )
    providers.store_prices = [feed_entry(igdb_id, "steam", 30)]
    gone = await commerce.sync_offers(db, redis, settings, [media_id])
    assert gone.arrivals == []

    providers.store_prices = [feed_entry(igdb_id, "steam", 30), feed_entry(igdb_id, "gog", 28)]
    back = await commerce.sync_offers(db, redis, settings, [media_id])
    providers.store_prices = [feed_entry(igdb_id, "steam", 30)]
    await commerce.sync_offers(db, redis, settings, [media_id])
    providers.store_prices = [feed_entry(igdb_id, "steam", 30), feed_entry(igdb_id, "gog", 27)]
    again = await commerce.sync_offers(db, redis, settings, [media_id])

    assert [a.store for a in back.arrivals] == ["gog"]
    assert (back.available_alerts, len(again.arrivals), again.available_alerts) == (1, 1, 0)
    [alert] = await told(redis, settings, wisher.id)
    assert (alert["store"], alert["price"], alert["currency"]) == ("gog", "28.00", "EUR")
    for account in (silent, muting, elsewhere):
        assert await told(redis, settings, account.id) == []


async def test_services_refuse_unknown_stores_and_bad_input(
    client, db, redis, settings, providers
) -> None:
    account = await sign_up(client)
    media_id, igdb_id = await feed_game(db)
    providers.store_prices = [feed_entry(igdb_id, "steam", 10)]
    await commerce.sync_offers(db, redis, settings, [media_id])
    unknown = await choose(client, account, "steam", "no-such-store")
    assert unknown.status == 422
    assert "stores" in (await unknown.json())["error"]["fields"]
    for body in ({"stores": "steam"}, {"stores": [""]}, {"stores": ["x"] * 51}, {}):
        bad = await client.put("/api/v1/me/services", json=body, headers=account.headers)
        assert bad.status == 422, body
    mine = await client.get("/api/v1/me/services", headers=account.headers)
    assert (await mine.json()) == {"stores": []}
    assert (await choose(client, account, "steam", "steam")).status == 200
    assert (await (await client.get("/api/v1/me/services", headers=account.headers)).json()) == {
        "stores": ["steam"]
    }
    assert (await client.get("/api/v1/me/services")).status == 401
