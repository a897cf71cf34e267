"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the tests.

The harness starts one per run on a free port and points ``SMTP_URL`` at it, so the
worker's ``send_mail`` actor delivers there. Tests find their mails by address (each
test's addresses are unique) and can make the server refuse an address for a while.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.helpers import eventually


class Mailbox:
    """The aiosmtpd handler: every accepted message, parsed, by recipient."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []
        self._refuse: Counter[str] = Counter()
        self._answers: dict[str, str] = {}

    def refuse(self, address: str, times: int, answer: str = "451 4.3.0 try again later") -> None:
        """Refuse the next ``times`` deliveries to ``address`` (by default with a ``451``,
        try again later; ``550 ...`` refuses for good)."""
        with self._lock:
            self._refuse[address.lower()] = times
            self._answers[address.lower()] = answer

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        with self._lock:
            if self._refuse[address.lower()] > 0:
                self._refuse[address.lower()] -= 1
                return self._answers[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        with self._lock:
            self._messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def received(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self._messages if m["To"].lower() == address.lower()]

    async def wait_for(self, address: str, count: int = 1) -> list[EmailMessage]:
        """The first ``count`` mails to ``address``, once they have arrived."""

        async def arrived() -> list[EmailMessage]:
            found = self.received(address)
            return found if len(found) >= count else []

        return (await eventually(arrived, within=30))[:count]

    async def wait_for_subject(self, address: str, subject: str) -> EmailMessage:
        """The first mail to ``address`` whose subject has ``subject`` in it, once it arrived
        (mails sent together may arrive in any order)."""

        async def arrived() -> list[EmailMessage]:
            return [m for m in self.received(address) if subject in m["Subject"]]

        return (await eventually(arrived, within=30))[0]


def start(port: int) -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, mailbox


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]


def link_in(message: EmailMessage) -> str:
    """The one link of a mail (the same in its text and its HTML part)."""
    links = re.findall(r"https?://\S+", text_of(message))
    assert len(links) == 1, links
    assert f'href="{links[0]}"' in html_of(message)
    return links[0]


def token_in(message: EmailMessage) -> str:
    return link_in(message).split("token=", 1)[1]
