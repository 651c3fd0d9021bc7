"""Composing inbound mail for the fault tests: replies to the prompts we really sent."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

from scheduler.archive.database import Archive


@dataclass(frozen=True)
class SentPrompt:
    member: str
    reply_to: str
    message_id: str
    subject: str


def sent_prompts(archive: Archive, kind: str = "prompt") -> list[SentPrompt]:
    """The prompts (or handover requests) in the outbox, with the addresses a reply would use."""
    found = []
    for row in archive.rows(
        "SELECT recipient, raw FROM outbox WHERE kind = ? ORDER BY id", (kind,)
    ):
        msg = message_from_bytes(row["raw"], policy=policy.default)
        found.append(
            SentPrompt(
                member=row["recipient"],
                reply_to=msg["Reply-To"].addresses[0].addr_spec,
                message_id=str(msg["Message-ID"]),
                subject=str(msg["Subject"]),
            )
        )
    return found


def reply(
    prompt: SentPrompt,
    body: str = "We are here to make Willenhall healthier, together.",
    *,
    sender: str | None = None,
    message_id: str = "<reply-1@members.example>",
    headers: str = "",
) -> bytes:
    """A plain reply to ``prompt`` as a phone would send it (CRLF, UTF-8)."""
    return (
        f"From: {sender if sender is not None else prompt.member}\r\n"
        f"To: {prompt.reply_to}\r\n"
        f"Subject: Re: {prompt.subject}\r\n"
        f"In-Reply-To: {prompt.message_id}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Date: Mon, 23 Nov 2026 08:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        f"{headers}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n\r\nOn Sun, 22 Nov 2026, Willenhall Together wrote:\r\n> question\r\n"
    ).encode()


def fill_maildir(path: Path, messages: list[bytes], *, start: float = 1_790_000_000.0) -> None:
    """Drop ``messages`` into ``path``/new, oldest first, with fixed times (a fixed order)."""
    for sub in ("new", "cur", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    for n, raw in enumerate(messages):
        file = path / "new" / f"{int(start) + n}.M{n}P1.test"
        file.write_bytes(raw)
        os.utime(file, (start + n, start + n))


def rsvp_email(
    *,
    uid: str,
    attendee: str,
    name: str,
    partstat: str,
    style: str,
    occurrence: str = "20270223T100000",
) -> bytes:
    """A calendar reply shaped as Outlook, Google or Apple send them.

    Google answers for one occurrence (``occurrence``, local London time); the others
    for the whole series.
    """
    event = [
        "BEGIN:VCALENDAR",
        "METHOD:REPLY",
        f"PRODID:{ {'outlook': 'Microsoft Exchange Server 2010', 'google': '-//Google Inc//Google Calendar 70.9054//EN', 'apple': '-//Apple Inc.//iPhone 17.0//EN'}[style] }",
        "VERSION:2.0",
        "BEGIN:VEVENT",
        f"ATTENDEE;PARTSTAT={partstat};CN={name}:mailto:{attendee}",
        f"UID:{uid}",
        "DTSTAMP:20270104T162000Z",
        "SEQUENCE:0",
    ]
    if style == "google":  # Google names the organizer and the occurrence it answers for
        event += [
            "ORGANIZER;CN=Priya Shah:mailto:reflect@reflect.example.org",
            f"RECURRENCE-ID;TZID=Europe/London:{occurrence}",
        ]
    event += ["END:VEVENT", "END:VCALENDAR", ""]
    ics = "\r\n".join(event).encode()
    subject = {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentative"}[partstat]
    head = (
        f"From: {name} <{attendee}>\r\nTo: reflect@reflect.example.org\r\n"
        f"Subject: {subject}: Reflection point\r\nMessage-ID: <{style}-{partstat}-{attendee}@example.org>\r\n"
        "MIME-Version: 1.0\r\n"
    )
    b64 = base64.encodebytes(ics).decode().replace("\n", "\r\n")
    if style == "apple":
        return (
            head + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            "Content-Type: text/plain\r\n\r\nMaybe.\r\n--b\r\n"
            'Content-Type: text/calendar; method=REPLY; name="iCal-20270104.ics"\r\n'
            "Content-Disposition: attachment; filename=iCal-20270104.ics\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{b64}--b--\r\n"
        ).encode()
    return (
        head + 'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain\r\n\r\nReply.\r\n--b\r\n"
        "Content-Type: text/calendar; charset=utf-8; method=REPLY\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{b64}--b--\r\n"
    ).encode()
