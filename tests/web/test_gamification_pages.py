"""The gamification pages in a real browser: the XP bar in the header, a badge toast after
the rating that earns it, the badges page with rarity, the live league table and the
progress on the profile; each screenshotted and checked by axe-core."""

from __future__ import annotations

from playwright.async_api import expect

from tests import random_refs
from tests.web.conftest import check_accessibility, screenshot

LIVE = 20_000  # ms: an action through the worker and the live channel


async def test_a_player_sees_a_badge_toast_their_level_badges_league_and_progress(
    new_context,
) -> None:
    context = await new_context()
    email, password = random_refs.email("player"), f"pw-{random_refs.suffix()}-Secret!"
    signed_up = await context.request.post(
        "/api/v1/auth/signup",
        data={"email": email, "password": password, "display_name": "Badge Hunter"},
    )
    assert signed_up.ok, await signed_up.text()
    user_id = (await signed_up.json())["id"]
    page = await context.new_page()
    await page.goto("/signin")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    origin = {"Origin": page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2]}

    # The badges page, signed in: the header shows the level once sign-up's XP is in.
    await page.goto("/badges")
    await expect(page.get_by_role("heading", name="Badges", level=1)).to_be_visible()
    await expect(page.locator("[data-badge=early_adopter]")).to_be_visible()
    await expect(page.locator(".live-live")).to_be_visible(timeout=LIVE)
    films = await (await context.request.get("/api/v1/media?kind=film&limit=1")).json()
    media = films["items"][0]
    # Someone else watches the player's league: their row moves without a reload.
    league = (await (await context.request.get("/api/v1/me/progress")).json())["league"]
    watcher = await (await new_context()).new_page()
    await watcher.goto(f"/leagues/{league['id']}")
    watched = watcher.locator(f".league-table tr[data-user='{user_id}']")
    await expect(watched).to_be_visible()
    await watcher.evaluate("() => { window.notReloaded = true; }")
    before = await watched.locator("td.xp").inner_text()

    rated = await context.request.put(
        f"/api/v1/media/{media['id']}/rating", data={"rating": 4.5}, headers=origin
    )
    assert rated.ok, await rated.text()

    await expect(page.locator(".toast", has_text="Badge earned: First star")).to_be_visible(
        timeout=LIVE
    )
    await expect(page.locator("[data-badge=first_rating].earned")).to_be_visible()
    # Badge icons are drawn as SVG, not emoji (which headless browsers show as empty boxes).
    toast_icon = page.locator(".toast svg.badge-icon[data-icon=star]")
    await expect(toast_icon).to_be_visible()
    assert (await toast_icon.bounding_box())["width"] >= 16
    assert await toast_icon.locator("path").count() >= 1
    tile_icon = page.locator("[data-badge=first_rating] svg.badge-icon[data-icon=star]")
    await expect(tile_icon).to_be_visible()
    await expect(page.locator("[data-badge=early_adopter] svg.badge-icon")).to_have_attribute(
        "data-icon", "sprout"
    )
    await expect(watched.locator("td.xp")).not_to_have_text(before, timeout=LIVE)
    assert await watcher.evaluate("() => window.notReloaded === true")
    await screenshot(watcher, "league-live")
    meter = page.locator(".app-header [data-testid=xp-meter]")
    await expect(meter.locator(".xp-level")).to_have_text("Lv 1")
    await screenshot(page, "badge-toast")
    await check_accessibility(page)

    # This week's league, with the player in its table.
    await page.goto("/league")
    row = page.locator(f".league-table tr[data-user='{user_id}']")
    await expect(row).to_contain_text("Badge Hunter", timeout=LIVE)
    await screenshot(page, "league")
    await check_accessibility(page)

    # The profile: level, XP bar, streak and badges.
    await page.goto(f"/users/{user_id}")
    progress = page.locator(".player-progress")
    await expect(progress.locator("[data-testid=streak]")).to_have_text("1 day")
    await expect(progress.locator("[data-badge=first_rating]")).to_be_visible()
    await screenshot(page, "profile-progress")
    await check_accessibility(page)

    # The same in French.
    await page.evaluate("() => localStorage.setItem('metacult.language', 'fr')")
    await page.goto("/badges")
    await expect(page.get_by_role("heading", name="Badges", level=1)).to_be_visible()
    await expect(meter.locator(".xp-level")).to_have_text("Niv. 1")
    await screenshot(page, "badges-fr")
