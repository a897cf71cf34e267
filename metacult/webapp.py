"""The web app: its pages answered with ``index.html`` (history routing) and the security
headers every response carries.

The app is ES modules under ``static/`` (no build step). Its router runs in the browser;
the server only needs to answer each of the app's paths with the same ``index.html``.
A new page adds its path pattern to ``APP_PAGES`` (and its module under ``static/pages/``).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
INDEX = STATIC_DIR / "index.html"

# The app's own paths (aiohttp route patterns); /api, /ws, /static, /healthz and the rest
# keep their own handlers. Keep in step with the routes of static/lib/routes.js.
APP_PAGES = (
    "/",
    "/browse",
    "/signin",
    "/signup",
    "/onboarding",
    "/titles/{slug}",
    "/duel",
    "/leaderboards",
    "/leaderboards/{scope}",
    "/users/{id}",
    "/users/{id}/year/{year}",
    "/users/{id}/library",
    "/users/{id}/diary",
    "/people",
    "/inbox",
    "/calendar",
    "/lists/{id}",
    "/watchlists",
    "/trending",
    "/settings",
    "/import",
    "/badges",
    "/league",
    "/leagues/{id}",
    "/forbidden",
    "/admin",
    "/admin/{section}",
)

# No inline script or style, no eval: the app's modules and stylesheet are files under
# /static. Covers and avatars may come from the providers' image hosts (https).
APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": APP_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


async def app_page(request: web.Request) -> web.FileResponse:
    """Any of the app's pages: the one document whose router shows the right page."""
    return web.FileResponse(INDEX, headers={"Cache-Control": "no-cache"})


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Every response gets the app's policy unless its handler set its own (``/api/docs``).

    Not a websocket's upgrade (101): it carries no document, and its headers stay in
    memory as long as the connection is open.
    """
    if response.status == 101:
        return
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


def setup(app: web.Application) -> None:
    for path in APP_PAGES:
        app.router.add_get(path, app_page)
    app.on_response_prepare.append(security_headers)
