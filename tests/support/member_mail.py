"""What members received (the outbox Maildir, parsed) and replies to it shaped as Gmail,
Outlook and an iPhone write them, for the tests of members' own requests."""

from __future__ import annotations

import mailbox
from email import message_from_bytes, policy
from email.message import EmailMessage

from support.partnership import Partnership


def received(p: Partnership, kind: str | None = None, to: str | None = None) -> list[EmailMessage]:
    """Messages delivered into the outbox Maildir, by ``X-Reflect-Kind`` and recipient."""
    box = mailbox.Maildir(p.outbox, create=False)
    found = []
    for key in sorted(box.iterkeys()):
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        if kind is not None and str(msg["X-Reflect-Kind"]) != kind:
            continue
        if to is not None and msg["To"].addresses[0].addr_spec != to:
            continue
        found.append(msg)
    return sorted(found, key=lambda m: m["Date"].datetime)


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _reply_address(msg: EmailMessage) -> str:
    chosen = msg["Reply-To"] or msg["From"]
    return str(chosen.addresses[0].addr_spec)


def gmail_reply(msg: EmailMessage, sender: str, first: str, *, n: int = 1) -> bytes:
    """A Gmail reply: text and HTML, the original quoted below an "On ... wrote:" line."""
    quoted = "\r\n".join("> " + line for line in text_of(msg).splitlines()[:6])
    return (
        f"From: {sender}\r\nTo: {_reply_address(msg)}\r\nSubject: Re: {msg['Subject']}\r\n"
        f"In-Reply-To: {msg['Message-ID']}\r\nReferences: {msg['Message-ID']}\r\n"
        f"Message-ID: <CAgmail{n}{abs(hash(first)) % 10**8}@mail.gmail.com>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="g"\r\n\r\n'
        "--g\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
        f"{first}\r\n\r\nOn Tue, 5 Jan 2027 at 12:00, Willenhall Together "
        f"<reflect@reflect.example.org> wrote:\r\n{quoted}\r\n"
        "--g\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
        f'<div dir="ltr">{first}</div><br><div class="gmail_quote">On Tue, 5 Jan 2027 '
        "wrote:<blockquote>question</blockquote></div>\r\n--g--\r\n"
    ).encode()


def outlook_reply(msg: EmailMessage, sender: str, first: str, *, n: int = 1) -> bytes:
    """An Outlook reply: the word, "Sent from Outlook", a rule and the original's headers."""
    return (
        f"From: {sender}\r\nTo: {_reply_address(msg)}\r\nSubject: RE: {msg['Subject']}\r\n"
        f"Thread-Topic: {msg['Subject']}\r\nIn-Reply-To: {msg['Message-ID']}\r\n"
        f"References: {msg['Message-ID']}\r\n"
        f"Message-ID: <AM{n}PR{abs(hash(first)) % 10**8}@eurprd.outlook.com>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"{first}\r\n\r\nSent from Outlook\r\n\r\n________________________________\r\n"
        "From: Willenhall Together <reflect@reflect.example.org>\r\n"
        "Sent: 05 January 2027 12:00\r\nTo: Member\r\n"
        f"Subject: {msg['Subject']}\r\n\r\n{text_of(msg)[:400]}\r\n"
    ).encode()


def iphone_reply(msg: EmailMessage, sender: str, first: str, *, n: int = 1) -> bytes:
    """Apple Mail on an iPhone: the word, its signature, then the quoted original."""
    return (
        f"From: {sender}\r\nTo: {_reply_address(msg)}\r\nSubject: Re: {msg['Subject']}\r\n"
        f"In-Reply-To: {msg['Message-ID']}\r\nReferences: {msg['Message-ID']}\r\n"
        f"Message-ID: <IPH{n}-{abs(hash(first)) % 10**8}@icloud.com>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{first}\r\n\r\nSent from my iPhone\r\n\r\n> On 5 Jan 2027, at 12:00, Willenhall "
        "Together <reflect@reflect.example.org> wrote:\r\n> question\r\n"
    ).encode()


def deliver(p: Partnership, *messages: bytes) -> None:
    """Put replies in the inbox Maildir the next tick reads."""
    box = mailbox.Maildir(p.inbox, create=True)
    for raw in messages:
        box.add(raw)
