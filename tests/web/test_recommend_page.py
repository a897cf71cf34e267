"""The "Recommend" form on a title's page offers the friends who follow back; the friend
finds the recommendation in their inbox."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from tests.web.conftest import check_accessibility, screenshot, signed_up


async def test_a_title_is_recommended_to_a_friend_from_its_page(new_context, stack):
    origin = {"Origin": stack.url}
    sender_context, friend_context = await new_context(), await new_context()
    sender = await signed_up(sender_context, stack, "Rhea")
    friend = await signed_up(friend_context, stack, "Felix")
    for context, other in ((sender_context, friend), (friend_context, sender)):
        followed = await context.request.put(f"/api/v1/users/{other['id']}/follow", headers=origin)
        assert followed.status in {200, 204}, await followed.text()
    films = await (await sender_context.request.get("/api/v1/media?kind=film&limit=1")).json()
    film = films["items"][0]

    page = await sender_context.new_page()
    await page.goto(f"/titles/{film['slug']}")
    form = page.locator(".recommend")
    await expect(form.get_by_label("Friend")).to_have_value(str(friend["id"]))
    await form.get_by_label("A note (optional)").fill("Watch it this weekend")
    await form.get_by_role("button", name="Recommend").click()
    await expect(page.get_by_text("Recommended to Felix.")).to_be_visible()
    await check_accessibility(page)
    await screenshot(page, "title-recommend")

    for _ in range(100):
        inbox = await (await friend_context.request.get("/api/v1/me/notifications")).json()
        found = [n for n in inbox["items"] if n["kind"] == "interaction.recommendation"]
        if found:
            break
        await asyncio.sleep(0.2)
    assert found and found[0]["data"]["note"] == "Watch it this weekend"
    assert found[0]["data"]["media_id"] == film["id"]
