"""The discovery pages in a real browser: the feed as the signed-in home (dismiss, a live
"new items" bar), trending, similar titles on a title's page, the year in review; with
screenshots at phone and desktop widths and the axe check on each page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright import async_api as playwright_api

from metacult.discovery import service
from metacult.typedefs import DB, REDIS, SETTINGS
from tests.helpers import eventually, free_port
from tests.titles import new_titles

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}


@pytest.fixture
async def server(aiohttp_server, make_app):
    port = free_port()
    app = make_app(public_url=f"http://127.0.0.1:{port}")
    return await aiohttp_server(app, port=port)


async def _account(http, base: str, name: str) -> dict:
    from tests import random_refs

    email, password = random_refs.email("web"), f"pw-{random_refs.suffix()}-Secret!"
    async with http.post(
        f"{base}/api/v1/auth/signup",
        json={"email": email, "password": password, "display_name": name},
    ) as response:
        assert response.status == 201, await response.text()
        user_id = (await response.json())["id"]
    async with http.post(
        f"{base}/api/v1/auth/token",
        json={"grant_type": "password", "email": email, "password": password},
    ) as response:
        token = (await response.json())["access_token"]
    return {
        "id": user_id,
        "email": email,
        "password": password,
        "headers": {"Authorization": f"Bearer {token}"},
    }


async def _axe(page) -> list[dict]:
    await page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    # The page's own content; the shared header is the web app's tests' to check.
    result = await page.evaluate(
        "async () => (await axe.run(document.querySelector('main') || document)).violations"
    )
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    for violation in serious:
        print("AXE", violation["id"], [node["html"][:200] for node in violation["nodes"]][:5])
    return serious


async def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in WIDTHS.items():
        await page.set_viewport_size({"width": width, "height": height})
        await page.screenshot(path=str(SHOTS / f"discovery-{name}-{label}.png"), full_page=True)


async def test_the_feed_dismisses_and_announces_new_items_live(server, db, worker) -> None:
    import aiohttp

    base = str(server.make_url("")).rstrip("/")
    app = server.app
    titles = await new_titles(db, 12, kind="film", genres=("western",), name="Frontier")
    reviewed = (await new_titles(db, 1, kind="series", genres=("drama",), name="Slow Burn"))[0]
    async with aiohttp.ClientSession() as http:
        reader = await _account(http, base, "Reader")
        critic = await _account(http, base, "Critic")
        async with http.patch(
            f"{base}/api/v1/me", json={"favourite_genres": ["western"]}, headers=reader["headers"]
        ) as response:
            assert response.status == 200
        async with http.put(
            f"{base}/api/v1/users/{critic['id']}/follow", headers=reader["headers"]
        ) as response:
            assert response.status < 300

        async def synced() -> bool:
            async with db.acquire() as conn:
                return bool(
                    await conn.fetchval(
                        "SELECT 1 FROM discovery_follows WHERE follower_id = $1", reader["id"]
                    )
                )

        await eventually(synced)

        async with playwright_api.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            context = await browser.new_context(base_url=base)
            response = await context.request.post(
                "/api/v1/auth/login",
                data={"email": reader["email"], "password": reader["password"]},
            )
            assert response.ok, await response.text()
            page = await context.new_page()
            await page.goto("/")
            first = page.locator(".feed-item").first
            await first.wait_for()
            # A cold start from the favourite genre: this test's westerns are on the page
            # (beside titles that earlier tests on the same stack made popular).
            shown = await page.locator(".feed-item").evaluate_all(
                "items => items.map(i => Number(i.dataset.item))"
            )
            assert set(shown) & set(titles), shown
            assert await _axe(page) == []
            await _shoot(page, "feed")

            # "Not interested": the item goes, and stays gone on the next load.
            dismissed = int(await first.get_attribute("data-item"))
            await first.get_by_role("button").click()
            await page.locator(f'.feed-item[data-item="{dismissed}"]').wait_for(state="detached")

            async def stored() -> bool:
                async with db.acquire() as conn:
                    return bool(
                        await conn.fetchval(
                            "SELECT 1 FROM discovery_dismissals"
                            " WHERE user_id = $1 AND media_id = $2",
                            reader["id"],
                            dismissed,
                        )
                    )

            await eventually(stored)

            # The critic reviews a title: the reader's page says so live, without moving.
            before = await page.locator(".feed-item").evaluate_all(
                "items => items.map(i => i.dataset.item)"
            )
            async with http.post(
                f"{base}/api/v1/media/{reviewed}/reviews",
                json={"body": "Worth every minute."},
                headers=critic["headers"],
            ) as response:
                assert response.status == 201
            bar = page.locator(".news-bar")
            await bar.wait_for()
            assert "1" in await bar.inner_text()
            after = await page.locator(".feed-item").evaluate_all(
                "items => items.map(i => i.dataset.item)"
            )
            assert after == before
            await _shoot(page, "feed-news")
            await bar.click()
            await page.locator(f'.feed-item[data-item="{reviewed}"]').wait_for()
            assert str(dismissed) not in await page.locator(".feed-item").evaluate_all(
                "items => items.map(i => i.dataset.item)"
            )

            # Trending, a title's similar titles, the year in review.
            await service.refresh_all_neighbours(app[DB], app[REDIS], app[SETTINGS])
            await page.goto("/trending?window=week")
            await page.get_by_role("heading", level=1).wait_for()
            assert await _axe(page) == []
            await _shoot(page, "trending")
            await page.goto(f"/users/{reader['id']}/year/2026")
            await page.locator(".year-totals").wait_for()
            assert await _axe(page) == []
            await _shoot(page, "year")
            await browser.close()
