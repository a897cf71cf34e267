"""Field errors in the reader's language: the API's per-field codes worded by the web app."""

from __future__ import annotations

from playwright.async_api import expect

from tests import random_refs
from tests.web.conftest import check_accessibility, screenshot


async def test_a_french_reader_sees_a_french_field_error_on_sign_up(new_context) -> None:
    page = await (await new_context()).new_page()
    await page.goto("/signup")
    await page.get_by_label("Language").select_option("fr")
    await expect(page.get_by_role("button", name="Créer mon compte")).to_be_visible()
    await page.get_by_label("Nom affiché").fill("Amélie")
    await page.get_by_label("E-mail").fill("pas une adresse")
    await page.get_by_label("Mot de passe (10 caractères ou plus)").fill("court")
    await page.get_by_role("button", name="Créer mon compte").click()

    password_error = page.locator(".field.has-error", has=page.locator("input[name=password]"))
    await expect(password_error.locator(".field-error")).to_have_text("Au moins 10 caractères.")
    email_error = page.locator(".field.has-error", has=page.locator("input[name=email]"))
    await expect(email_error.locator(".field-error")).to_have_text(
        "Une adresse e-mail comme nom@exemple.fr est attendue."
    )
    await expect(page.get_by_text("characters")).to_have_count(0)
    await screenshot(page, "signup-field-errors-fr")
    await check_accessibility(page)

    # A code the reader's tables word: an easy password, in English after switching back.
    await page.get_by_label("Langue").select_option("en")
    await page.get_by_label("Email").fill(random_refs.email("fr"))
    await page.get_by_label("Password (10 characters or more)").fill("aaaaaaaaaaaa")
    await page.get_by_role("button", name="Create my account").click()
    await expect(password_error.locator(".field-error")).to_have_text(
        "This password is too easy to guess."
    )
