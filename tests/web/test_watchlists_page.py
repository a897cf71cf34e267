"""A shared watchlist in two browsers: A creates it on the watchlists page and invites a
friend, whose open page shows the invitation live; B accepts there and adds a title from
its page, and A's open watchlists page shows the title live, without a reload."""

from __future__ import annotations

from playwright.async_api import expect

from tests.web.conftest import check_accessibility, screenshot, signed_up

LIVE = 20_000


async def test_friends_share_a_watchlist_and_see_each_others_additions_live(new_context, stack):
    origin = {"Origin": stack.url}
    a_context, b_context = await new_context(), await new_context()
    a = await signed_up(a_context, stack, "Astrid")
    b = await signed_up(b_context, stack, "Bastien")
    for context, other in ((a_context, b), (b_context, a)):
        followed = await context.request.put(f"/api/v1/users/{other['id']}/follow", headers=origin)
        assert followed.status in {200, 204}, await followed.text()
    films = await (await a_context.request.get("/api/v1/media?kind=film&limit=1")).json()
    film = films["items"][0]

    # B's page is open before the invitation: it arrives there live (user:{id}).
    theirs = await b_context.new_page()
    await theirs.goto("/watchlists")
    await expect(theirs.get_by_text("No shared watchlist yet")).to_be_visible()
    mine = await a_context.new_page()
    await mine.goto("/watchlists")
    await expect(mine.get_by_role("heading", name="Shared watchlists", level=1)).to_be_visible()
    await mine.get_by_label("A new shared watchlist").fill("Friday films")
    await mine.get_by_role("button", name="Create").click()
    await expect(mine.get_by_role("heading", name="Friday films")).to_be_visible()
    await mine.get_by_label("Invite a friend").select_option(str(b["id"]))
    await mine.get_by_role("button", name="Invite", exact=True).click()
    await expect(mine.locator(f"[data-invited='{b['id']}']")).to_contain_text("Bastien")
    await expect(mine.locator("[data-list-entry]")).to_have_count(0)
    await mine.evaluate("() => { window.notReloaded = true; }")

    invite = theirs.locator("[data-invite]")
    await expect(invite).to_contain_text("Friday films", timeout=LIVE)
    await expect(invite).to_contain_text("Invited by Astrid")
    await screenshot(theirs, "watchlists-invite")
    await theirs.get_by_role("button", name="Accept the invitation to Friday films").click()
    await expect(theirs.locator("[data-invite]")).to_have_count(0)
    await expect(theirs.locator(f"[data-member='{b['id']}']")).to_contain_text("Bastien")
    joined = mine.locator(f"[data-member='{b['id']}']")
    await expect(joined).to_contain_text("Bastien", timeout=LIVE)

    title = await b_context.new_page()
    await title.goto(f"/titles/{film['slug']}")
    adding = title.locator(".add-to-list")
    await adding.get_by_label("Your list").select_option(label="Friday films")
    await adding.get_by_role("button", name="Add", exact=True).click()
    await expect(title.get_by_text("Added to Friday films.")).to_be_visible()

    entry = mine.locator("[data-list-entry]")
    await expect(entry).to_have_count(1, timeout=LIVE)
    await expect(entry).to_contain_text(film["title"])
    await expect(entry).to_contain_text("Added by Bastien")
    await expect(entry).to_contain_text("Nobody has seen it yet")
    assert await mine.evaluate("() => window.notReloaded === true")

    await mine.get_by_role("button", name=f"I've seen {film['title']}").click()
    await expect(entry).to_contain_text("Seen by Astrid")
    await screenshot(mine, "watchlists-seen")
    await mine.get_by_role("button", name="Unseen by all").click()
    await expect(mine.locator("[data-list-entry]")).to_have_count(0)
    await expect(mine.get_by_text("Every title here has been seen by one of you.")).to_be_visible()
    await check_accessibility(mine)
    await screenshot(mine, "watchlists")
