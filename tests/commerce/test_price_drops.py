"""Price-drop alerts: a wanted title that gets cheaper is told live on ``user:{id}`` and kept
in the inbox, once per title per day, unless the user switched alerts off."""

from __future__ import annotations

import asyncio

from metacult import commerce
from tests.accounts import sign_up
from tests.channels import published
from tests.commerce.helpers import feed_entry, feed_game, set_status
from tests.helpers import eventually
from tests.realtime.live import Live


async def drops_told(redis, settings, user_id: int) -> list[dict]:
    messages = await published(redis, settings, f"user:{user_id}")
    return [m for m in messages if m["type"] == "commerce.price_drop"]


async def test_a_wishlisted_game_getting_cheaper_is_told_over_the_websocket_and_in_the_inbox(
    client, db, redis, settings, providers, worker
) -> None:
    from workers.commerce import sync_offers

    wisher, playing = await sign_up(client), await sign_up(client)
    media_id, igdb_id = await feed_game(db)
    await set_status(client, wisher, media_id, "wishlist")
    await set_status(client, playing, media_id, "playing")
    providers.store_prices = [feed_entry(igdb_id, "steam", 30)]
    await commerce.sync_offers(db, redis, settings, [media_id])
    live = await Live.open(client, headers=wisher.headers)
    assert (await live.subscribe(f"user:{wisher.id}"))["type"] == "subscribed"

    providers.store_prices = [feed_entry(igdb_id, "steam", 19.99, discount_percent=33)]
    await asyncio.to_thread(sync_offers.send, [media_id])

    frame = await live.expect("publication", within=30)
    while frame["data"]["type"] != "commerce.price_drop":
        frame = await live.expect("publication", within=30)
    alert = frame["data"]
    assert (alert["media_id"], alert["store"], alert["currency"]) == (media_id, "steam", "EUR")
    assert (alert["old_price"], alert["price"], alert["discount_percent"]) == ("30.00", "19.99", 33)

    async def kept() -> list[dict]:
        # Pushed just before the worker commits: the inbox shows it once committed.
        inbox = await client.get("/api/v1/me/notifications", headers=wisher.headers)
        return [n for n in (await inbox.json())["items"] if n["kind"] == "commerce.price_drop"]

    [stored] = await eventually(kept)
    assert stored["id"] == alert["notification_id"]
    assert stored["data"]["offer_id"] == alert["offer_id"]
    assert await drops_told(redis, settings, playing.id) == []


async def test_at_most_one_alert_per_title_per_day(client, db, redis, settings, providers) -> None:
    wisher = await sign_up(client)
    media_id, igdb_id = await feed_game(db)
    await set_status(client, wisher, media_id, "wishlist")
    providers.store_prices = [feed_entry(igdb_id, "steam", 30)]
    await commerce.sync_offers(db, redis, settings, [media_id])

    providers.store_prices = [feed_entry(igdb_id, "steam", 25)]
    first = await commerce.sync_offers(db, redis, settings, [media_id])
    providers.store_prices = [feed_entry(igdb_id, "steam", 20)]
    second = await commerce.sync_offers(db, redis, settings, [media_id])

    assert (first.alerts, len(second.drops), second.alerts) == (1, 1, 0)
    assert len(await drops_told(redis, settings, wisher.id)) == 1


async def test_alerts_switched_off_entirely_or_for_the_title_are_not_sent(
    client, db, redis, settings, providers
) -> None:
    silent, muting, told = await sign_up(client), await sign_up(client), await sign_up(client)
    media_id, igdb_id = await feed_game(db)
    for account in (silent, muting, told):
        await set_status(client, account, media_id, "wishlist")
    off = await client.put(
        "/api/v1/me/price-alerts", json={"enabled": False}, headers=silent.headers
    )
    assert (await off.json()) == {"enabled": False, "muted_media_ids": []}
    muted = await client.put(
        f"/api/v1/media/{media_id}/price-alerts", json={"enabled": False}, headers=muting.headers
    )
    assert (await muted.json()) == {"media_id": media_id, "enabled": False}
    choices = await client.get("/api/v1/me/price-alerts", headers=muting.headers)
    assert (await choices.json()) == {"enabled": True, "muted_media_ids": [media_id]}
    providers.store_prices = [feed_entry(igdb_id, "gog", 30)]
    await commerce.sync_offers(db, redis, settings, [media_id])

    providers.store_prices = [feed_entry(igdb_id, "gog", 10)]
    report = await commerce.sync_offers(db, redis, settings, [media_id])

    assert report.alerts == 1
    assert await drops_told(redis, settings, silent.id) == []
    assert await drops_told(redis, settings, muting.id) == []
    assert len(await drops_told(redis, settings, told.id)) == 1


async def test_alert_choices_refuse_bad_input_and_unknown_titles(client) -> None:
    account = await sign_up(client)
    bad = await client.put(
        "/api/v1/me/price-alerts", json={"enabled": "no"}, headers=account.headers
    )
    assert bad.status == 422
    assert "enabled" in (await bad.json())["error"]["fields"]
    unknown = await client.put(
        "/api/v1/media/999999999999/price-alerts", json={"enabled": False}, headers=account.headers
    )
    assert unknown.status == 404
    assert (await client.get("/api/v1/me/price-alerts")).status == 401
