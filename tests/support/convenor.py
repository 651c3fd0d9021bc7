"""The convenor's inbox in the tests: what the service sent, read back from the outbox
Maildir, and people's replies to it as Gmail, Outlook and an iPhone write them."""

from __future__ import annotations

import asyncio
import mailbox
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from scheduler.app.services import build_services
from support.mailmaker import fill_maildir
from support.partnership import Partnership

CONVENOR = "priya.shah@grapevine.example.org"


def outbox(p: Partnership, kind: str | None = None) -> list[EmailMessage]:
    """Every message in the outbox Maildir (of one kind), in the order they were written."""
    box = mailbox.Maildir(p.outbox, create=True)
    found = []
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        if kind is None or str(msg["X-Reflect-Kind"]) == kind:
            found.append(msg)
    return sorted(found, key=lambda m: m["Date"].datetime)


def text_of(msg: EmailMessage) -> str:
    body = msg.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def to_of(msg: EmailMessage) -> list[str]:
    return [a.addr_spec for a in msg["To"].addresses]


def reply_to_of(msg: EmailMessage) -> str:
    return str(msg["Reply-To"].addresses[0].addr_spec)


def tick(p: Partnership, at: datetime, inbox: list[bytes] | None = None) -> dict[str, int]:
    """Drop ``inbox`` into the inbox Maildir and run one real tick at ``at``."""
    if inbox:
        fill_maildir(p.inbox, inbox, start=at.timestamp())
    services = build_services(p.config)
    try:
        report = asyncio.run(services.tick(at))
    finally:
        services.close()
    return dict(report.ingested)


def person_reply(
    original: EmailMessage,
    *,
    sender: str,
    name: str,
    body: str,
    style: str = "gmail",
    to: str | None = None,
    message_id: str,
) -> bytes:
    """A person's reply to ``original`` as ``style`` writes it: threaded on its Message-ID,
    sent to its Reply-To (or From), quoting it below."""
    to = to or str((original["Reply-To"] or original["From"]).addresses[0].addr_spec)
    quoted = "\r\n".join(f"> {line}" for line in text_of(original).splitlines()[:6])
    intro = {
        "gmail": "On Mon, 23 Nov 2026 at 09:00, Willenhall Together wrote:",
        "outlook": "________________________________\r\nFrom: Willenhall Together\r\n"
        "Sent: 23 November 2026 09:00\r\nSubject: " + str(original["Subject"]),
        "iphone": "Sent from my iPhone\r\n\r\n> On 23 Nov 2026, at 09:00, Willenhall Together wrote:",
    }[style]
    extra = "Thread-Index: AdkxyzAbCdEf\r\n" if style == "outlook" else ""
    return (
        f"From: {name} <{sender}>\r\nTo: {to}\r\nSubject: Re: {original['Subject']}\r\n"
        f"In-Reply-To: {original['Message-ID']}\r\nReferences: {original['Message-ID']}\r\n"
        f"Message-ID: {message_id}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n{extra}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n\r\n{intro}\r\n{quoted}\r\n"
    ).encode()


def outlook_auto_reply(original: EmailMessage, *, sender: str, name: str) -> bytes:
    """Outlook's out-of-office answer to ``original``: threaded, and marked as automatic."""
    return (
        f"From: {name} <{sender}>\r\nTo: {original['From'].addresses[0].addr_spec}\r\n"
        f"Subject: Automatic reply: {original['Subject']}\r\n"
        f"In-Reply-To: {original['Message-ID']}\r\nReferences: {original['Message-ID']}\r\n"
        f"Message-ID: <oof-{sender}@outlook.example>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "I am out of the office until Monday with limited access to email.\r\n"
    ).encode()
