"""The mail actor: sends each queued mail, retrying with backoff while SMTP fails."""

from __future__ import annotations

from typing import Any

import dramatiq

from metacult.infra import mail
from workers import broker as broker
from workers.events import on_event
from workers.runtime import resources
from workers.schedule import every


@on_event(mail.MAIL_QUEUED)
@dramatiq.actor(
    max_retries=10,
    min_backoff=1_000,
    max_backoff=15 * 60_000,
    time_limit=120_000,
    max_age=2 * 86_400_000,
    throws=(mail.MailRefused,),
)
async def send_mail(event: dict[str, Any]) -> None:
    """Deliver one queued mail (a mail already sent is not sent again)."""
    res = await resources()
    await mail.send_queued(res.db, res.settings, mail.MAIL_QUEUED.payload_of(event).mail_id)


@every(3600)
@dramatiq.actor(max_retries=3, time_limit=60_000, max_age=3_600_000)
async def forget_sent_mails() -> None:
    """Forget, after 30 days, to whom which mail was sent."""
    res = await resources()
    await mail.forget_sent(res.db)
