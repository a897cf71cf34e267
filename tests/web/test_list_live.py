"""A collaborative list in two browsers: one editor adds a title, the owner's open list
page shows it live, without a reload."""

from __future__ import annotations

from playwright.async_api import expect

from tests.web.conftest import screenshot, signed_up

LIVE = 20_000


async def test_an_editors_addition_appears_live_on_the_owners_list_page(new_context, stack):
    origin = {"Origin": stack.url}
    owner_context, editor_context = await new_context(), await new_context()
    await signed_up(owner_context, stack, "Oona")
    editor = await signed_up(editor_context, stack, "Eddie")
    made = await owner_context.request.post(
        "/api/v1/lists", data={"name": "Our weekend", "visibility": "private"}, headers=origin
    )
    assert made.status == 201, await made.text()
    list_id = (await made.json())["id"]
    editor_id = editor["id"]
    invited = await owner_context.request.put(
        f"/api/v1/lists/{list_id}/editors/{editor_id}", headers=origin
    )
    assert invited.status == 200, await invited.text()
    films = await (await owner_context.request.get("/api/v1/media?kind=film&limit=1")).json()
    film = films["items"][0]

    owner = await owner_context.new_page()
    await owner.goto(f"/lists/{list_id}")
    await expect(owner.get_by_role("heading", name="Our weekend")).to_be_visible()
    await expect(owner.locator("[data-list-entry]")).to_have_count(0)
    await owner.evaluate("() => { window.notReloaded = true; }")

    added = await editor_context.request.put(
        f"/api/v1/lists/{list_id}/entries/{film['id']}", data={"note": "Friday"}, headers=origin
    )
    assert added.status == 200, await added.text()

    await expect(owner.locator("[data-list-entry]")).to_have_count(1, timeout=LIVE)
    await expect(owner.locator("[data-list-entry]")).to_contain_text(film["title"])
    assert await owner.evaluate("() => window.notReloaded === true")
    await screenshot(owner, "list-live")
