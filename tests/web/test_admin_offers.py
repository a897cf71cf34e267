"""The admin's shop offers page in a browser: offers per title and store with their price
and last seen, when the last sync ran, and the clicks per store per day."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal

from playwright.async_api import expect

from metacult import catalog, commerce
from metacult.commerce import rules
from metacult.commerce import service as commerce_service
from metacult.config import Settings
from metacult.infra.db import create_pool
from metacult.infra.redis import create_redis
from tests.web.conftest import check_accessibility, screenshot
from tests.web.test_admin import _admin


def _draft(store: str, price: str | None, offer_type: str = "buy") -> rules.OfferDraft:
    return rules.OfferDraft(
        store=store,
        offer_type=offer_type,
        region="FR",
        price=None if price is None else Decimal(price),
        currency=None if price is None else "EUR",
        discount_percent=25 if store == "gog" else 0,
        url=f"https://{store}.example/app",
        source="feed",
    )


async def test_an_admin_sees_offers_per_title_and_store_the_last_sync_and_clicks(
    new_context, stack
):
    settings = Settings.from_env({**os.environ, **stack.env})
    db, redis = await create_pool(settings), create_redis(settings)
    try:
        async with db.acquire() as conn, conn.transaction():
            media_id = await catalog.save_title(
                conn, catalog.MediaDraft(kind="game", title="Offer Quest", igdb_id=424242)
            )
        drafts = [_draft("steam", "19.99"), _draft("gog", "14.99")]
        await commerce_service.save_offers(db, redis, settings, media_id, "feed", drafts)
        await commerce.sync_offers(db, redis, settings, [])  # the time of a sync, kept
        async with db.acquire() as conn:
            offers = {
                row["store"]: row["id"]
                for row in await conn.fetch(
                    "SELECT id, store FROM commerce_offers WHERE media_id = $1", media_id
                )
            }

        admin_context = await new_context()
        await _admin(admin_context, stack, "Shopkeeper")
        for _ in range(3):
            followed = await admin_context.request.get(f"/go/{offers['gog']}", max_redirects=0)
            assert followed.status == 302
        while await commerce.record_clicks(db, redis, settings):
            pass

        admin = await admin_context.new_page()
        await admin.goto("/admin")
        await admin.get_by_role("link", name="Shop offers").click()
        await expect(admin.get_by_role("heading", name="Shop offers")).to_be_visible()
        await expect(admin.get_by_test_id("last-sync")).to_contain_text("Last offer sync")
        gog = admin.locator(f'tr[data-offer="{offers["gog"]}"]')
        await expect(gog).to_contain_text("14.99 EUR")
        await expect(gog).to_contain_text("−25 %")
        await expect(admin.locator(f'tr[data-offer="{offers["steam"]}"]')).to_contain_text(
            "19.99 EUR"
        )
        await expect(admin.get_by_role("cell", name="Offer Quest")).to_be_visible()
        today = datetime.now(UTC).date().isoformat()
        clicked = admin.locator(f'table.clicks tr[data-day="{today}"][data-store="gog"]')
        await expect(clicked.locator("td").last).to_have_text("3")
        await screenshot(admin, "admin-offers")
        await check_accessibility(admin)
    finally:
        await db.close()
        await redis.aclose()
