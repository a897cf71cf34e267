"""Two-factor sign-in (TOTP, RFC 6238) with backup codes, for browsers and apps alike."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs, urlsplit

import pyotp

from metacult.identity import sessions, twofactor
from tests.accounts import Account, sign_up
from tests.helpers import eventually
from tests.mailbox import text_of

STEP = 30


async def enrol(client, account: Account) -> tuple[pyotp.TOTP, list[str]]:
    """Turn two-factor on with the current code; the authenticator and the backup codes."""
    setup = await client.post(
        "/api/v1/me/two-factor/setup", json={"password": account.password}, headers=account.headers
    )
    assert setup.status == 200, await setup.text()
    totp = pyotp.TOTP((await setup.json())["secret"])
    enabled = await client.post(
        "/api/v1/me/two-factor/enable", json={"code": totp.now()}, headers=account.headers
    )
    assert enabled.status == 200, await enabled.text()
    return totp, (await enabled.json())["backup_codes"]


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next step, which the server accepts (one step of skew)."""
    return totp.at(time.time() + STEP)


async def password_step(client, account: Account) -> str:
    """The password step: 401 ``two_factor_required``, and the challenge in an HttpOnly
    cookie that only the second step's endpoint receives."""
    response = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert response.status == 401, await response.text()
    assert (await response.json())["error"]["code"] == "two_factor_required"
    cookie = response.cookies[twofactor.CHALLENGE_COOKIE]
    assert cookie["httponly"] and cookie["path"] == "/api/v1/auth/login/two-factor"
    assert sessions.COOKIE_NAME not in response.cookies
    return cookie.value


async def code_step(client, code: str):
    """The second step, with the challenge from the browser's cookie jar."""
    return await client.post("/api/v1/auth/login/two-factor", json={"code": code})


