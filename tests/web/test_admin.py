"""The admin pages in a browser: live tiles that move when someone else arrives, an import
whose state moves live, the back-office sections; a gamer gets the forbidden page."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from urllib.parse import urlsplit

import pytest_asyncio
from aiohttp import web
from playwright.async_api import expect

from tests.catalog import conftest as catalog_fixtures
from tests.catalog.fake_providers import provider_app, tmdb_film
from tests.web.conftest import check_accessibility, screenshot, signed_up

LIVE = 20_000


@pytest_asyncio.fixture(loop_scope="session")
async def tmdb(providers_url: str):
    """The fake TMDB on the port the stack's settings point to, with the catalogue tests'
    state; when their server already listens there (the same run), that one serves."""
    state = catalog_fixtures._STATE
    runner = web.AppRunner(provider_app(state))
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", urlsplit(providers_url).port)
        await site.start()
    except OSError:
        pass  # the catalogue tests' server, on the same state
    try:
        yield state
    finally:
        await runner.cleanup()


async def _admin(context, stack, name: str = "Ada") -> dict:
    """A new account in ``context``, made an administrator as ``create-admin`` does."""
    account = await signed_up(context, stack, name)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "metacult", "create-admin", account["email"],
        env={**os.environ, **stack.env}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode(errors="replace")
    return account


async def test_a_gamer_gets_the_forbidden_page_and_a_visitor_the_sign_in_page(new_context, stack):
    gamer_context = await new_context()
    await signed_up(gamer_context, stack, "Gus")
    gamer = await gamer_context.new_page()
    await gamer.goto("/admin")
    await expect(gamer.get_by_role("heading", name="You may not see this page")).to_be_visible()
    await expect(gamer.get_by_role("link", name="Admin")).to_have_count(0)
    await screenshot(gamer, "admin-forbidden")
    await check_accessibility(gamer)

    visitor = await (await new_context()).new_page()
    await visitor.goto("/admin/users")
    await expect(visitor).to_have_url(re.compile(r"/signin\?next="))


async def test_an_admin_sees_live_figures_move_and_an_import_run(new_context, stack, tmdb):
    films = [tmdb_film(popularity=100.0 - i) for i in range(40)]
    tmdb.films.update({film["id"]: film for film in films})
    admin_context = await new_context()
    await _admin(admin_context, stack)
    admin = await admin_context.new_page()
    await admin.goto("/admin")
    await expect(admin.get_by_role("heading", name="Live dashboard")).to_be_visible()
    connections = admin.locator("[data-tile=connections] .admin-tile-value")
    await expect(connections).to_have_text(re.compile(r"[1-9]"), timeout=LIVE)
    await admin.evaluate("() => { window.notReloaded = true; }")
    before = int((await connections.text_content()).replace(",", ""))

    # Someone else opens a title page (a websocket) and votes in a duel: the tiles move.
    other_context = await new_context()
    await signed_up(other_context, stack, "Vic")
    other = await other_context.new_page()
    await other.goto("/titles/the-last-of-us")
    await expect(other.locator(".live-dot")).to_have_attribute("data-live", "live", timeout=LIVE)
    await expect(connections).not_to_have_text(str(before), timeout=LIVE)
    await other.goto("/duel")
    arena = other.locator(".arena")
    await expect(arena).to_have_attribute("data-duel", re.compile(r"\d"), timeout=LIVE)
    duel = await arena.get_attribute("data-duel")
    await other.keyboard.press("ArrowLeft")
    await expect(arena).not_to_have_attribute("data-duel", duel, timeout=LIVE)
    await expect(admin.locator("[data-tile=votes] .admin-tile-value")).to_have_text(
        re.compile(r"[1-9]"), timeout=LIVE
    )
    await expect(admin.locator(".admin-chart polyline").first).to_have_attribute(
        "points", re.compile(r"\S+ \S+"), timeout=LIVE
    )
    # The live ad counters, published by the ad event actor every few seconds.
    await expect(admin.get_by_role("heading", name="Ads, live")).to_be_visible(timeout=LIVE)
    await expect(admin.locator("[data-tile=ad_impressions_today] .admin-tile-value")).to_have_text(
        re.compile(r"\d")
    )
    assert await admin.evaluate("() => window.notReloaded === true")
    await screenshot(admin, "admin-dashboard")
    await check_accessibility(admin)

    # An import of two pages of films: its progress arrives live on admin:dashboard.
    await admin.get_by_role("link", name="Catalogue imports").click()
    await expect(admin.get_by_role("heading", name="Catalogue imports")).to_be_visible()
    await admin.get_by_label("Pages").fill("2")
    await admin.get_by_role("button", name="Start the import").click()
    row = admin.locator("tr[data-import]").first
    await expect(row).to_be_visible()
    await expect(row).to_have_attribute("data-status", "finished", timeout=LIVE)
    await expect(row).to_contain_text("2 / 2")
    await expect(row).to_contain_text("40 new")
    assert await admin.evaluate("() => window.notReloaded === true")
    await screenshot(admin, "admin-imports")
    await check_accessibility(admin)

    # The other sections answer, in both languages.
    await admin.get_by_role("link", name="Users").click()
    await admin.get_by_label("Email or name").fill("Vic")
    await admin.get_by_role("button", name="Find").click()
    await expect(admin.locator("tr[data-user]")).to_have_count(1)
    await admin.get_by_role("button", name="Make admin").click()
    await expect(admin.locator("tr[data-user]")).to_contain_text("Administrator")
    await screenshot(admin, "admin-users")
    await check_accessibility(admin)
    await admin.get_by_role("link", name="Review moderation").click()
    await expect(admin.get_by_role("heading", name="Review moderation")).to_be_visible()
    await check_accessibility(admin)
    await admin.get_by_role("link", name="Leaderboard audit").click()
    await expect(admin.get_by_text("No audit has run yet")).to_be_visible()
    await admin.get_by_label("Language").select_option("fr")
    await expect(admin.get_by_role("heading", name="Audit des classements")).to_be_visible()
    await screenshot(admin, "admin-audit-fr")
    await check_accessibility(admin)


async def test_an_admin_creates_a_campaign_sees_it_serve_in_a_feed_and_pauses_it(
    new_context, stack
):
    admin_context = await new_context()
    await _admin(admin_context, stack, "Cam")
    admin = await admin_context.new_page()
    await admin.goto("/admin/campaigns")
    await expect(admin.get_by_role("heading", name="Ad campaigns")).to_be_visible()

    await admin.get_by_label("Advertiser").fill("Acme Games")
    await admin.get_by_label("Title", exact=True).fill("Play Acme Quest")
    await admin.get_by_label("Button label").fill("Play now")
    await admin.get_by_label("Link (http or https)").fill("javascript:alert(1)")
    await admin.get_by_label("Total budget (cents)").fill("50")
    await admin.get_by_role("button", name="Create the campaign").click()
    # The API's 422 field errors, next to their fields: the link first, then the budget.
    link = admin.get_by_label("Link (http or https)")
    await expect(link).to_have_attribute("aria-invalid", "true")
    await expect(admin.locator(".field.has-error")).to_have_count(1)
    await link.fill("https://acme.example/quest")
    await admin.get_by_role("button", name="Create the campaign").click()
    budget = admin.get_by_label("Total budget (cents)")
    await expect(budget).to_have_attribute("aria-invalid", "true")
    await expect(link).not_to_have_attribute("aria-invalid", "true")
    await screenshot(admin, "admin-campaigns-errors")

    await budget.fill("100000")
    await admin.get_by_role("button", name="Create the campaign").click()
    row = admin.locator("tr[data-campaign]").first
    await expect(row).to_have_attribute("data-status", "active")
    await expect(admin.locator(".field.has-error")).to_have_count(0)

    # A gamer's feed serves it, marked sponsored.
    gamer_context = await new_context()
    await signed_up(gamer_context, stack, "Gus")
    gamer = await gamer_context.new_page()
    await gamer.goto("/")
    # Favourite genres give a new account a feed (its pages carry the native slots).
    status = await gamer.evaluate(
        """async () => (await fetch("/api/v1/me", { method: "PATCH", credentials: "same-origin",
            headers: { "Content-Type": "application/json", Accept: "application/json" },
            body: JSON.stringify({ favourite_genres: ["drama", "crime"] }) })).status"""
    )
    assert status == 200

    async def sponsored() -> list[str]:
        return await gamer.evaluate(
            """async () => {
              const reply = await fetch("/api/v1/feed?limit=20", { credentials: "same-origin" });
              const body = await reply.json();
              return (body.slots || []).filter((s) => s.content && s.content.sponsored)
                .map((s) => s.content.advertiser);
            }"""
        )

    assert "Acme Games" in await sponsored()
    # And the home feed draws it as a labelled card among the picks.
    await gamer.reload()
    card = gamer.locator(".sponsored-card").filter(has_text="Acme Games").first
    await expect(card).to_contain_text("Sponsored · Acme Games")
    await expect(card.get_by_role("link", name="Play now")).to_have_attribute(
        "rel", "sponsored noopener"
    )
    await screenshot(gamer, "feed-sponsored")

    await row.get_by_role("button", name="Pause").click()
    await expect(row).to_have_attribute("data-status", "paused")
    await expect(row.get_by_role("button", name="Resume")).to_be_visible()
    await screenshot(admin, "admin-campaigns")
    await check_accessibility(admin)
    # Paused: gone from feeds within the live campaigns' 2 s.
    await asyncio.sleep(2.5)
    assert "Acme Games" not in await sponsored()
