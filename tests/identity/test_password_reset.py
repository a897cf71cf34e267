"""Forgotten password: a one-hour single-use link; using it signs every device out."""

from __future__ import annotations

from datetime import timedelta

from metacult.identity import credentials
from tests import random_refs
from tests.accounts import sign_in_with_cookie, sign_up
from tests.helpers import eventually
from tests.mailbox import link_in, text_of, token_in


async def forgot(client, email: str, **headers: str):
    return await client.post("/api/v1/auth/password/forgot", json={"email": email}, headers=headers)


async def requests_handled(db, email: str) -> bool:
    """Whether every reset request for ``email`` was handled by the worker."""
    pending = await db.fetchval(
        "SELECT count(*) FROM outbox WHERE type = 'identity.password_reset_requested' "
        "AND data->>'email' = $1 AND id NOT IN "
        "(SELECT event_id FROM processed_events WHERE consumer = 'identity.mail_reset_link')",
        email,
    )
    return pending == 0


async def reset_mail(mailbox, email: str, count: int = 1):
    """The ``count``-th mail to ``email`` whose subject is about a reset."""

    async def arrived():
        found = [m for m in mailbox.received(email) if "eset" in m["Subject"]]
        return found if len(found) >= count else []

    return (await eventually(arrived, within=30))[count - 1]


async def test_forgot_answers_the_same_for_known_and_unknown_addresses(client) -> None:
    account = await sign_up(client)
    known = await forgot(client, account.email)
    unknown = await forgot(client, random_refs.email("nobody"))
    assert known.status == unknown.status == 202
    assert await known.read() == await unknown.read() == b""
    assert set(known.headers) - {"Date", "X-Request-Id"} == set(unknown.headers) - {
        "Date",
        "X-Request-Id",
    }


async def test_the_reset_link_arrives_only_for_an_existing_account(
    client, worker, mailbox, db
) -> None:
    account = await sign_up(client)
    stranger = random_refs.email("nobody")
    await forgot(client, stranger)
    await forgot(client, account.email)
    message = await reset_mail(mailbox, account.email)
    assert message["Subject"] == "Reset your Metacult password"
    assert "/reset-password?token=mcp_" in link_in(message)
    token = token_in(message)
    ttl = await db.fetchval(
        "SELECT expires_at - created_at FROM account_tokens WHERE token_hash = $1",
        credentials.token_hash(token),
    )
    assert ttl == timedelta(hours=1)
    # The stranger's request was handled too, and sent nothing.
    await eventually(lambda: requests_handled(db, stranger))
    assert mailbox.received(stranger) == []


async def test_a_reset_sets_the_password_and_signs_out_every_session_and_token(
    client, worker, mailbox, aiohttp_client, make_app
) -> None:
    account = await sign_up(client)
    browser = await aiohttp_client(make_app())
    await sign_in_with_cookie(browser, account)
    assert (await browser.get("/api/v1/me")).status == 200
    await forgot(client, account.email)
    token = token_in(await reset_mail(mailbox, account.email))

    new_password = f"new-{random_refs.suffix()}-Pass!"
    response = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "password": new_password}
    )
    assert response.status == 204
    assert (await client.get("/api/v1/me", headers=account.headers)).status == 401
    assert (await browser.get("/api/v1/me")).status == 401
    refresh = await client.post(
        "/api/v1/auth/token/refresh", json={"refresh_token": account.refresh_token}
    )
    assert refresh.status == 401
    old = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert old.status == 401
    new = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": new_password}
    )
    assert new.status == 200
    # The user is told by mail.
    notice = await mailbox.wait_for_subject(account.email, "password was changed")
    assert notice["Subject"] == "Your Metacult password was changed"
    assert "signed out" in text_of(notice)


async def test_a_reset_link_works_once(client, worker, mailbox) -> None:
    account = await sign_up(client)
    await forgot(client, account.email)
    token = token_in(await reset_mail(mailbox, account.email))
    first = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "password": "first-Pass-123!"}
    )
    assert first.status == 204
    again = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "password": "second-Pass-456!"}
    )
    assert again.status == 410
    assert (await again.json())["error"]["code"] == "link_used"


async def test_expired_and_tampered_reset_links_are_refused(client, worker, mailbox, db) -> None:
    account = await sign_up(client)
    await forgot(client, account.email)
    token = token_in(await reset_mail(mailbox, account.email))
    for bad in (token[:-3] + "abc", "mcp_nonsense", "not-a-token"):
        response = await client.post(
            "/api/v1/auth/password/reset", json={"token": bad, "password": "whatever-Pass-1!"}
        )
        assert response.status == 400, bad
        assert (await response.json())["error"]["code"] == "invalid_link"
    await db.execute(
        "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
        credentials.token_hash(token),
    )
    expired = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "password": "whatever-Pass-1!"}
    )
    assert expired.status == 410
    body = await expired.json()
    assert body["error"]["code"] == "link_expired"
    assert "expired" in body["error"]["message"]
    still = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert still.status == 200


async def test_a_weak_new_password_is_refused_and_the_link_still_works(
    client, worker, mailbox
) -> None:
    account = await sign_up(client)
    await forgot(client, account.email)
    token = token_in(await reset_mail(mailbox, account.email))
    weak = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "password": "short"}
    )
    assert weak.status == 422
    assert "password" in (await weak.json())["error"]["fields"]
    good = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "password": "long-enough-Pass-1!"}
    )
    assert good.status == 204


async def test_a_newer_reset_link_replaces_the_older_one(client, worker, mailbox) -> None:
    account = await sign_up(client)
    await forgot(client, account.email)
    first = token_in(await reset_mail(mailbox, account.email, 1))
    await forgot(client, account.email)
    second = token_in(await reset_mail(mailbox, account.email, 2))
    old = await client.post(
        "/api/v1/auth/password/reset", json={"token": first, "password": "long-enough-Pass-1!"}
    )
    assert (await old.json())["error"]["code"] == "link_used"
    new = await client.post(
        "/api/v1/auth/password/reset", json={"token": second, "password": "long-enough-Pass-1!"}
    )
    assert new.status == 204


async def test_reset_links_per_account_are_limited(client, worker, mailbox, settings, db) -> None:
    account = await sign_up(client)
    for _ in range(settings.forgot_limit_per_account + 2):
        assert (await forgot(client, account.email)).status == 202

    await eventually(lambda: requests_handled(db, account.email))
    await reset_mail(mailbox, account.email, settings.forgot_limit_per_account)
    sent = await db.fetchval(
        "SELECT count(*) FROM mails WHERE to_address = $1 AND kind = 'reset_password'",
        account.email,
    )
    assert sent == settings.forgot_limit_per_account
