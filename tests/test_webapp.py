"""The web app's pages: every app path answers index.html, every response carries the
security headers, and the sign-in page learns which providers are configured."""

from __future__ import annotations

import pytest

from metacult.webapp import APP_POLICY

APP_PATHS = ["/", "/browse", "/titles/some-title", "/duel", "/leaderboards/kind:game", "/users/7"]


@pytest.mark.parametrize("path", APP_PATHS)
async def test_each_app_path_answers_the_app_under_its_policy(client, path):
    response = await client.get(path)
    assert response.status == 200
    assert response.content_type == "text/html"
    assert '<script type="module" src="/static/app.js">' in await response.text()
    assert response.headers["Content-Security-Policy"] == APP_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


async def test_the_policy_allows_no_inline_script_style_or_framing():
    assert "script-src 'self';" in APP_POLICY
    assert "style-src 'self';" in APP_POLICY
    assert "unsafe" not in APP_POLICY
    assert "frame-ancestors 'none'" in APP_POLICY


async def test_api_errors_and_static_files_carry_the_headers_too(client):
    missing = await client.get("/api/v1/no-such-thing")
    assert missing.status == 404
    assert (await missing.json())["error"]["code"]
    assert missing.headers["X-Content-Type-Options"] == "nosniff"
    script = await client.get("/static/app.js")
    assert script.status == 200
    assert script.headers["Content-Security-Policy"] == APP_POLICY


async def test_the_api_reference_keeps_its_own_policy(client):
    page = await client.get("/api/docs")
    assert page.headers["Content-Security-Policy"] != APP_POLICY
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


async def test_an_unknown_path_is_not_the_app(client):
    response = await client.get("/no-such-page")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_no_provider_is_offered_when_none_is_configured(aiohttp_client, make_app):
    client = await aiohttp_client(make_app(google_client_id="", discord_client_id=""))
    response = await client.get("/api/v1/auth/providers")
    assert response.status == 200
    assert await response.json() == {"providers": []}


async def test_configured_providers_are_offered(aiohttp_client, make_app):
    client = await aiohttp_client(make_app(google_client_id="g-id", discord_client_id="d-id"))
    assert await (await client.get("/api/v1/auth/providers")).json() == {
        "providers": ["google", "discord"]
    }
