"""Signing in: a page that needs an account sends a visitor to the sign-in page and back;
a wrong password is said as a sentence; only configured providers are offered."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests import random_refs
from tests.web.conftest import check_accessibility, screenshot


async def test_a_protected_page_sends_the_visitor_to_sign_in_and_back(new_context, stack):
    context = await new_context()
    email = random_refs.email("web")
    password = "a long and fine password 42"
    response = await context.request.post(
        "/api/v1/auth/signup",
        data={"email": email, "password": password, "display_name": "Kratos"},
        headers={"Origin": stack.url},
    )
    assert response.status == 201
    page = await context.new_page()

    await page.goto("/duel")
    await expect(page).to_have_url(re.compile(r"/signin\?next=%2Fduel$"))
    await expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    # No provider is configured in the tests: no Google or Discord button.
    await expect(page.get_by_role("link", name=re.compile("Continue with"))).to_have_count(0)

    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill("not the password at all")
    await page.get_by_role("button", name="Sign in", exact=True).last.click()
    await expect(page.get_by_role("alert")).to_have_text(
        "That email and password do not match an account."
    )
    await screenshot(page, "signin")
    await check_accessibility(page)

    await page.get_by_label("Password").fill(password)
    await page.get_by_label("Password").press("Enter")
    await expect(page).to_have_url(re.compile(r"/duel$"))
    await expect(page.get_by_role("heading", name="Which do you prefer?")).to_be_visible()
    await expect(page.locator(".account")).to_contain_text("Kratos")


async def test_the_forbidden_page_says_why(new_context, stack):
    page = await (await new_context()).new_page()
    await page.goto("/forbidden")
    await expect(page.get_by_role("heading", name="You may not see this page")).to_be_visible()
    await check_accessibility(page)
