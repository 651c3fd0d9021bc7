"""Bounded, defensive reading of raw inbound mail.

The standard library's parser is forgiving, but it has two weak spots for mail
we do not control: it keeps the whole message in memory, and its structured
header parser slows down badly on very long header fields. Everything here
therefore trims the input to the limits below *before* the stdlib sees it, and
every walk over the MIME tree stops at a fixed depth and part count.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
"""Bytes of a message we read. Past this, only the first 25 MiB are parsed."""

MAX_HEADER_BLOCK_BYTES = 256 * 1024
"""Bytes of the top-level header block we hand to the parser; the rest is dropped."""

MAX_HEADER_FIELD_BYTES = 16 * 1024
"""Bytes of any single header field (with its folded lines); longer fields are cut."""

MAX_MIME_DEPTH = 20
"""Nesting depth of multipart containers we descend into."""

MAX_PARTS = 200
"""MIME parts we look at, in document order; later parts are ignored."""

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD_START = re.compile(rb"(?m)^(?=[^ \t\r\n])")


@dataclass
class ReadNotes:
    """Problems noticed while reading one message, in plain words."""

    defects: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if text not in self.defects:
            self.defects.append(text)


def _cap_fields(header: bytes, notes: ReadNotes) -> bytes:
    """Cut each header field to ``MAX_HEADER_FIELD_BYTES``."""
    starts = [m.start() for m in _FIELD_START.finditer(header)]
    if not starts:
        return header
    pieces: list[bytes] = [header[: starts[0]]]
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(header)
        fld = header[start:end]
        if len(fld) > MAX_HEADER_FIELD_BYTES:
            name = fld.split(b":", 1)[0][:60].decode("ascii", "replace")
            notes.add(f"header {name!r} was longer than {MAX_HEADER_FIELD_BYTES} bytes; cut")
            fld = fld[:MAX_HEADER_FIELD_BYTES].rstrip(b"\r\n") + b"\n"
        pieces.append(fld)
    return b"".join(pieces)


def bound_raw(raw: bytes, notes: ReadNotes) -> bytes:
    """Return ``raw`` trimmed to the documented limits, noting what was cut."""
    if len(raw) > MAX_MESSAGE_BYTES:
        notes.add(
            f"message is {len(raw)} bytes; only the first {MAX_MESSAGE_BYTES} bytes were read"
        )
        raw = raw[:MAX_MESSAGE_BYTES]
    if b"\x00" in raw:
        notes.add("message contains NUL bytes; they were dropped")
        raw = raw.replace(b"\x00", b"")
    match = _HEADER_END.search(raw, 0, MAX_HEADER_BLOCK_BYTES + 4)
    if match is None:
        if len(raw) > MAX_HEADER_BLOCK_BYTES:
            notes.add(
                f"header block is longer than {MAX_HEADER_BLOCK_BYTES} bytes; "
                "the rest of the message was not read"
            )
            raw = raw[:MAX_HEADER_BLOCK_BYTES]
            raw = raw[: raw.rfind(b"\n") + 1] or raw
        return _cap_fields(raw, notes)
    header, body = raw[: match.start()], raw[match.start() :]
    return _cap_fields(header + b"\n", notes).rstrip(b"\r\n") + body


def message_from_raw(raw: bytes) -> EmailMessage:
    """Parse ``raw`` into an ``EmailMessage`` within the documented limits.

    Never raises for any bytes: a message the parser cannot read at all comes
    back as an empty message. The parser's own defects are on ``msg.defects``.
    """
    notes = ReadNotes()
    return _parse(raw, notes)


# The last message parsed: ingestion reads a message's headers (``message_from_raw``)
# and then ``parse_reply``s the same bytes object; parsing is most of the cost.
_last: tuple[bytes, EmailMessage, tuple[str, ...]] | None = None


def _parse(raw: bytes, notes: ReadNotes) -> EmailMessage:
    global _last
    if _last is not None and _last[0] is raw:
        for note in _last[2]:
            notes.add(note)
        return _last[1]
    before = len(notes.defects)
    msg = _parse_new(raw, notes)
    _last = (raw, msg, tuple(notes.defects[before:]))
    return msg


def _parse_new(raw: bytes, notes: ReadNotes) -> EmailMessage:
    bounded = bound_raw(raw, notes)
    try:
        msg = email.message_from_bytes(bounded, _class=EmailMessage, policy=email.policy.default)
    except Exception as exc:  # a parser bug must not lose the reply
        notes.add(f"the MIME structure could not be read ({type(exc).__name__})")
        return EmailMessage(policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def walk_parts(msg: Message, notes: ReadNotes) -> Iterator[Message]:
    """Yield leaf parts in order, within ``MAX_MIME_DEPTH`` and ``MAX_PARTS``.

    Attached messages (``message/rfc822``) are yielded as leaves, not entered:
    what someone forwarded is not what they wrote.
    """
    count = 0
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        count += 1
        if count > MAX_PARTS:
            notes.add(f"more than {MAX_PARTS} MIME parts; the rest were ignored")
            return
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list) and part.get_content_maintype() == "multipart":
            if depth >= MAX_MIME_DEPTH:
                notes.add(f"MIME nesting deeper than {MAX_MIME_DEPTH}; inner parts ignored")
                continue
            children = [p for p in payload if isinstance(p, Message)]
            stack.extend((child, depth + 1) for child in reversed(children))
        else:
            yield part


def is_attachment(part: Message) -> bool:
    """True when a part is meant as a file rather than as the message body."""
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    if disposition == "attachment":
        return True
    try:
        return part.get_filename() is not None and part.get_content_maintype() != "text"
    except Exception:
        return False


_LATIN_NAMES = {"iso-8859-1", "latin-1", "latin1", "ascii", "us-ascii", "iso8859-1"}


def decode_text(data: bytes, charset: str | None, notes: ReadNotes) -> str:
    """Decode a text part's bytes; unknown or wrong charsets fall back, never fail.

    Declared Latin-1/ASCII is read as Windows-1252 (what senders mean in
    practice); an unknown charset name is tried as UTF-8, then Windows-1252 and
    Latin-1 with replacement characters.
    """
    name = (charset or "").strip().strip('"').lower()
    if name in _LATIN_NAMES:
        try:
            return data.decode("utf-8") if name in {"ascii", "us-ascii"} else _cp1252(data)
        except UnicodeDecodeError:
            return _cp1252(data)
    if name:
        try:
            codecs.lookup(name)
        except LookupError:
            notes.add(f"unknown charset {name[:40]!r}; read as UTF-8 or Latin-1")
        else:
            try:
                return data.decode(name)
            except UnicodeDecodeError:
                notes.add(f"text is not valid {name[:40]}; undecodable bytes replaced")
                if name.replace("-", "").replace("_", "") != "utf8":
                    return data.decode(name, errors="replace")
            except Exception:  # exotic codecs can raise anything
                notes.add(f"charset {name[:40]!r} could not be used; read as UTF-8 or Latin-1")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _cp1252(data)


def _cp1252(data: bytes) -> str:
    # Windows-1252 leaves five bytes undefined; map those through Latin-1.
    return "".join(
        chunk.decode("cp1252", errors="strict") if i % 2 == 0 else chunk.decode("latin-1")
        for i, chunk in enumerate(re.split(rb"([\x81\x8d\x8f\x90\x9d]+)", data))
    )


def part_bytes(part: Message, notes: ReadNotes) -> bytes:
    """The decoded payload of a leaf part (base64/QP undone), never raising."""
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:
        notes.add(f"a part's transfer encoding could not be undone ({type(exc).__name__})")
        return b""
    if isinstance(data, bytes):
        return data
    return b""


def part_text(part: Message, notes: ReadNotes) -> str:
    """A leaf text part as a string with ``\\n`` line endings."""
    data = part_bytes(part, notes)
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text = decode_text(data, charset, notes)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def header_text(msg: Message, name: str) -> str:
    """A header's decoded value as one line, or ``""``; never raises."""
    try:
        value = msg.get(name)
    except Exception:
        try:
            values = msg.get_all(name, failobj=[])
            value = str(values[0]) if values else None
        except Exception:
            return ""
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception:
        return ""
    return " ".join(text.split())


