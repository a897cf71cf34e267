"""The diary page edits an entry in place (its rating, replay, liked) and deletes one."""

from __future__ import annotations

import datetime

from playwright.async_api import expect

from tests.web.conftest import check_accessibility, screenshot, signed_up


async def test_the_owner_edits_and_deletes_a_diary_entry_from_the_diary_page(new_context, stack):
    origin = {"Origin": stack.url}
    context = await new_context()
    account = await signed_up(context, stack, "Dana")
    films = await (await context.request.get("/api/v1/media?kind=film&limit=1")).json()
    film = films["items"][0]
    today = datetime.date.today()
    logged = await context.request.post(
        f"/api/v1/media/{film['id']}/logs",
        data={"date": today.isoformat(), "rating": 2.5},
        headers=origin,
    )
    assert logged.status == 201, await logged.text()

    page = await context.new_page()
    await page.goto(f"/users/{account['id']}/diary?year={today.year}&month={today.month}")
    entry = page.locator("[data-entry]")
    await expect(entry).to_contain_text("2.5★")
    await page.get_by_role("button", name=f"Edit {film['title']} in the diary").click()
    form = page.get_by_role("form", name=f"Edit {film['title']} in the diary")
    await form.get_by_label("Rating").fill("4")
    await form.get_by_label("Replay").check()
    await check_accessibility(page)
    await screenshot(page, "diary-edit")
    await form.get_by_role("button", name="Save").click()
    await expect(entry).to_contain_text("4★")
    await expect(entry).to_contain_text("Replay")

    # Saved on the server: a reload shows the same.
    await page.reload()
    await expect(page.locator("[data-entry]")).to_contain_text("4★")

    page.on("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name=f"Delete {film['title']} from the diary").click()
    await expect(page.locator("[data-entry]")).to_have_count(0)
    await expect(page.get_by_text("Nothing logged this month.")).to_be_visible()
