"""The gamification pages in a real browser: the XP bar in the header, a badge toast after
the action that earns it, the badges page with rarity and the live league table; each
screenshotted and checked by axe."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Page, async_playwright

from tests import random_refs
from tests.helpers import eventually, serve_process
from tests.titles import new_title

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# Rules axe must not break on our pages (serious and critical findings fail the test).
SEVERE = {"serious", "critical"}
# Findings on parts of the page other features own, reported to them rather than hidden:
# the header's account link is named "Your profile (name)" around its visible name.
NOT_OURS = {("label-content-name-mismatch", 'a[aria-label="Your profile (')}


async def accessibility_violations(page: Page, base_url: str) -> list[dict]:
    """axe-core's serious and critical findings on the page as it stands."""
    await page.add_script_tag(url=f"{base_url}/static/vendor/axe-core/axe.min.js")
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in SEVERE:
            continue
        nodes = [
            node["target"]
            for node in violation["nodes"]
            if not any(
                violation["id"] == rule and node["target"][0].startswith(prefix)
                for rule, prefix in NOT_OURS
            )
        ]
        if nodes:
            found.append({"id": violation["id"], "nodes": nodes})
    return found


async def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"gamification-{name}.png"), full_page=True)


async def test_a_player_sees_their_level_a_badge_toast_badges_and_their_league(db, worker) -> None:
    media = await new_title(db)
    email, password = random_refs.email("browser"), f"pw-{random_refs.suffix()}-Secret!"
    async with serve_process() as server, aiohttp.ClientSession() as http:
        async with http.post(
            f"{server.url}/api/v1/auth/signup",
            json={"email": email, "password": password, "display_name": "Browser Player"},
        ) as response:
            assert response.status == 201, await response.text()
            user_id = (await response.json())["id"]

        async def early_adopter() -> bool:
            return bool(
                await db.fetchval(
                    "SELECT 1 FROM gamification_badges WHERE user_id = $1"
                    " AND badge_id = 'early_adopter'",
                    user_id,
                )
            )

        await eventually(early_adopter)

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                context = await browser.new_context(locale="en-GB")
                origin = {"Origin": server.url}
                signed_in = await context.request.post(
                    f"{server.url}/api/v1/auth/login",
                    data={"email": email, "password": password},
                    headers=origin,
                )
                assert signed_in.ok, await signed_in.text()
                page = await context.new_page()

                await page.goto(f"{server.url}/badges")
                await page.wait_for_selector("html[data-ready=true]")
                meter = page.locator(".app-header [data-testid=xp-meter]")
                await meter.wait_for()
                assert "1" in await meter.locator(".xp-level").inner_text()
                await page.locator("[data-badge=early_adopter]").wait_for()
                # The live connection is up before the action, so its message is seen.
                await page.locator(".live-live").wait_for(timeout=15_000)

                rated = await context.request.put(
                    f"{server.url}/api/v1/media/{media}/rating",
                    data={"rating": 4.5},
                    headers=origin,
                )
                assert rated.ok, await rated.text()

                toast = page.locator(".toast", has_text="Badge earned: First star")
                await toast.wait_for(timeout=15_000)
                await shoot(page, "badge-toast")
                assert await accessibility_violations(page, server.url) == []

                await page.locator("[data-badge=first_rating].earned").wait_for()
                rarity = await page.locator("[data-badge=first_rating] .badge-rarity").inner_text()
                assert "%" in rarity or rarity == ""
                await shoot(page, "badges")

                await page.goto(f"{server.url}/league")
                row = page.locator(f".league-table tr[data-user='{user_id}']")
                await row.wait_for(timeout=15_000)
                assert "Browser Player" in await row.inner_text()
                await shoot(page, "league")
                assert await accessibility_violations(page, server.url) == []

                # French messages too.
                await page.evaluate("localStorage.setItem('metacult.language', 'fr')")
                await page.goto(f"{server.url}/badges")
                await page.wait_for_selector("html[data-ready=true]")
                await page.get_by_role("heading", name="Badges").wait_for()
                assert "Niv." in await meter.locator(".xp-level").inner_text()
                await shoot(page, "badges-fr")
            finally:
                await browser.close()
    await asyncio.sleep(0)