def parser_defects(msg: Message) -> list[str]:
    """The stdlib parser's defects anywhere in the tree, as plain words (bounded)."""
    found: list[str] = []
    seen = 0
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack and seen < MAX_PARTS:
        part, depth = stack.pop()
        seen += 1
        for defect in getattr(part, "defects", []):
            text = _DEFECT_WORDS.get(type(defect).__name__, type(defect).__name__)
            if text not in found:
                found.append(text)
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list) and depth < MAX_MIME_DEPTH:
            stack.extend((p, depth + 1) for p in payload if isinstance(p, Message))
    return found


_DEFECT_WORDS = {
    "NoBoundaryInMultipartDefect": "multipart message without a boundary",
    "StartBoundaryNotFoundDefect": "multipart boundary never appears in the body",
    "CloseBoundaryNotFoundDefect": "multipart boundary is never closed",
    "FirstHeaderLineIsContinuationDefect": "first header line is a continuation line",
    "MisplacedEnvelopeHeaderDefect": "a 'From ' envelope line sits among the headers",
    "MissingHeaderBodySeparatorDefect": "no blank line between headers and body",
    "MultipartInvariantViolationDefect": "declared multipart but has no parts",
    "InvalidMultipartContentTransferEncodingDefect": "multipart part with a transfer encoding",
    "UndecodableBytesDefect": "header contains bytes in no declared charset",
    "InvalidBase64PaddingDefect": "base64 with wrong padding",
    "InvalidBase64CharactersDefect": "base64 with invalid characters",
    "InvalidBase64LengthDefect": "base64 of impossible length",
    "InvalidHeaderDefect": "a header could not be parsed",
    "HeaderMissingRequiredValue": "a header is missing its value",
    "NonPrintableDefect": "a header contains non-printable characters",
    "ObsoleteHeaderDefect": "a header uses obsolete syntax",
    "NonASCIILocalPartDefect": "an address has a non-ASCII local part",
    "InvalidDateDefect": "the Date header is not a date",
}
