"""Email verification: sign-up mails a single-use link (24 h); resend is rate-limited."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from metacult.identity import credentials
from tests import random_refs
from tests.accounts import sign_up
from tests.mailbox import html_of, link_in, text_of, token_in


async def test_sign_up_mails_a_link_that_verifies_the_address(client, worker, mailbox) -> None:
    account = await sign_up(client)
    me = await (await client.get("/api/v1/me", headers=account.headers)).json()
    assert me["email_verified"] is False

    [message] = await mailbox.wait_for(account.email)
    assert message["Subject"] == "Confirm your email address"
    assert message["From"]
    assert account.display_name in text_of(message)
    assert "<a href=" in html_of(message)
    link = link_in(message)
    assert "/api/v1/auth/email/verify?token=mcv_" in link

    response = await client.get(link_path(link), allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/?email_verified=1"
    me = await (await client.get("/api/v1/me", headers=account.headers)).json()
    assert me["email_verified"] is True


async def test_a_verification_link_works_once(client, worker, mailbox) -> None:
    account = await sign_up(client)
    token = token_in((await mailbox.wait_for(account.email))[0])
    first = await client.post("/api/v1/auth/email/verify", json={"token": token})
    assert first.status == 204
    again = await client.post("/api/v1/auth/email/verify", json={"token": token})
    assert again.status == 410
    assert (await again.json())["error"]["code"] == "link_used"


async def test_an_expired_or_tampered_verification_link_is_refused(
    client, worker, mailbox, db
) -> None:
    account = await sign_up(client)
    token = token_in((await mailbox.wait_for(account.email))[0])
    tampered = await client.post("/api/v1/auth/email/verify", json={"token": token[:-2] + "xx"})
    assert tampered.status == 400
    assert (await tampered.json())["error"]["code"] == "invalid_link"

    await db.execute(
        "UPDATE account_tokens SET expires_at = now() - $2::interval WHERE token_hash = $1",
        credentials.token_hash(token),
        timedelta(seconds=1),
    )
    expired = await client.post("/api/v1/auth/email/verify", json={"token": token})
    assert expired.status == 410
    assert (await expired.json())["error"]["code"] == "link_expired"
    clicked = await client.get(
        "/api/v1/auth/email/verify", params={"token": token}, allow_redirects=False
    )
    assert clicked.headers["Location"] == "/?email_verified=0&error=link_expired"
    me = await (await client.get("/api/v1/me", headers=account.headers)).json()
    assert me["email_verified"] is False


async def test_the_link_is_valid_for_24_hours_and_stored_hashed(
    client, worker, mailbox, db
) -> None:
    account = await sign_up(client)
    token = token_in((await mailbox.wait_for(account.email))[0])
    row = await db.fetchrow(
        "SELECT expires_at - created_at AS ttl FROM account_tokens WHERE token_hash = $1",
        credentials.token_hash(token),
    )
    assert row["ttl"] == timedelta(hours=24)
    raw = await db.fetchval(
        "SELECT count(*) FROM account_tokens WHERE encode(token_hash, 'escape') LIKE $1",
        f"%{token}%",
    )
    assert raw == 0
    # Once sent, a mail's bodies are gone from the database: the link lived only in transit.
    leftover = await db.fetchval(
        "SELECT count(*) FROM mails WHERE to_address = $1 AND text_body LIKE $2",
        account.email,
        f"%{token}%",
    )
    assert leftover == 0


async def test_resending_sends_a_new_link_and_the_old_one_stops_working(
    client, worker, mailbox
) -> None:
    account = await sign_up(client)
    old = token_in((await mailbox.wait_for(account.email))[0])
    response = await client.post("/api/v1/me/email/verification", headers=account.headers)
    assert response.status == 202
    new = next(
        token for token in map(token_in, await mailbox.wait_for(account.email, 2)) if token != old
    )
    assert new != old
    refused = await client.post("/api/v1/auth/email/verify", json={"token": old})
    assert (await refused.json())["error"]["code"] == "link_used"
    assert (await client.post("/api/v1/auth/email/verify", json={"token": new})).status == 204
    verified = await client.post("/api/v1/me/email/verification", headers=account.headers)
    assert verified.status == 409


async def test_resending_is_rate_limited(client, settings) -> None:
    account = await sign_up(client)
    statuses = [
        (await client.post("/api/v1/me/email/verification", headers=account.headers)).status
        for _ in range(settings.verify_resend_limit + 1)
    ]
    assert statuses[:-1] == [202] * settings.verify_resend_limit
    assert statuses[-1] == 429


async def test_mails_are_in_french_for_a_french_browser(client, worker, mailbox) -> None:
    email = random_refs.email("fr")
    response = await client.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": f"pw-{random_refs.suffix()}!", "display_name": "Zoé"},
        headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"},
    )
    assert response.status == 201
    assert (await response.json())["language"] == "fr"
    [message] = await mailbox.wait_for(email)
    assert message["Subject"] == "Confirmez votre adresse e-mail"
    assert "Bonjour Zoé" in text_of(message)
    assert 'lang="fr"' in html_of(message)


async def test_the_mail_language_is_part_of_the_profile(client, worker, mailbox) -> None:
    account = await sign_up(client)
    changed = await client.patch("/api/v1/me", json={"language": "fr"}, headers=account.headers)
    assert (await changed.json())["language"] == "fr"
    await client.post("/api/v1/me/email/verification", headers=account.headers)
    resent = await mailbox.wait_for_subject(account.email, "Confirmez")
    assert resent["Subject"] == "Confirmez votre adresse e-mail"
    bad = await client.patch("/api/v1/me", json={"language": "de"}, headers=account.headers)
    assert bad.status == 422


def link_path(link: str) -> str:
    """The path and query of a mailed link, whatever the configured public address."""
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"
