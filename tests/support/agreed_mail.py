"""Mail for the tests of what meetings agreed: what we sent, read from the outbox
Maildir, and replies to it as Outlook, an iPhone and a plain client write them."""

from __future__ import annotations

import html
import mailbox
import os
import subprocess
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from support.mailmaker import fill_maildir


def sent_of(outbox: Path, kind: str, to: str = "") -> list[EmailMessage]:
    """Every message of ``kind`` (to an address containing ``to``) in the outbox Maildir,
    oldest first."""
    found = []
    box = mailbox.Maildir(outbox, create=False)
    for key in sorted(box.iterkeys()):
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        if str(msg["X-Reflect-Kind"]) == kind and to in str(msg["To"]):
            found.append(msg)
    return sorted(found, key=lambda m: m["Date"].datetime)  # in the order they were sent


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def _address(msg: EmailMessage) -> str:
    return str(msg["Reply-To"].addresses[0].addr_spec)


def outlook_reply(msg: EmailMessage, *, sender: str, lines: list[str], n: int = 1) -> bytes:
    """Top-posted, HTML and text, with Outlook's header block above our email unquoted."""
    ours = text_of(msg)
    plain = "\r\n".join(lines) + (
        "\r\n\r\n________________________________\r\n"
        f"From: Willenhall Together <reflect@reflect.example.org>\r\nSent: 12 January 2027 12:00\r\n"
        f"To: {sender}\r\nSubject: {msg['Subject']}\r\n\r\n" + ours.replace("\n", "\r\n")
    )
    body_html = "".join(f"<p>{html.escape(line)}</p>" for line in lines) + (
        '<div id="divRplyFwdMsg"><hr><b>From:</b> Willenhall Together<br><b>Sent:</b> '
        f"12 January 2027 12:00<br><b>Subject:</b> {html.escape(str(msg['Subject']))}</div>"
        f"<div>{html.escape(ours)}</div>"
    )
    return (
        f"From: {sender}\r\nTo: {_address(msg)}\r\nSubject: RE: {msg['Subject']}\r\n"
        f"In-Reply-To: {msg['Message-ID']}\r\nMessage-ID: <outlook-{n}@members.example>\r\n"
        "X-Mailer: Microsoft Outlook 16.0\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{plain}\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n<html><body>{body_html}</body></html>\r\n--b1--\r\n"
    ).encode()


def iphone_reply(msg: EmailMessage, *, sender: str, lines: list[str], n: int = 1) -> bytes:
    """Plain text, "Sent from my iPhone", then our email quoted."""
    quoted = "\r\n".join("> " + line for line in text_of(msg).splitlines())
    return (
        f"From: {sender}\r\nTo: {_address(msg)}\r\nSubject: Re: {msg['Subject']}\r\n"
        f"In-Reply-To: {msg['Message-ID']}\r\nMessage-ID: <iphone-{n}@members.example>\r\n"
        "X-Mailer: iPhone Mail (20A362)\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "\r\n".join(lines)
        + "\r\n\r\nSent from my iPhone\r\n\r\n"
        f"> On 12 Jan 2027, at 12:00, Willenhall Together <reflect@reflect.example.org> wrote:\r\n"
        f">\r\n{quoted}\r\n"
    ).encode()


def plain_reply(msg: EmailMessage, *, sender: str, body: str, n: int = 1) -> bytes:
    return (
        f"From: {sender}\r\nTo: {_address(msg)}\r\nSubject: Re: {msg['Subject']}\r\n"
        f"In-Reply-To: {msg['Message-ID']}\r\nMessage-ID: <plain-{n}-{abs(hash(body))}@m.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"{body}\r\n\r\nOn Tue, 16 Feb 2027, Willenhall Together wrote:\r\n> You said you would\r\n"
    ).encode()


def deliver(inbox: Path, messages: list[bytes], start: float) -> None:
    fill_maildir(inbox, messages, start=start)


def reflect_cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real ``reflect`` command, as a convenor runs it, from this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFLECT_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(config), *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
