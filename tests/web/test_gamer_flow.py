"""A gamer's whole visit, in real browser contexts: sign up, onboarding, a search with a
typo, like and rate while another context sees the counters move, five duels with the
keyboard while a leaderboard open elsewhere moves, then export and delete the account.
Each main page is screenshotted at both sizes and checked with axe-core."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.async_api import expect

from tests import random_refs
from tests.web.conftest import check_accessibility, screenshot

TITLE = "The Legend of Zelda: Breath of the Wild"
LIVE = 20_000  # ms: a change through the worker and the live channel


async def test_a_gamer_signs_up_acts_live_duels_and_leaves(new_context):
    gamer = await (await new_context()).new_page()
    watcher = await (await new_context()).new_page()

    # Home, anonymous.
    await gamer.goto("/")
    await expect(gamer.get_by_role("heading", name="Popular games")).to_be_visible()
    await screenshot(gamer, "home")
    await check_accessibility(gamer)

    # Sign up: a bad password is refused beside its field, then a good one goes through.
    await gamer.get_by_role("link", name="Sign up").first.click()
    await gamer.get_by_label("Display name").fill("Link")
    email = random_refs.email("web")
    await gamer.get_by_label("Email").fill(email)
    await gamer.get_by_label("Password").fill("short")
    await gamer.get_by_role("button", name="Create my account").click()
    await expect(gamer.locator(".field-error")).to_be_visible()
    await screenshot(gamer, "signup")
    await check_accessibility(gamer)
    await gamer.get_by_label("Password").fill("a long and fine password 42")
    await gamer.get_by_role("button", name="Create my account").click()

    # Onboarding: two genres, one platform.
    await expect(gamer).to_have_url(re.compile(r"/onboarding$"))
    genres = gamer.get_by_role("group", name="Favourite genres").get_by_role("button")
    await expect(genres.first).to_be_visible()
    await genres.nth(0).click()
    await genres.nth(1).click()
    await gamer.get_by_role("group", name="Your platforms").get_by_role("button").first.click()
    await expect(genres.nth(0)).to_have_attribute("aria-pressed", "true")
    await screenshot(gamer, "onboarding")
    await check_accessibility(gamer)
    await gamer.get_by_role("button", name="Save and start").click()

    # Search with a typo.
    await expect(gamer).to_have_url(re.compile(r"/browse$"))
    await gamer.get_by_label("Search titles").press_sequentially("zelad brath", delay=40)
    # Only the matching title is left (the popular list shown before the search has more).
    await expect(gamer.locator(".card")).to_have_count(1)
    card = gamer.get_by_role("link", name=TITLE)
    await expect(card).to_be_visible()
    await screenshot(gamer, "browse")
    await check_accessibility(gamer)
    await card.click()
    await expect(gamer.get_by_role("heading", name=TITLE, level=1)).to_be_visible()

    # Another person watches the same title; the counters move for them without reload.
    await watcher.goto(gamer.url)
    await expect(watcher.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    await watcher.evaluate("() => { window.notReloaded = true; }")
    likes = watcher.locator("[data-counter=likes] strong")
    ratings = watcher.locator("[data-counter=ratings] strong")
    await expect(likes).to_have_text("0")
    await gamer.get_by_role("button", name="Like", exact=True).click()
    liked = gamer.get_by_role("button", name="Liked", exact=True)
    await expect(liked).to_have_attribute("aria-pressed", "true")
    await expect(likes).to_have_text("1", timeout=LIVE)
    await gamer.get_by_role("button", name="Rate 4 stars", exact=True).click()
    await expect(ratings).to_have_text("1", timeout=LIVE)
    await expect(watcher.locator("[data-counter=average] strong")).to_have_text("4★")
    await expect(gamer.locator(".watching")).to_have_text(re.compile(r"2 people"), timeout=LIVE)
    assert await watcher.evaluate("() => window.notReloaded === true")
    await screenshot(gamer, "title")
    await check_accessibility(gamer)

    # The watcher opens the games' leaderboard; the gamer votes five duels by keyboard.
    await watcher.goto("/leaderboards/kind:game")
    await expect(watcher.get_by_role("heading", name="Leaderboards")).to_be_visible()
    await watcher.evaluate("() => { window.notReloaded = true; }")
    rows = watcher.locator(".board-row")
    before = await rows.count()
    await gamer.get_by_role("link", name="Duels").click()
    arena = gamer.locator(".arena")
    await expect(arena).to_be_visible()
    await screenshot(gamer, "duel")
    await check_accessibility(gamer)
    for vote in range(1, 6):
        duel = await arena.get_attribute("data-duel")
        await gamer.keyboard.press("ArrowLeft" if vote % 2 else "ArrowRight")
        await expect(gamer.locator(".tally")).to_have_attribute("data-tally", str(vote))
        await expect(arena).not_to_have_attribute("data-duel", duel)
    # The voted titles enter (or move on) the board the watcher has open.
    await expect(rows).not_to_have_count(before, timeout=LIVE)
    assert await watcher.evaluate("() => window.notReloaded === true")
    await screenshot(watcher, "leaderboards")
    await check_accessibility(watcher)

    # Own profile.
    await gamer.locator(".account").get_by_role("link", name="Link", exact=True).click()
    await expect(gamer.get_by_role("heading", name="Link", level=1)).to_be_visible()
    await expect(gamer.get_by_role("heading", name="Recent activity")).to_be_visible()
    await expect(gamer.locator(".activity li").first).to_be_visible()
    await screenshot(gamer, "profile")
    await check_accessibility(gamer)

    # Settings: export my data, then delete the account.
    await gamer.get_by_role("link", name="Settings").click()
    await expect(gamer.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    await screenshot(gamer, "settings")
    await check_accessibility(gamer)
    async with gamer.expect_download() as download_info:
        await gamer.get_by_role("button", name="Download my data").click()
    download = await download_info.value
    exported = json.loads(Path(await download.path()).read_text(encoding="utf-8"))  # noqa: ASYNC240
    assert email in json.dumps(exported)
    await gamer.get_by_role("button", name="Delete my account").click()
    await gamer.get_by_role("dialog").get_by_role("button", name="Yes, delete my account").click()
    await expect(gamer.get_by_role("link", name="Sign in")).to_be_visible()
    response = await gamer.request.get("/api/v1/me")
    assert response.status == 401
