"""The social pages in a real browser: one person finds another by name (with a typo) and
follows them, and the other's bell counts it live; the inbox shows it and marks it read;
a title logged from its page appears in the diary; a list made from a title's page shows
the title and the viewer's progress; the library has the title on its status's tab;
privacy settings are saved per section; a block is lifted from the settings."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests import random_refs
from tests.web.conftest import check_accessibility, screenshot, signed_up

SLUG = "/titles/the-last-of-us"
LIVE = 20_000


async def _quiet(page) -> None:
    """Closes the toasts (XP, badges) that would cover the page in its screenshots."""
    await page.evaluate("() => document.querySelectorAll('.toast-close').forEach((b) => b.click())")
    await page.wait_for_timeout(400)  # their leaving animation, so that axe sees them gone


async def test_the_bell_inbox_diary_lists_library_and_privacy(new_context, stack):
    surname = f"Quarrington{random_refs.suffix()[:4].lower()}"
    followed_context = await new_context()
    followed = await signed_up(followed_context, stack, f"Ines {surname}")
    fan_context = await new_context()
    await signed_up(fan_context, stack, "Jonas")
    ines = await followed_context.new_page()
    fan = await fan_context.new_page()

    await ines.goto("/")
    bell = ines.locator(".bell")
    await expect(bell).to_have_attribute("data-unread", "0")
    await ines.evaluate("() => { window.notReloaded = true; }")

    # People search forgives a typo (one letter missing); the profile follows.
    await fan.goto("/")
    await expect(fan.locator("main h1")).to_be_visible()
    await fan.get_by_role("button", name="More").click()
    await fan.get_by_role("link", name="People").click()
    await fan.get_by_label("Find people by name").fill(f"Ines {surname.replace('rr', 'r')}")
    await fan.get_by_role("button", name="Search").click()
    await fan.get_by_role("link", name=f"Ines {surname}").first.click()
    await expect(fan.get_by_role("heading", name=f"Ines {surname}", level=1)).to_be_visible()
    await fan.get_by_role("button", name="Follow", exact=True).click()
    await expect(fan.get_by_role("button", name="Unfollow")).to_be_visible()

    # The bell counts it live, without a reload.
    await expect(bell).to_have_attribute("data-unread", "1", timeout=LIVE)
    await expect(ines.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
    assert await ines.evaluate("() => window.notReloaded === true")
    await bell.click()
    await expect(ines.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    notice = ines.locator(".notice").first
    await expect(notice).to_contain_text("Jonas follows you now.")
    await expect(notice).to_have_class(re.compile("notice-unread"))
    await screenshot(ines, "social-inbox")
    await check_accessibility(ines)
    await ines.get_by_role("button", name="Mark all read").click()
    await expect(bell).to_have_attribute("data-unread", "0")
    await expect(notice).not_to_have_class(re.compile("notice-unread"))

    # Log it from the title's page: it is in the diary of this month.
    await ines.goto(SLUG)
    title = await ines.locator("main h1").text_content()
    await ines.get_by_label("Rating", exact=True).select_option("4.5")
    await ines.get_by_label("Liked it").check()
    await ines.get_by_role("button", name="Log it in my diary").click()
    await ines.locator(".log-it").scroll_into_view_if_needed()
    await _quiet(ines)
    await screenshot(ines, "social-log-it")
    await check_accessibility(ines)
    await ines.get_by_role("link", name="See the diary").click()
    await expect(ines.get_by_role("heading", name=f"Ines {surname}'s diary")).to_be_visible()
    entry = ines.locator("[data-entry]").first
    await expect(entry).to_contain_text(title)
    await expect(entry).to_contain_text("4.5★")
    await _quiet(ines)
    await screenshot(ines, "social-diary")
    await check_accessibility(ines)

    # A new list from the title's page; the list shows it, and that it has been seen.
    await ines.goto(SLUG)
    await ines.get_by_label("A new list's name").fill("Comfort rewatches")
    await ines.get_by_role("button", name="Create and add").click()
    await ines.get_by_role("link", name="Open Comfort rewatches").click()
    await expect(ines.get_by_role("heading", name="Comfort rewatches", level=1)).to_be_visible()
    await expect(ines.locator("[data-list-entry]")).to_have_count(1)
    await expect(ines.locator("[data-list-entry]")).to_contain_text(title)
    await expect(ines.get_by_text("You have seen 1 of 1")).to_be_visible()
    await _quiet(ines)
    await screenshot(ines, "social-list")
    await check_accessibility(ines)

    # The library: the logged game is on the "Playing" tab, the profile links to the list.
    await ines.goto(f"/users/{followed['id']}")
    await expect(ines.get_by_role("link", name="Comfort rewatches (1)")).to_be_visible()
    await ines.locator(".profile-links").get_by_role("link", name="Library").click()
    await ines.get_by_role("button", name=re.compile(r"^Playing 1$")).click()
    await expect(ines.locator(".shelf-row").first).to_contain_text(title)
    await expect(ines.locator(".shelf-row").first).to_contain_text("4.5★")
    await _quiet(ines)
    await screenshot(ines, "social-library")
    await check_accessibility(ines)

    # Privacy per section, saved; the fan, a stranger to the diary, is refused it.
    await ines.goto("/settings")
    await ines.get_by_label("Diary").select_option("followers")
    await expect(ines.get_by_text("Saved.")).to_be_visible()
    await ines.reload()
    await expect(ines.get_by_label("Diary")).to_have_value("followers")
    await ines.get_by_label("Library, likes and ratings").select_option("private")
    await expect(ines.get_by_label("Library, likes and ratings")).to_have_value("private")
    await ines.locator("#privacy-heading").scroll_into_view_if_needed()
    await _quiet(ines)
    await screenshot(ines, "social-settings")
    await check_accessibility(ines)
    await fan.goto(f"/users/{followed['id']}/library")
    await expect(fan.get_by_role("alert")).to_contain_text("does not show this to you")

    # Block from the profile: the fan's profile reads as blocked, and is unblocked there.
    fan_id = (await (await fan_context.request.get("/api/v1/me")).json())["id"]
    await ines.goto(f"/users/{fan_id}")
    ines.once("dialog", lambda dialog: dialog.accept())
    await ines.get_by_role("button", name="Block").click()
    await expect(ines.get_by_text("You blocked Jonas")).to_be_visible()
    await _quiet(ines)
    await screenshot(ines, "social-blocked")
    await ines.get_by_role("button", name="Unblock").click()
    await expect(ines.get_by_role("button", name="Follow", exact=True)).to_be_visible()