async def test_enrolment_shows_a_qr_code_of_an_otpauth_uri(client) -> None:
    account = await sign_up(client)
    response = await client.post(
        "/api/v1/me/two-factor/setup", json={"password": account.password}, headers=account.headers
    )
    assert response.status == 200
    body = await response.json()
    uri = urlsplit(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    query = parse_qs(uri.query)
    assert query["secret"] == [body["secret"]]
    assert query["issuer"] == ["Metacult"]
    assert body["qr_svg"].startswith("<svg") and body["qr_svg"].endswith("</svg>")
    status = await client.get("/api/v1/me/two-factor", headers=account.headers)
    assert (await status.json())["enabled"] is False  # not until a first code


async def test_enrolment_needs_the_password(client) -> None:
    account = await sign_up(client)
    response = await client.post(
        "/api/v1/me/two-factor/setup", json={"password": "wrong-one!"}, headers=account.headers
    )
    assert response.status == 403


async def test_a_browser_signs_in_with_the_password_then_a_code(
    client, aiohttp_client, make_app, worker, mailbox
) -> None:
    account = await sign_up(client)
    totp, backup_codes = await enrol(client, account)
    assert len(backup_codes) == len(set(backup_codes)) == 10
    notice = await mailbox.wait_for_subject(account.email, "Two-factor")
    assert notice["Subject"] == "Two-factor sign-in was turned on"
    assert "turned on" in text_of(notice)

    browser = await aiohttp_client(make_app())
    await password_step(browser, account)
    assert (await browser.get("/api/v1/me")).status == 401  # not signed in yet
    response = await code_step(browser, next_code(totp))
    assert response.status == 200
    assert (await response.json())["id"] == account.id
    assert (await browser.get("/api/v1/me")).status == 200
    # A challenge signs in once.
    again = await code_step(browser, next_code(totp))
    assert (await again.json())["error"]["code"] == "two_factor_challenge_invalid"


async def test_a_used_code_cannot_be_replayed_in_its_window(
    client, aiohttp_client, make_app
) -> None:
    account = await sign_up(client)
    setup = await client.post(
        "/api/v1/me/two-factor/setup", json={"password": account.password}, headers=account.headers
    )
    totp = pyotp.TOTP((await setup.json())["secret"])
    code = totp.now()
    enabled = await client.post(
        "/api/v1/me/two-factor/enable", json={"code": code}, headers=account.headers
    )
    assert enabled.status == 200
    browser = await aiohttp_client(make_app())
    await password_step(browser, account)
    replayed = await code_step(browser, code)
    assert replayed.status == 401
    assert (await replayed.json())["error"]["code"] == "invalid_two_factor_code"
    fresh = await code_step(browser, next_code(totp))
    assert fresh.status == 200


async def test_one_step_of_clock_skew_is_tolerated_and_no_more(client) -> None:
    account = await sign_up(client)
    setup = await client.post(
        "/api/v1/me/two-factor/setup", json={"password": account.password}, headers=account.headers
    )
    totp = pyotp.TOTP((await setup.json())["secret"])
    for far in (totp.at(time.time() - 3 * STEP), totp.at(time.time() + 3 * STEP)):
        refused = await client.post(
            "/api/v1/me/two-factor/enable", json={"code": far}, headers=account.headers
        )
        assert refused.status == 401
    # One step late is accepted; not so if a step ends while the request travels, so the
    # code is taken well inside a step.
    if STEP - time.time() % STEP < 3:
        await asyncio.sleep(3)
    late = await client.post(
        "/api/v1/me/two-factor/enable",
        json={"code": totp.at(time.time() - STEP)},
        headers=account.headers,
    )
    assert late.status == 200


async def test_a_backup_code_signs_in_once(client, aiohttp_client, make_app) -> None:
    account = await sign_up(client)
    _, backup_codes = await enrol(client, account)
    browser = await aiohttp_client(make_app())
    await password_step(browser, account)
    assert (await code_step(browser, backup_codes[3].upper())).status == 200
    other = await aiohttp_client(make_app())
    await password_step(other, account)
    reused = await code_step(other, backup_codes[3])
    assert reused.status == 401
    assert (await code_step(other, backup_codes[4])).status == 200


async def test_an_app_gets_tokens_with_the_password_grant_then_the_code(client) -> None:
    account = await sign_up(client)
    totp, _ = await enrol(client, account)
    first = await client.post(
        "/api/v1/auth/token",
        json={"grant_type": "password", "email": account.email, "password": account.password},
    )
    assert first.status == 202
    body = await first.json()
    assert "access_token" not in body
    second = await client.post(
        "/api/v1/auth/token",
        json={"grant_type": "two_factor", "challenge": body["challenge"], "code": next_code(totp)},
    )
    assert second.status == 200
    tokens = await second.json()
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert (await me.json())["id"] == account.id


async def test_wrong_codes_are_limited(client, aiohttp_client, make_app, settings) -> None:
    account = await sign_up(client)
    totp, _ = await enrol(client, account)
    browser = await aiohttp_client(make_app())
    await password_step(browser, account)
    wrong = "000000" if totp.now() != "000000" else "111111"
    for _ in range(settings.two_factor_attempts):
        response = await code_step(browser, wrong)
        assert (await response.json())["error"]["code"] == "invalid_two_factor_code"
    # The challenge is spent, and the account takes no more codes for a while.
    dead = await code_step(browser, next_code(totp))
    assert (await dead.json())["error"]["code"] == "two_factor_challenge_invalid"
    await password_step(browser, account)
    limited = await code_step(browser, next_code(totp))
    assert limited.status == 429


async def test_two_factor_is_turned_off_with_a_code(client) -> None:
    account = await sign_up(client)
    totp, _ = await enrol(client, account)
    wrong = await client.post(
        "/api/v1/me/two-factor/disable", json={"code": "12345"}, headers=account.headers
    )
    assert wrong.status == 401
    response = await client.post(
        "/api/v1/me/two-factor/disable", json={"code": next_code(totp)}, headers=account.headers
    )
    assert response.status == 204
    login = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert login.status == 200


async def test_a_deleted_accounts_secret_backup_codes_and_links_are_purged(
    client, db, worker
) -> None:
    account = await sign_up(client)
    await enrol(client, account)
    assert (await client.delete("/api/v1/me", headers=account.headers)).status == 204

    async def purged() -> bool:
        left = await db.fetchval(
            "SELECT (SELECT count(*) FROM totp_secrets WHERE user_id = $1) "
            "+ (SELECT count(*) FROM backup_codes WHERE user_id = $1) "
            "+ (SELECT count(*) FROM account_tokens WHERE user_id = $1)",
            account.id,
        )
        return left == 0

    assert await eventually(purged)
