"""Changing the address (confirmed from the new one, the old one told) and the password
(the current one needed; other devices signed out, this one kept)."""

from __future__ import annotations

from urllib.parse import urlsplit

from metacult.realtime import protocol
from tests import random_refs
from tests.accounts import sign_in_with_cookie, sign_up
from tests.mailbox import link_in, text_of, token_in
from tests.realtime.live import Live


async def test_a_new_address_is_used_once_confirmed_from_it_and_the_old_one_is_told(
    client, worker, mailbox
) -> None:
    account = await sign_up(client)
    new_email = random_refs.email("moved")
    response = await client.post(
        "/api/v1/me/email",
        json={"new_email": new_email, "password": account.password},
        headers=account.headers,
    )
    assert response.status == 202
    me = await (await client.get("/api/v1/me", headers=account.headers)).json()
    assert me["email"] == account.email  # not yet

    [confirm] = await mailbox.wait_for(new_email)
    assert confirm["Subject"] == "Confirm your new email address"
    link = link_in(confirm)
    assert "/api/v1/auth/email/confirm?token=mce_" in link
    clicked = await client.get(link_path(link), allow_redirects=False)
    assert clicked.status == 303
    assert clicked.headers["Location"] == "/?email_changed=1"

    me = await (await client.get("/api/v1/me", headers=account.headers)).json()
    assert me["email"] == new_email
    assert me["email_verified"] is True
    notice = await mailbox.wait_for_subject(account.email, "email address was changed")
    assert notice["Subject"] == "Your Metacult email address was changed"
    assert new_email in text_of(notice)
    login = await client.post(
        "/api/v1/auth/login", json={"email": new_email, "password": account.password}
    )
    assert login.status == 200


async def test_changing_the_address_needs_the_password_and_a_free_address(client) -> None:
    account = await sign_up(client)
    other = await sign_up(client)
    wrong = await client.post(
        "/api/v1/me/email",
        json={"new_email": random_refs.email(), "password": "not-my-password"},
        headers=account.headers,
    )
    assert wrong.status == 403
    assert (await wrong.json())["error"]["code"] == "wrong_password"
    taken = await client.post(
        "/api/v1/me/email",
        json={"new_email": other.email, "password": account.password},
        headers=account.headers,
    )
    assert taken.status == 409
    bad = await client.post(
        "/api/v1/me/email",
        json={"new_email": "not an address", "password": account.password},
        headers=account.headers,
    )
    assert bad.status == 422


async def test_a_confirmation_link_works_once(client, worker, mailbox) -> None:
    account = await sign_up(client)
    new_email = random_refs.email("moved")
    await client.post(
        "/api/v1/me/email",
        json={"new_email": new_email, "password": account.password},
        headers=account.headers,
    )
    token = token_in((await mailbox.wait_for(new_email))[0])
    assert (await client.post("/api/v1/auth/email/confirm", json={"token": token})).status == 204
    again = await client.post("/api/v1/auth/email/confirm", json={"token": token})
    assert again.status == 410
    assert (await again.json())["error"]["code"] == "link_used"


async def test_changing_the_password_keeps_this_device_and_signs_out_the_others(
    aiohttp_client, make_app, worker, mailbox
) -> None:
    phone = await aiohttp_client(make_app())
    account = await sign_up(phone)
    browser = await aiohttp_client(make_app())
    await sign_in_with_cookie(browser, account)
    other_browser = await aiohttp_client(make_app())
    await sign_in_with_cookie(other_browser, account)
    phone_socket = await Live.open(phone, headers=account.headers)
    assert (await phone_socket.subscribe(f"user:{account.id}"))["type"] == "subscribed"

    new_password = f"new-{random_refs.suffix()}-Pass!"
    response = await browser.post(
        "/api/v1/me/password",
        json={"current_password": account.password, "new_password": new_password},
    )
    assert response.status == 204

    assert (await browser.get("/api/v1/me")).status == 200
    assert (await other_browser.get("/api/v1/me")).status == 401
    assert (await phone.get("/api/v1/me", headers=account.headers)).status == 401
    assert await phone_socket.closed() == protocol.CLOSE_SIGNED_OUT
    notice = await mailbox.wait_for_subject(account.email, "password was changed")
    assert notice["Subject"] == "Your Metacult password was changed"
    relogin = await phone.post(
        "/api/v1/auth/login", json={"email": account.email, "password": new_password}
    )
    assert relogin.status == 200


async def test_changing_the_password_with_a_token_keeps_that_app_signed_in(client) -> None:
    account = await sign_up(client)
    response = await client.post(
        "/api/v1/me/password",
        json={"current_password": account.password, "new_password": "another-Pass-123!"},
        headers=account.headers,
    )
    assert response.status == 204
    assert (await client.get("/api/v1/me", headers=account.headers)).status == 200


async def test_changing_the_password_needs_the_current_one_and_a_good_new_one(client) -> None:
    account = await sign_up(client)
    wrong = await client.post(
        "/api/v1/me/password",
        json={"current_password": "wrong-password!", "new_password": "another-Pass-123!"},
        headers=account.headers,
    )
    assert wrong.status == 403
    assert (await wrong.json())["error"]["fields"] == {"current_password": "is wrong"}
    weak = await client.post(
        "/api/v1/me/password",
        json={"current_password": account.password, "new_password": "short"},
        headers=account.headers,
    )
    assert weak.status == 422
    assert "new_password" in (await weak.json())["error"]["fields"]
    still = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert still.status == 200


def link_path(link: str) -> str:
    """The path and query of a mailed link, whatever the configured public address."""
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"
