"""Series in depth in a real browser: a series' seasons open and close, an episode and a
whole season are ticked seen and an episode rated (the library status follows), the home's
"Up next" offers the next episode, and the calendar lists what is coming with a private
iCal link that is created, replaced and revoked."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
from playwright.async_api import expect

from metacult.catalog import episodes
from tests.web.conftest import check_accessibility, screenshot, signed_up

SLUG = "succession"


async def _with_episodes(stack) -> int:
    """Succession (a demo title) with a finished season and a season half to come."""
    today = date.today()
    conn = await asyncpg.connect(stack.database_url)
    try:
        media_id = await conn.fetchval("SELECT id FROM media WHERE slug = $1", SLUG)
        seasons = [
            episodes.SeasonDraft(
                number,
                f"Season {number}",
                today + timedelta(days=offsets[0]),
                tuple(
                    episodes.EpisodeDraft(
                        n, f"Chapter {number}.{n}", today + timedelta(days=o), 60, None
                    )
                    for n, o in enumerate(offsets, start=1)
                ),
            )
            for number, offsets in ((1, (-300, -293)), (2, (-14, -7, 9)))
        ]
        async with conn.transaction():
            await episodes.save_seasons(conn, media_id, seasons)
        return media_id
    finally:
        await conn.close()


async def test_episodes_up_next_and_the_calendar(new_context, stack):
    await _with_episodes(stack)
    context = await new_context()
    await signed_up(context, stack, "Serena")
    page = await context.new_page()

    await page.goto(f"/titles/{SLUG}")
    section = page.locator(".episodes-section")
    await expect(section.get_by_role("heading", name="Episodes")).to_be_visible()
    await page.get_by_label("Seen S01E01").check()
    await expect(page.get_by_text("You have seen 1 of 4 aired episodes.")).to_be_visible()
    await page.get_by_role("button", name="Mark season 1 seen").click()
    await expect(page.get_by_text("You have seen 2 of 4 aired episodes.")).to_be_visible()
    season2 = page.locator("details.season").nth(1)
    await season2.locator("summary").click()
    await season2.locator("summary").click()
    episode = page.locator("[data-episode]").filter(has_text="Chapter 2.1")
    await episode.get_by_label("Seen S02E01").check()
    await episode.get_by_role("button", name="Rate 4.5 stars").click()
    await expect(episode.locator(".episode-average")).to_contain_text("4.5 (1)")
    await expect(page.get_by_label("Seen S02E03")).to_be_disabled()
    await screenshot(page, "series-episodes")
    await check_accessibility(page)
    await expect(page.locator("#title-status")).to_have_value("watching")

    await page.goto("/")
    up_next = page.locator(".up-next")
    await expect(up_next.get_by_role("heading", name="Up next")).to_be_visible()
    await expect(up_next).to_contain_text("Chapter 2.2")
    await up_next.get_by_role("button", name="Mark S02E02 seen").click()
    await expect(up_next).to_have_count(0)

    await page.goto("/calendar")
    await expect(page.get_by_role("heading", name="Calendar", level=1)).to_be_visible()
    await expect(page.locator(".calendar-item")).to_contain_text(["Chapter 2.3"])
    await page.get_by_role("button", name="Get a private iCal link").click()
    url_field = page.get_by_label("Your private iCal address")
    first_url = await url_field.input_value()
    assert "/api/v1/calendar/" in first_url and first_url.endswith(".ics")
    feed = await context.request.get(first_url)
    assert feed.status == 200
    assert "BEGIN:VCALENDAR" in await feed.text() and "Chapter 2.3" in await feed.text()
    # After a reload the address is not shown again (only its hash is kept), but the
    # page knows there is one: it offers to replace or revoke it, not to create one.
    await page.reload()
    await expect(page.locator(".ical-existing")).to_contain_text("You have a private link")
    await expect(url_field).to_have_count(0)
    await expect(page.get_by_role("button", name="Get a private iCal link")).to_have_count(0)
    await page.get_by_role("button", name="Replace the link").click()
    await expect(url_field).not_to_have_value(first_url)
    assert (await context.request.get(first_url)).status == 404
    await screenshot(page, "series-calendar")
    await check_accessibility(page)
    second_url = await url_field.input_value()
    await page.get_by_role("button", name="Revoke the link").click()
    await expect(url_field).to_have_count(0)
    await expect(page.get_by_role("button", name="Get a private iCal link")).to_be_visible()
    await expect(page.get_by_role("button", name="Revoke the link")).to_have_count(0)
    assert (await context.request.get(second_url)).status == 404
