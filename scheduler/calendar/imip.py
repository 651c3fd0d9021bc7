"""iMIP (RFC 6047): the MIME body that carries a calendar invitation.

``compose_imip`` returns a body-only ``EmailMessage``; the caller adds From,
To, Subject, Message-ID, Date and the rest. The layout is the one the
CalConnect iMIP best-practice guide recommends after interoperability
testing, and the one Outlook and Google Calendar themselves send::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain; charset="utf-8"
    │   ├── text/html; charset="utf-8"
    │   └── text/calendar; method=REQUEST; charset="UTF-8"   (no disposition)
    └── application/ics; name="invite.ics"                   (attachment, base64)

Outlook turns the text/calendar part into Accept/Decline buttons only when
its ``method=`` equals the METHOD inside the calendar, so that is checked
here. The calendar part is 7bit when it is ASCII with CRLF lines, and base64
otherwise (as Exchange sends it): base64 keeps the bytes, line ends included,
exactly. Sources are in docs/invitations.md.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

__all__ = ["compose_imip"]

_METHODS = ("PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER", "DECLINECOUNTER")
_METHOD_LINE = re.compile(rb"^METHOD:(.*?)\r?$", re.MULTILINE | re.IGNORECASE)
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\/:;*?<>|]')
_MAX_7BIT_LINE = 78  # RFC 5322's recommended line length; longer text goes quoted-printable


def _calendar_method(ics: bytes) -> str:
    """The METHOD of the (one) VCALENDAR, read from its unfolded top level."""
    depth = 0
    found: list[str] = []
    unfolded = re.sub(rb"\r?\n[ \t]", b"", ics)
    for line in unfolded.splitlines():
        upper = line.strip().upper()
        if upper.startswith(b"BEGIN:"):
            depth += 1
        elif upper.startswith(b"END:"):
            depth -= 1
        elif depth == 1 and (match := _METHOD_LINE.match(line.strip())):
            found.append(match.group(1).decode("ascii", "replace").strip().upper())
    if len(found) != 1:
        raise ValueError("The calendar must have exactly one METHOD line in its VCALENDAR.")
    return found[0]


def _text_cte(text: str) -> str:
    """7bit for short ASCII lines; quoted-printable otherwise (never raw 8bit)."""
    if text.isascii() and all(len(line) <= _MAX_7BIT_LINE for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


def _calendar_cte(ics: bytes) -> str:
    """7bit for ASCII with CRLF line ends; base64 (exact bytes) otherwise."""
    if not ics.isascii():
        return "base64"
    lines = ics.split(b"\r\n")
    if any(b"\r" in line or b"\n" in line or len(line) > 998 for line in lines):
        return "base64"
    return "7bit"


def _safe_filename(filename: str) -> str:
    cleaned = _UNSAFE_FILENAME.sub("", filename).strip()
    if not cleaned.lower().endswith(".ics"):
        cleaned = (cleaned or "invite") + ".ics"
    return cleaned


def compose_imip(
    *, text: str, html: str, ics: bytes, method: str, filename: str = "invite.ics"
) -> EmailMessage:
    """The MIME body of an invitation, cancellation or published calendar.

    ``method`` must be the METHOD inside ``ics`` (any case); it is written in
    upper case. Raises ValueError when they differ, since Outlook then shows
    "not supported calendar message" instead of the invitation.
    """
    wanted = method.strip().upper()
    if wanted not in _METHODS:
        raise ValueError(f'"{method}" is not an iTIP method such as REQUEST or CANCEL.')
    inside = _calendar_method(ics)
    if inside != wanted:
        raise ValueError(
            f"The calendar says METHOD:{inside} but the message says method={wanted}; "
            "they must be the same."
        )
    name = _safe_filename(filename)

    message = EmailMessage()
    message.set_content(text, subtype="plain", charset="utf-8", cte=_text_cte(text))
    message.add_alternative(html, subtype="html", charset="utf-8", cte=_text_cte(html))

    calendar = EmailMessage()
    calendar.set_content(ics, maintype="text", subtype="calendar", cte=_calendar_cte(ics))
    calendar.set_param("method", wanted)
    calendar.set_param("charset", "UTF-8")
    message.attach(calendar)

    message.add_attachment(
        ics,
        maintype="application",
        subtype="ics",
        filename=name,
        params={"name": name},
    )
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]  # only the top of a message carries it
    return message
