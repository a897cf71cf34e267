"""The header in a browser: one line at 1280 px for an admin as for a gamer (the less used
links in a "More" menu), and on a phone every link still inline in the scrolling nav."""

from __future__ import annotations

from playwright.async_api import expect

from tests.web.conftest import check_accessibility, screenshot, signed_up
from tests.web.test_admin import _admin


async def _header_height(page) -> float:
    await page.goto("/badges")
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await expect(page.get_by_role("button", name="More")).to_be_visible()
    return (await page.locator(".app-header").bounding_box())["height"]


async def test_an_admins_header_is_one_line_at_1280_like_a_gamers(new_context, stack) -> None:
    gamer_context = await new_context()
    await signed_up(gamer_context, stack, "Gus")
    gamer = await gamer_context.new_page()
    admin_context = await new_context()
    await _admin(admin_context, stack, "Ada")
    admin = await admin_context.new_page()

    gamer_height = await _header_height(gamer)
    admin_height = await _header_height(admin)
    await screenshot(admin, "header-admin-closed")
    assert admin_height == gamer_height
    assert admin_height < 80  # one line: a wrapped header is twice a link's 44 px
    await expect(gamer.get_by_role("link", name="Admin")).to_have_count(0)

    # The admin's link is in the "More" menu, which opens, leads there and closes.
    more = admin.get_by_role("button", name="More")
    await expect(more).to_have_attribute("aria-expanded", "false")
    await expect(admin.get_by_role("link", name="Admin")).to_be_hidden()
    await more.click()
    await expect(more).to_have_attribute("aria-expanded", "true")
    await expect(admin.get_by_role("link", name="Trending")).to_be_visible()
    await screenshot(admin, "header-more-open")
    await check_accessibility(admin)
    await admin.keyboard.press("Escape")
    await expect(admin.get_by_role("link", name="Admin")).to_be_hidden()
    await more.click()
    await admin.get_by_role("link", name="Admin").click()
    await expect(admin).to_have_url(f"{stack.url}/admin")
    await expect(more).to_have_attribute("aria-expanded", "false")

    # A phone: no "More" button, the menu's links are in the nav's row.
    await admin.set_viewport_size({"width": 390, "height": 844})
    await expect(more).to_be_hidden()
    nav = admin.locator(".app-header nav")
    await expect(nav.get_by_role("link", name="Admin")).to_be_attached()
    await nav.get_by_role("link", name="People").scroll_into_view_if_needed()
    await expect(nav.get_by_role("link", name="People")).to_be_visible()
    await screenshot(admin, "header-admin")
