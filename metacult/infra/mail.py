"""Outgoing mail: queued in the transaction that asks for it, sent after commit by an actor.

A context calls :func:`queue` with a rendered :class:`Mail` inside its transaction; that
writes a ``mails`` row and a ``mail.queued`` event, so a mail exists exactly when its
change committed and a failing SMTP server never fails the request. The ``send_mail``
actor (``workers/mail.py``) calls :func:`send_queued`, which delivers through SMTP
(``SMTP_URL``) or, without one, logs the mail and writes it to ``MAIL_DIR`` as an
``.eml`` file a developer can open. A sent mail's bodies are cleared: they may carry
single-use links.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib
import asyncpg
import pydantic

from metacult.config import Settings
from metacult.infra.events import EventType, emit

log = logging.getLogger("metacult.mail")


class MailQueued(pydantic.BaseModel):
    mail_id: int


MAIL_QUEUED = EventType(
    "mail.queued", MailQueued, summary="A mail is waiting in the mails table; send_mail sends it."
)


class MailRefused(Exception):
    """The SMTP server refused the recipient for good (5xx): retrying would not help."""


@dataclass(frozen=True, slots=True)
class Mail:
    """One message to one address: plain text and HTML saying the same thing."""

    to: str
    subject: str
    text: str
    html: str
    kind: str


async def queue(conn: asyncpg.Connection, mail: Mail) -> int:
    """Queue ``mail`` in the caller's transaction; it is sent after commit. Its id."""
    mail_id = await conn.fetchval(
        "INSERT INTO mails (to_address, subject, text_body, html_body, kind) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id",
        mail.to,
        mail.subject,
        mail.text,
        mail.html,
        mail.kind,
    )
    await emit(conn, MAIL_QUEUED, MailQueued(mail_id=mail_id))
    return mail_id


def message(settings: Settings, mail: Mail) -> EmailMessage:
    """The MIME message of ``mail``: ``multipart/alternative``, text first, then HTML."""
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


async def deliver(settings: Settings, msg: EmailMessage) -> None:
    """Hand ``msg`` to the SMTP server of ``SMTP_URL``; without one, log it and write a file."""
    if not settings.smtp_url:
        await asyncio.to_thread(_write_to_dir, settings, msg)
        return
    url = urlsplit(settings.smtp_url)
    implicit_tls = url.scheme == "smtps"
    await aiosmtplib.send(
        msg,
        hostname=url.hostname or "localhost",
        port=url.port or (465 if implicit_tls else 25),
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        use_tls=implicit_tls,
        # None: upgrade with STARTTLS when the server offers it.
        start_tls=False if implicit_tls else None,
        timeout=settings.smtp_timeout,
    )


def _write_to_dir(settings: Settings, msg: EmailMessage) -> None:
    folder = Path(settings.mail_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}.eml"
    path.write_bytes(msg.as_bytes())
    body = msg.get_body(preferencelist=("plain",))
    log.info(
        "mail written (no SMTP_URL)",
        extra={
            "to": msg["To"],
            "subject": msg["Subject"],
            "path": str(path),
            "text": body.get_content() if body is not None else "",
        },
    )


async def send_queued(pool: asyncpg.Pool, settings: Settings, mail_id: int) -> bool:
    """Send a queued mail; False when it was already sent (or refused). Raises when delivery
    fails, so the actor retries; the row stays unsent until a delivery succeeds, or until
    the server refuses the recipient for good (:class:`MailRefused`, not retried)."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "UPDATE mails SET attempts = attempts + 1 "
            "WHERE id = $1 AND sent_at IS NULL AND failed_at IS NULL "
            "RETURNING to_address, subject, text_body, html_body, kind",
            mail_id,
        )
    if row is None:
        return False
    mail = Mail(row["to_address"], row["subject"], row["text_body"], row["html_body"], row["kind"])
    try:
        await deliver(settings, message(settings, mail))
    except aiosmtplib.SMTPRecipientsRefused as exc:
        if not all(refused.code >= 500 for refused in exc.recipients):
            raise
        failure = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)[:500]
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE mails SET failed_at = now(), failure = $2, text_body = '', "
                "html_body = '' WHERE id = $1",
                mail_id,
                failure,
            )
        log.warning("mail refused for good", extra={"mail_id": mail_id, "failure": failure})
        raise MailRefused(failure) from exc
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE mails SET sent_at = now(), text_body = '', html_body = '' WHERE id = $1",
            mail_id,
        )
    log.info("mail sent", extra={"mail_id": mail_id, "kind": mail.kind})
    return True


async def forget_sent(pool: asyncpg.Pool, *, older_than_days: int = 30) -> int:
    """Delete the record of mails sent more than ``older_than_days`` ago (who got what)."""
    async with pool.acquire() as conn:
        status = await conn.execute(
            "DELETE FROM mails WHERE sent_at < now() - make_interval(days => $1)", older_than_days
        )
    return int(status.split()[-1])
