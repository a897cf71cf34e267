"""Outgoing mail: queued with the change, sent by the worker, retried while SMTP refuses."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from metacult.infra import mail
from tests import random_refs
from tests.accounts import sign_up
from tests.helpers import eventually
from tests.mailbox import text_of
from tests.outbox import emitted, receivers


async def test_a_mail_the_server_refuses_at_first_arrives_on_a_retry(
    client, worker, mailbox, db
) -> None:
    email = random_refs.email("flaky")
    mailbox.refuse(email, times=1)
    response = await client.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": f"pw-{random_refs.suffix()}!", "display_name": "Flaky"},
    )
    # The request does not wait for (or fail with) the SMTP server.
    assert response.status == 201
    [message] = await mailbox.wait_for(email)
    assert "Confirm" in message["Subject"]
    # The server has the mail before the worker recorded it as sent.
    attempts = await eventually(
        lambda: db.fetchval(
            "SELECT attempts FROM mails WHERE to_address = $1 AND sent_at IS NOT NULL", email
        )
    )
    assert attempts == 2


async def test_a_mail_refused_for_good_is_not_retried_and_forgets_its_bodies(
    client, worker, mailbox, db
) -> None:
    email = random_refs.email("gone")
    mailbox.refuse(email, times=100, answer="550 5.1.1 no such mailbox")
    response = await client.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": f"pw-{random_refs.suffix()}!", "display_name": "Gone"},
    )
    assert response.status == 201

    async def refused():
        return await db.fetchrow(
            "SELECT attempts, failure, text_body, sent_at FROM mails "
            "WHERE to_address = $1 AND failed_at IS NOT NULL",
            email,
        )

    row = await eventually(refused)
    assert row["attempts"] == 1
    assert row["failure"].startswith("550")
    assert row["text_body"] == "" and row["sent_at"] is None
    assert mailbox.received(email) == []


async def test_a_mail_has_a_text_and_an_html_part_and_our_headers(
    client, worker, mailbox, settings
) -> None:
    account = await sign_up(client)
    [message] = await mailbox.wait_for(account.email)
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert message["From"] == settings.mail_from
    assert message["Message-ID"]
    assert message["Auto-Submitted"] == "auto-generated"


async def test_without_smtp_url_mails_are_written_to_the_mail_folder(settings, tmp_path) -> None:
    local = settings.replace(smtp_url="", mail_dir=str(tmp_path / "mail"))
    sent = mail.Mail(
        to="dev@example.test",
        subject="Hello",
        text="Click https://example.test/x\n",
        html="<p>Click</p>",
        kind="test",
    )
    await mail.deliver(local, mail.message(local, sent))

    async def written() -> list:
        return list((tmp_path / "mail").glob("*.eml"))

    [path] = await eventually(written)
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert message["To"] == "dev@example.test"
    assert "https://example.test/x" in text_of(message)


async def test_queueing_a_mail_emits_mail_queued_for_the_send_mail_actor(client, db) -> None:
    account = await sign_up(client)
    mail_id = await db.fetchval("SELECT id FROM mails WHERE to_address = $1", account.email)

    assert await emitted(db, mail.MAIL_QUEUED, mail_id=mail_id) == [{"mail_id": mail_id}]
    assert receivers(mail.MAIL_QUEUED) == {"send_mail"}
