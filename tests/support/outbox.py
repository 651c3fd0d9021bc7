"""Reading what the service sent: the outbox Maildir parsed, and a member's reply to one
of its emails, as a mail client would write it."""

from __future__ import annotations

import mailbox
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from support.partnership import Partnership


def delivered(outbox: Path) -> list[EmailMessage]:
    """Every message in the outbox Maildir, in the order they are dated."""
    box = mailbox.Maildir(outbox, create=False)
    found = []
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        found.append(msg)
    return sorted(found, key=lambda m: (m["Date"].datetime, str(m["Message-ID"])))


def messages(p: Partnership, kind: str) -> list[EmailMessage]:
    """The messages of one kind (``X-Reflect-Kind``), by date and then recipient."""
    found = [m for m in delivered(p.outbox) if str(m["X-Reflect-Kind"]) == kind]
    return sorted(found, key=lambda m: (m["Date"].datetime, str(m["To"])))


def sent(p: Partnership, kind: str, to: str) -> EmailMessage:
    """A question email (or its reminder) of ``kind`` to ``to``."""
    for msg in delivered(p.outbox):
        if (
            str(msg["X-Reflect-Kind"]) == kind
            and to in str(msg["To"])
            and "Question" in str(msg["Subject"])
        ):
            return msg
    raise AssertionError(f"no {kind} to {to}")


def text_of(msg: EmailMessage) -> str:
    """The plain-text part, with plain newlines."""
    part = msg.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content()).replace("\r\n", "\n")


def reply_to(
    prompt: EmailMessage, *, sender: str, body: str, to: str | None = None, extra: str = ""
) -> bytes:
    """A plain-text reply from ``sender`` to ``prompt``'s Reply-To (or ``to``)."""
    address = to or prompt["Reply-To"].addresses[0].addr_spec
    return (
        f"From: {sender}\r\nTo: {address}\r\nSubject: Re: {prompt['Subject']}\r\n"
        f"Message-ID: <{abs(hash((sender, body, address)))}@mail.example>\r\n{extra}"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{body}\r\n"
    ).encode()
