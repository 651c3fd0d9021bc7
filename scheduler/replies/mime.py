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
from email.headerregistry import BaseHeader, UnstructuredHeader
from email.message import EmailMessage, Message
from functools import lru_cache
from typing import Any

import formatflowed

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


_REGISTRY: Any = email.policy.default.header_factory


@lru_cache(maxsize=128)
def _header_class(name: str) -> type[BaseHeader]:
    """The header class the modern policy uses for ``name``.

    ``HeaderRegistry`` builds a new class with ``type()`` on every call, which
    costs more than parsing a short header; the class depends only on the name.
    """
    return _REGISTRY[name]  # type: ignore[no-any-return]


_COMMON: dict[tuple[str, str], BaseHeader] = {}
"""Short MIME headers shared by many messages (``text/plain; charset="utf-8"``), parsed once."""
_COMMON_NAMES = frozenset({"content-type", "content-transfer-encoding", "content-disposition"})
_COMMON_VALUE_CHARS = 200
_COMMON_SIZE = 512


class _ParsedOnce:
    """A ``header_factory`` for one message: each distinct header is parsed once.

    The modern policy builds a header object afresh on every access, and the
    parser alone asks for a part's ``Content-Type`` several times (then the
    reader asks again for its type, charset, filename...). Header objects are
    immutable and depend only on (name, value), so handing back the first one
    built changes nothing but the time taken. The cache lives as long as the
    message it belongs to; short MIME headers common to many messages are
    also kept, in a small bounded table, across messages (``_COMMON``).
    """

    __slots__ = ("_made",)

    def __init__(self) -> None:
        self._made: dict[tuple[str, str], BaseHeader] = {}

    def __call__(self, name: str, value: str) -> BaseHeader:
        key = (name, value)
        made = self._made.get(key)
        if made is None:
            made = _COMMON.get(key)
            if made is None:
                made = _header_class(name.lower())(name, value)
                if len(value) <= _COMMON_VALUE_CHARS and name.lower() in _COMMON_NAMES:
                    if len(_COMMON) >= _COMMON_SIZE:
                        _COMMON.clear()
                    _COMMON[key] = made
            self._made[key] = made
        return made

    def __getitem__(self, name: str) -> type[BaseHeader]:
        return _REGISTRY[name]  # type: ignore[no-any-return]


def _policy() -> email.policy.EmailPolicy[EmailMessage]:
    return email.policy.default.clone(header_factory=_ParsedOnce())


def _parse_new(raw: bytes, notes: ReadNotes) -> EmailMessage:
    bounded = bound_raw(raw, notes)
    try:
        msg = email.message_from_bytes(bounded, _class=EmailMessage, policy=_policy())
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
    """A leaf text part as a string with ``\\n`` line endings (format=flowed undone)."""
    data = part_bytes(part, notes)
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text = decode_text(data, charset, notes)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if part.get_content_type() == "text/plain" and _param(part, "format") == "flowed":
        text = unflow(text, delete_space=_param(part, "delsp") == "yes")
    return text


def _param(part: Message, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:
        return ""
    if isinstance(value, tuple):
        value = value[2]
    return str(value or "").strip().lower()


def unflow(text: str, *, delete_space: bool = False) -> str:
    """Undo RFC 3676 format=flowed: soft line breaks joined, quote depth kept as ``> ``.

    The decoding itself is the ``formatflowed`` library's; each paragraph it
    gives back is written as one line, prefixed with one ``>`` per quote level.
    """
    decoder = formatflowed.FormatFlowedDecoder(character_set="utf-8", delete_space=delete_space)
    data = text.replace("\n", "\r\n").encode("utf-8", "surrogatepass")
    lines: list[str] = []
    try:
        for info, chunk in decoder.decode(data):
            depth = int(info.get("quotedepth", 0) or 0)
            prefix = ">" * depth + (" " if depth and chunk else "")
            lines.append(prefix + chunk)
    except Exception:  # a decoding surprise leaves the text as it came
        return text
    return "\n".join(lines)


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDR_SPEC = rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_PLAIN_MAILBOX = re.compile(rf"{_ATOM}(?: {_ATOM})* <{_ADDR_SPEC}>|{_ADDR_SPEC}")
"""``Name Words <local@domain>`` or ``local@domain``: the modern policy reads it back unchanged."""
_PLAIN_TEXT = re.compile(r"[\x20-\x7e]*")
_MAILBOX_NAMES = frozenset({"from", "to", "cc"})


def _plain(name: str, value: object) -> str | None:
    """``str()`` of the header object the modern policy would build, when that is just the value.

    Building that object means running the structured header parser (about
    0.1 ms for an address), only to get back the text we started from when the
    value is printable ASCII with no encoded words: an unstructured header, or
    a single plain mailbox in From/To/Cc. Anything else returns None, and the
    caller builds the header object as before.
    """
    if type(value) is not str:
        return None
    text = value.replace("\r", "").replace("\n", "")  # as ``header_fetch_parse`` does
    if "=?" in text:
        return None
    lowered = name.lower()
    if lowered in _MAILBOX_NAMES:
        return text if _PLAIN_MAILBOX.fullmatch(text) else None
    if issubclass(_header_class(lowered), UnstructuredHeader):
        return text if _PLAIN_TEXT.fullmatch(text) else None
    return None


def _is_ours(msg: Message) -> bool:
    return isinstance(getattr(msg.policy, "header_factory", None), _ParsedOnce)


def header_value(msg: Message, name: str) -> str | None:
    """``msg.get(name)``, as a plain ``str`` when the header object would read the same.

    For a message from ``message_from_raw``; raises what ``msg.get`` raises.
    """
    if not _is_ours(msg):
        return msg.get(name)
    lowered = name.lower()
    for key, raw in msg.raw_items():
        if key.lower() == lowered:
            plain = _plain(key, raw)
            return plain if plain is not None else msg.policy.header_fetch_parse(key, raw)
    return None


def header_values(msg: Message, name: str) -> list[str]:
    """``[str(v) for v in msg.get_all(name, [])]``, without header objects for plain values.

    Every value is read before this returns, so it raises exactly when ``get_all`` would.
    """
    ours = _is_ours(msg)
    lowered = name.lower()
    found: list[str] = []
    for key, raw in msg.raw_items():
        if key.lower() == lowered:
            plain = _plain(key, raw) if ours else None
            found.append(str(msg.policy.header_fetch_parse(key, raw)) if plain is None else plain)
    return found


def header_text(msg: Message, name: str) -> str:
    """A header's decoded value as one line, or ``""``; never raises."""
    try:
        value = header_value(msg, name)
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
