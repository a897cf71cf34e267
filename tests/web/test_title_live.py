"""A title's page seen by two people: a new review arrives live with its spoiler hidden,
the page speaks French on request, and live updates still arrive when websockets are
refused (the server-sent events fallback)."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.web.conftest import check_accessibility, screenshot, signed_up

SLUG = "/titles/the-last-of-us"
LIVE = 20_000


async def _title_heading(page):
    heading = page.locator("main h1")
    await expect(heading).to_be_visible()
    return await heading.text_content()


async def test_a_new_review_arrives_live_with_its_spoiler_hidden(new_context, stack):
    author_context = await new_context()
    await signed_up(author_context, stack, "Ellie")
    author = await author_context.new_page()
    reader = await (await new_context(color_scheme="dark")).new_page()
    await author.goto(SLUG)
    await reader.goto(SLUG)
    await _title_heading(reader)
    await reader.evaluate("() => { window.notReloaded = true; }")

    await author.get_by_label("Write a review").fill("The ending: he lies to her.")
    await author.get_by_label("Contains spoilers").check()
    await author.get_by_role("button", name="Publish").click()

    review = reader.locator(".review").first
    await expect(review).to_contain_text("This review contains spoilers.", timeout=LIVE)
    await expect(review).not_to_contain_text("he lies to her")
    await expect(review.locator(".author")).to_have_text("Ellie")
    await expect(reader.locator("[data-counter=reviews] strong")).to_have_text(
        re.compile(r"[1-9]"), timeout=LIVE
    )
    await screenshot(reader, "title-dark")
    await check_accessibility(reader)
    await review.get_by_role("button", name="Show the spoiler").click()
    await expect(review).to_contain_text("he lies to her")
    assert await reader.evaluate("() => window.notReloaded === true")

    # The header's switch: the same page in French, numbers and all.
    await reader.get_by_label("Language").select_option("fr")
    await expect(reader.get_by_role("heading", name="Critiques")).to_be_visible()
    assert await reader.evaluate("() => document.documentElement.lang") == "fr"
    await check_accessibility(reader)


async def test_live_counters_arrive_over_server_sent_events_when_websockets_are_refused(
    new_context, stack
):
    actor_context = await new_context()
    await signed_up(actor_context, stack, "Joel")
    actor = await actor_context.new_page()
    watcher = await (await new_context()).new_page()
    streams = []
    watcher.on("request", lambda r: "/api/v1/stream" in r.url and streams.append(r.url))

    # A proxy that accepts the upgrade and hangs up at once, every time.
    async def refuse(socket):
        await socket.close()

    await watcher.route_web_socket(re.compile(r"/ws$"), refuse)
    await watcher.goto(SLUG)
    await _title_heading(watcher)
    await expect(watcher.locator(".live-dot")).to_have_attribute("data-live", "live", timeout=LIVE)
    for _ in range(100):
        if any("media%3A" in url for url in streams):
            break
        await watcher.wait_for_timeout(200)
    assert any("media%3A" in url for url in streams), streams
    likes = watcher.locator("[data-counter=likes] strong")
    before = int(await likes.text_content())

    await actor.goto(SLUG)
    await actor.get_by_role("button", name="Like", exact=True).click()
    await expect(likes).to_have_text(str(before + 1), timeout=LIVE)
