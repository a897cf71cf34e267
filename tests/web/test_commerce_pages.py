"""A title's offers in a real browser: cheapest first with the best deal marked, links
through the affiliate redirect, the price-alert switch; screenshots and the axe check."""

from __future__ import annotations

import aiohttp
import pytest
from playwright import async_api as playwright_api

from metacult import catalog, commerce
from tests.catalog.conftest import provider_server, providers
from tests.commerce.helpers import feed_entry, feed_game
from tests.web.test_discovery_pages import ARGS, CHROMIUM, _account, _axe, _shoot

__all__ = ["provider_server", "providers"]


@pytest.fixture
async def server(aiohttp_server, make_app):
    from tests.helpers import free_port

    port = free_port()
    app = make_app(public_url=f"http://127.0.0.1:{port}")
    return await aiohttp_server(app, port=port)


async def test_a_titles_page_shows_its_offers_and_the_best_deal(
    server, db, redis, settings, providers
) -> None:
    base = str(server.make_url("")).rstrip("/")
    media_id, igdb_id = await feed_game(db)
    providers.store_prices = [
        feed_entry(igdb_id, "steam", 29.99),
        feed_entry(igdb_id, "gog", 19.99, discount_percent=40),
    ]
    await commerce.sync_offers(db, redis, settings, [media_id])
    async with db.acquire() as conn:
        slug = (await catalog.get_media(conn, media_id)).slug
    async with aiohttp.ClientSession() as http:
        gamer = await _account(http, base, "Shopper")

    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = await browser.new_context(base_url=base)
            response = await context.request.post(
                "/api/v1/auth/login", data={"email": gamer["email"], "password": gamer["password"]}
            )
            assert response.ok, await response.text()
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(f"/titles/{slug}")
            offers = page.locator(".offer")
            await offers.first.wait_for()
            assert await offers.count() == 2
            best = page.locator(".offer.best-deal")
            assert "gog" in await best.inner_text()
            assert await offers.first.get_attribute("class") == "offer best-deal"
            href = await best.locator("a").get_attribute("href")
            assert href is not None and href.startswith("/go/")
            assert await _axe(page) == []
            await _shoot(page, "offers")

            switch = page.get_by_role("button", name="Price-drop alerts for this title")
            assert await switch.get_attribute("aria-pressed") == "true"
            await switch.click()
            await page.locator('.offers button[aria-pressed="false"]').wait_for()
            async with db.acquire() as conn:
                muted = await conn.fetchval(
                    "SELECT 1 FROM commerce_alert_mutes WHERE user_id = $1 AND media_id = $2",
                    gamer["id"],
                    media_id,
                )
            assert muted == 1
            assert errors == []
        finally:
            await browser.close()


async def test_the_settings_page_chooses_services_among_the_known_stores(
    server, db, redis, settings, providers
) -> None:
    base = str(server.make_url("")).rstrip("/")
    media_id, igdb_id = await feed_game(db)
    providers.store_prices = [feed_entry(igdb_id, "steam", 9.99), feed_entry(igdb_id, "gog", 8)]
    await commerce.sync_offers(db, redis, settings, [media_id])
    async with aiohttp.ClientSession() as http:
        gamer = await _account(http, base, "Chooser")

    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = await browser.new_context(base_url=base)
            response = await context.request.post(
                "/api/v1/auth/login", data={"email": gamer["email"], "password": gamer["password"]}
            )
            assert response.ok, await response.text()
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto("/settings")
            section = page.locator("section.services")
            steam = section.get_by_label("steam", exact=True)
            await steam.wait_for()
            assert not await steam.is_checked()
            await steam.check()
            await page.get_by_text("Saved").first.wait_for()
            mine = await context.request.get("/api/v1/me/services")
            assert (await mine.json()) == {"stores": ["steam"]}
            alerts = section.get_by_label("Price-drop and availability alerts")
            assert await alerts.is_checked()
            await alerts.uncheck()

            async def switched_off() -> bool:
                answer = await context.request.get("/api/v1/me/price-alerts")
                return (await answer.json())["enabled"] is False

            from tests.helpers import eventually

            assert await eventually(switched_off)
            await page.reload()
            await section.get_by_label("steam", exact=True).wait_for()
            assert await section.get_by_label("steam", exact=True).is_checked()
            assert not await section.get_by_label("gog", exact=True).is_checked()
            assert await _axe(page) == []
            await _shoot(page, "settings-services")
            assert errors == []
        finally:
            await browser.close()
