"""The Import page: a Letterboxd export uploaded through the page, matched live, its
doubtful row fixed by a title search, its unmatched row dropped, confirmed, and the
titles then on the diary page."""

from __future__ import annotations

import datetime
import re

from playwright.async_api import expect

from tests.interaction.test_history_import import csv_text, zipped
from tests.web.conftest import check_accessibility, screenshot, signed_up

DIARY = ["Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags", "Watched Date"]
RATINGS = ["Date", "Name", "Year", "Letterboxd URI", "Rating"]
WATCHED = ["Date", "Name", "Year", "Letterboxd URI"]


def letterboxd_export(day: str) -> bytes:
    """Letterboxd's export ZIP: The Matrix is sure, Pulp Fiction has the wrong year
    (doubtful), the third film is in no catalogue (unmatched)."""
    return zipped({
        "diary.csv": csv_text(DIARY, [
            [day, "The Matrix", 1999, "https://boxd.it/aa1", 4, "", "", day],
            [day, "Pulp Fiction", 1993, "https://boxd.it/aa2", 3.5, "", "", day],
        ]),
        "ratings.csv": csv_text(RATINGS, [[day, "The Matrix", 1999, "https://boxd.it/aa1", 4]]),
        "watched.csv": csv_text(WATCHED, [[day, "Qwzx Nowhere Picture", 2003, "https://boxd.it/aa3"]]),
    })  # fmt: skip


async def test_a_letterboxd_export_is_imported_fixed_and_confirmed_from_the_import_page(
    new_context, stack
):
    context = await new_context()
    account = await signed_up(context, stack, "Ines")
    today = datetime.date.today()
    page = await context.new_page()

    # Linked from the settings page.
    await page.goto("/settings")
    await page.get_by_role("link", name=re.compile("Import a history")).click()
    await expect(page.get_by_role("heading", name="Import your history")).to_be_visible()

    await page.get_by_label("From").select_option("letterboxd")
    await page.get_by_label("File").set_input_files({
        "name": "letterboxd-export.zip", "mimeType": "application/zip",
        "buffer": letterboxd_export(today.isoformat()),
    })  # fmt: skip
    await page.get_by_role("button", name="Upload and preview").click()

    # The preview, grouped by state, each row with its file and line.
    await expect(page.get_by_text("Ready: check the rows below, then confirm.")).to_be_visible()
    doubtful = page.locator("tr[data-state=doubtful]")
    unmatched = page.locator("tr[data-state=unmatched]")
    await expect(doubtful).to_have_count(1)
    await expect(doubtful).to_contain_text("Pulp Fiction (1993)")
    await expect(doubtful).to_contain_text("diary.csv:")
    await expect(unmatched).to_have_count(1)
    await expect(unmatched).to_contain_text("Qwzx Nowhere Picture")
    await expect(page.locator("tr[data-state=matched]")).to_have_count(2)
    await expect(page.get_by_role("heading", name=re.compile("To check"))).to_be_visible()
    await check_accessibility(page)
    await screenshot(page, "import-preview")

    # The doubtful row: a title search, and the right film picked.
    await doubtful.get_by_role("button", name=re.compile("Choose a title for Pulp Fiction")).click()
    await page.get_by_label(re.compile("Search a title for line")).fill("Pulp Fiction")
    await page.get_by_role("button", name="Search", exact=True).click()
    await page.get_by_role("button", name="Pick Pulp Fiction (1994)").click()
    await expect(doubtful).to_have_count(0)
    await expect(page.locator("tr[data-state=matched]")).to_have_count(3)

    # The unmatched row: dropped.
    await unmatched.get_by_role("button", name=re.compile("Drop Qwzx Nowhere Picture")).click()
    await expect(unmatched).to_have_count(0)
    await expect(page.locator("tr[data-state=dropped]")).to_have_count(1)

    await page.get_by_role("button", name="Confirm the import").click()
    await expect(page.get_by_text(re.compile(r"\d+ entr(y|ies) written\."))).to_be_visible()
    await expect(page.get_by_text("Confirmed.")).to_be_visible()
    await check_accessibility(page)
    await screenshot(page, "import-confirmed")

    await page.get_by_role("link", name="Open my diary").click()
    await expect(page).to_have_url(re.compile(f"/users/{account['id']}/diary"))
    entries = page.locator("[data-entry]")
    await expect(entries).to_have_count(2)
    await expect(entries.filter(has_text="The Matrix")).to_contain_text("4★")
    await expect(entries.filter(has_text="Pulp Fiction")).to_contain_text("3.5★")
    await expect(page.get_by_text("Qwzx Nowhere Picture")).to_have_count(0)
