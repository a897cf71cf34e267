"""Browser tests: the real stack (a web process and a worker process on a database and a
Redis namespace of their own, the demo catalogue seeded) driven by Playwright on Debian's
Chromium, headless. Helpers: ``screenshot`` (both sizes into var/screenshots/) and
``check_accessibility`` (axe-core, vendored, injected by the test: no serious or critical
violation)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import pytest_asyncio

from metacult.infra.migrations import migrate
from tests import random_refs
from tests.conftest import ADMIN_DSN, RUN, RUN_PREFIX, TEST_DSN
from tests.helpers import serve_process

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
AXE_URL = "/static/vendor/axe-core/axe.min.js"
SIZES = {"390x844": (390, 844), "1280x800": (1280, 800)}
# What the stack's processes say, for a failing test to read.
LOGS = ROOT / "var" / "web-tests"


@dataclass
class Stack:
    url: str
    database_url: str
    env: dict[str, str]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every browser test starts processes: the slow tier."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def chromium() -> str:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`")
    return CHROMIUM


async def _run(*args: str, env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, env={**os.environ, **env}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode(errors="replace")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def stack() -> AsyncIterator[Stack]:
    """The web and worker processes on a fresh database (migrated, demo titles seeded) and
    a Redis namespace inside the run's (swept with it)."""
    name = f"metacult_test_{RUN}_web_{random_refs.suffix()}"
    dsn = urlunsplit(urlsplit(TEST_DSN)._replace(path=f"/{name}"))
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    env = {"DATABASE_URL": dsn, "REDIS_PREFIX": f"{RUN_PREFIX}-web", "METACULT_ENV": "test"}
    LOGS.mkdir(parents=True, exist_ok=True)
    worker = None
    try:
        await migrate(dsn)
        await _run("-m", "metacult", "seed", env=env)
        with (LOGS / "worker.log").open("wb") as log:
            worker = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "dramatiq", "workers", "--processes", "1", "--threads", "4",
                env={**os.environ, **env}, stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip
        with (LOGS / "web.log").open("wb") as log:
            async with serve_process(output=log.fileno(), **env) as server:
                yield Stack(url=server.url, database_url=dsn, env=env)
    finally:
        if worker is not None and worker.returncode is None:
            worker.terminate()
            try:
                await asyncio.wait_for(worker.wait(), 15)
            except TimeoutError:
                worker.kill()
                await worker.wait()
        admin = await asyncpg.connect(ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(chromium: str):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def new_context(browser, stack: Stack):
    """``await new_context()``: a fresh browser context (its own cookies) on the stack,
    in English, failing the test on any error the page logs or throws."""
    contexts = []
    errors: list[str] = []

    async def make(**options):
        context = await browser.new_context(
            base_url=stack.url, locale="en-GB", viewport={"width": 1280, "height": 800},
            accept_downloads=True, **options,
        )  # fmt: skip
        context.on("page", lambda page: _watch(page, errors))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        await context.close()
    assert not errors, errors


def _watch(page, errors: list[str]) -> None:
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))

    def console(message) -> None:
        # Failed requests are logged by the browser too; the API's 4xx are expected
        # answers (401 before sign-in, 404 no_duels_left), so only script errors count.
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(f"{page.url}: {message.text}")

    page.on("console", console)


async def screenshot(page, name: str) -> None:
    """The page at phone and desktop sizes: var/screenshots/<name>-390x844.png, -1280x800.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for label, (width, height) in SIZES.items():
        await page.set_viewport_size({"width": width, "height": height})
        await page.wait_for_timeout(150)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"))
    await page.set_viewport_size(before)


async def check_accessibility(page) -> None:
    """axe-core on the page as it is: no serious or critical violation."""
    # Loaded from the app's own origin: the page's policy allows no inline script.
    await page.add_script_tag(url=AXE_URL)
    # A toast still fading in is half transparent: checked once it is shown.
    await page.wait_for_function("() => !document.querySelector('.toast-enter-active')")
    # A toast fading out is half transparent for a moment, and no longer content: axe
    # checks what stays (a toast once shown is checked).
    result = await page.evaluate(
        "() => axe.run({ exclude: [['.toast-leave-active']] }, { resultTypes: ['violations'] })"
    )
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, f"{page.url}: " + "; ".join(serious)


async def signed_up(context, stack: Stack, name: str = "Gamer") -> dict:
    """A new account, signed in within ``context`` (its session cookie): the account."""
    origin = {"Origin": stack.url}
    email = random_refs.email("web")
    password = "a long and fine password 42"
    body = {"email": email, "password": password, "display_name": name}
    response = await context.request.post("/api/v1/auth/signup", data=body, headers=origin)
    assert response.status == 201, await response.text()
    response = await context.request.post(
        "/api/v1/auth/login", data={"email": email, "password": password}, headers=origin
    )
    assert response.status == 200, await response.text()
    return await response.json()
