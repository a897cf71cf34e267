"""Profiles: one gamer follows another from their profile, sees the count move and
finds themself among the followers; unfollowing undoes it."""

from __future__ import annotations

from playwright.async_api import expect

from tests.web.conftest import check_accessibility, screenshot, signed_up


async def test_a_gamer_follows_and_unfollows_another(new_context, stack):
    followed = await signed_up(await new_context(), stack, "Aloy")
    fan_context = await new_context()
    await signed_up(fan_context, stack, "Bayek")
    fan = await fan_context.new_page()

    await fan.goto(f"/users/{followed['id']}")
    await expect(fan.get_by_role("heading", name="Aloy", level=1)).to_be_visible()
    await expect(fan.get_by_role("button", name="0 followers")).to_be_visible()
    await fan.get_by_role("button", name="Follow", exact=True).click()
    await expect(fan.get_by_role("button", name="Unfollow")).to_have_attribute(
        "aria-pressed", "true"
    )
    await fan.get_by_role("button", name="1 follower", exact=True).click()
    await expect(fan.get_by_role("heading", name="Followers")).to_be_visible()
    await expect(fan.locator(".panel").get_by_role("link", name="Bayek")).to_be_visible()
    await screenshot(fan, "profile-other")
    await check_accessibility(fan)

    await fan.reload()
    await expect(fan.get_by_role("button", name="Unfollow")).to_be_visible()
    await fan.get_by_role("button", name="Unfollow").click()
    await expect(fan.get_by_role("button", name="Follow", exact=True)).to_be_visible()
    await expect(fan.get_by_role("button", name="0 followers")).to_be_visible()
