"""Reading a reply email: what kind it is, and the member's own words.

``parse_reply(raw)`` never raises: any bytes give a ``ParsedReply`` (at worst
``EMPTY`` with a reason), in time and memory bounded by ``LIMITS``. The rules
it follows are written down in ``docs/reply-parsing.md``.

Order of decisions: an RFC 3464 delivery report is a bounce; a
``text/calendar`` METHOD:REPLY part is an RSVP; a mailer-daemon style failure
notice is a bounce; RFC 3834 and vendor headers (or a tell-tale subject) make
an auto-reply; otherwise the body is trimmed, and what remains is the answer
(or ``EMPTY`` when nothing remains).

May import: inputs (only the texts of our own prompts, to know them in a reply).
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import Message
from types import MappingProxyType

from .calendar_replies import rsvps_of, summarise_rsvps
from .classify import (
    DSN_TYPES,
    auto_reply_reason,
    bounce_of,
    is_body_part,
    machine_notice,
)
from .html import MAX_HTML_CHARS, html_to_text
from .mime import (
    MAX_HEADER_BLOCK_BYTES,
    MAX_HEADER_FIELD_BYTES,
    MAX_MESSAGE_BYTES,
    MAX_MIME_DEPTH,
    MAX_PARTS,
    ReadNotes,
    _parse,
    header_text,
    message_from_raw,
    parser_defects,
    part_text,
    walk_parts,
)
from .original import MAX_TEXT_CHARS
from .redact import redact
from .signature import learn_signatures, sender_from_header
from .trim import trim_reply
from .types import Bounce, ParsedReply, ReplyKind, Rsvp, Sender, author

__all__ = [
    "LIMITS",
    "Bounce",
    "ParsedReply",
    "ReplyKind",
    "Rsvp",
    "Sender",
    "author",
    "body_text",
    "learn_signatures",
    "message_from_raw",
    "parse_reply",
    "redact",
    "sender_from_header",
    "trim_reply",
]

LIMITS = MappingProxyType(
    {
        "max_message_bytes": MAX_MESSAGE_BYTES,
        "max_header_block_bytes": MAX_HEADER_BLOCK_BYTES,
        "max_header_field_bytes": MAX_HEADER_FIELD_BYTES,
        "max_mime_depth": MAX_MIME_DEPTH,
        "max_parts": MAX_PARTS,
        "max_html_chars": MAX_HTML_CHARS,
        "max_text_chars": MAX_TEXT_CHARS,
    }
)
"""The bounds parse_reply works within (see each constant's docstring)."""


def _body(leaves: list[Message], notes: ReadNotes) -> tuple[str, str]:
    """The body as text and where it came from ("plain", "html" or "")."""
    plain = [
        part_text(part, notes)
        for part in leaves
        if part.get_content_type() == "text/plain" and is_body_part(part)
    ]
    if plain:
        pieces = [piece.strip("\n") for piece in plain]
        return "\n\n".join(piece for piece in pieces if piece.strip()), "plain"
    html = [
        part_text(part, notes)
        for part in leaves
        if part.get_content_type() == "text/html" and is_body_part(part)
    ]
    if html:
        rendered = [html_to_text(piece).strip("\n") for piece in html]
        return "\n\n".join(piece for piece in rendered if piece.strip()), "html"
    return "", ""


def parse_reply(
    raw: bytes,
    *,
    prompt_text: str | None = None,
    sender: Sender | None = None,
    known_signatures: Sequence[str] = (),
) -> ParsedReply:
    """Classify a raw reply message and extract the member's own words.

    ``prompt_text`` is the plain text of the prompt email we sent, when known;
    it lets the parser drop Outlook's unquoted copy of it (and keep lines a
    member typed between its lines). ``sender`` is the member as the
    membership knows them (name, first names, initials, organisation, role);
    without it, the ``From`` header's display name is used. ``known_signatures``
    are the member's signatures learnt from earlier messages with
    ``learn_signatures``; they are cut wherever they appear.
    """
    notes = ReadNotes()
    try:
        return _parse_reply(bytes(raw), prompt_text, notes, sender, tuple(known_signatures))
    except Exception as exc:  # never let one odd message stop ingestion
        notes.add(f"internal error while reading ({type(exc).__name__})")
        return ParsedReply(
            ReplyKind.EMPTY,
            "",
            "the message could not be read at all, so no answer was taken from it",
            defects=tuple(notes.defects),
        )


def body_text(raw: bytes) -> str:
    """A message's body as text, untrimmed: what ``learn_signatures`` compares."""
    notes = ReadNotes()
    try:
        return _body(list(walk_parts(_parse(bytes(raw), notes), notes)), notes)[0]
    except Exception:  # like parse_reply, never raise for odd bytes
        return ""


def _parse_reply(
    raw: bytes,
    prompt_text: str | None,
    notes: ReadNotes,
    sender: Sender | None,
    known_signatures: tuple[str, ...],
) -> ParsedReply:
    msg = _parse(raw, notes)
    leaves = list(walk_parts(msg, notes))
    body, source = _body(leaves, notes)

    def done(kind: ReplyKind, text: str, reason: str, **extra: object) -> ParsedReply:
        defects = list(notes.defects)
        for defect in parser_defects(msg):
            if defect not in defects:
                defects.append(defect)
        bounce = extra.get("bounce")
        rsvps = extra.get("rsvps", ())
        return ParsedReply(
            kind,
            text,
            reason,
            rsvps=rsvps if isinstance(rsvps, tuple) else (),
            bounce=bounce if isinstance(bounce, Bounce) else None,
            defects=tuple(defects),
        )

    notice = machine_notice(msg, leaves, body, notes)
    if notice is not None:
        kind, why = notice
        return done(ReplyKind(kind), "", why)
    is_dsn = msg.get_content_type() == "multipart/report" or any(
        part.get_content_type() in DSN_TYPES for part in leaves
    )
    bounce = bounce_of(msg, leaves, body, notes) if is_dsn else None
    if bounce is not None:
        return done(
            ReplyKind.BOUNCE, _bounce_summary(bounce), _bounce_reason(bounce, True), bounce=bounce
        )
    counters = rsvps_of(leaves, notes, method="COUNTER")
    if counters:
        first = counters[0]
        reason = (
            f"it is a calendar counter-proposal: {first.attendee} proposes another time; "
            "the convenor decides"
        )
        return done(ReplyKind.COUNTER, summarise_rsvps(counters), reason, rsvps=counters)
    rsvps = rsvps_of(leaves, notes)
    if rsvps:
        first = rsvps[0]
        reason = f"it is a calendar reply: {first.attendee} {first.partstat.lower()} the invitation"
        if len(rsvps) > 1:
            reason += f" (and {len(rsvps) - 1} more answer(s))"
        return done(ReplyKind.RSVP, summarise_rsvps(rsvps), reason, rsvps=rsvps)
    bounce = None if is_dsn else bounce_of(msg, leaves, body, notes)
    if bounce is not None:
        return done(
            ReplyKind.BOUNCE, _bounce_summary(bounce), _bounce_reason(bounce, False), bounce=bounce
        )
    auto = auto_reply_reason(msg)
    if auto is not None:
        return done(ReplyKind.AUTO_REPLY, "", f"automatic reply: {auto}")
    if not source:
        return done(ReplyKind.EMPTY, "", "the message has no text or HTML body to read")
    who = sender if sender is not None else sender_from_header(header_text(msg, "From"))
    text = trim_reply(body, prompt_text, sender=who, known_signatures=known_signatures)
    if not text.strip():
        return done(
            ReplyKind.EMPTY,
            "",
            "nothing of the member's own words remained once the quoted original, "
            "greeting, signature and footers were taken away",
        )
    where = (
        "the HTML body (no plain-text version was sent)" if source == "html" else "the text body"
    )
    return done(ReplyKind.ANSWER, text, f"the member's own words, taken from {where}")


def _bounce_summary(bounce: Bounce) -> str:
    who = ", ".join(bounce.recipients) or "an unknown recipient"
    state = "could not be delivered" if bounce.permanent else "is delayed"
    detail = f" ({bounce.status})" if bounce.status else ""
    return f"Mail to {who} {state}{detail}."


def _bounce_reason(bounce: Bounce, standard: bool) -> str:
    how = "a standard delivery status report" if standard else "a mail server's failure notice"
    kind = "permanent failure" if bounce.permanent else "temporary delay, not a permanent failure"
    return f"it is {how} ({kind})"
