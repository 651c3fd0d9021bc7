"""Writing outgoing messages fast, with the standard library's own encodings.

Rendering a prompt with ``EmailMessage`` costs about 5 ms, almost all of it in
``email``'s header registry (parsing every header value we set, then folding
it again on output) and in ``set_content``/``add_alternative``. A partnership
sends the same few headers and the same lines of text to every member, so the
results are worth keeping:

- ``fold_header`` folds one header exactly as ``EmailMessage`` would under
  ``WRITE_POLICY`` (the same header classes, the same ``fold``), remembering
  the result. Long runs of letters and digits (keys, reply tokens) are swapped
  for a same-length placeholder first, so every member's Message-ID and
  Reply-To share one folding; a value whose placeholder does not come back
  intact is folded directly.
- ``alternative`` writes the multipart/alternative body that
  ``set_content(..., cte="quoted-printable")`` plus ``add_alternative`` write,
  quoted-printable encoding line by line with ``email.quoprimime`` and
  remembering each line (the encoding never crosses a line end).
- ``MessageBytes`` collects headers like an ``EmailMessage`` (``msg[name] =
  value``, refusing line breaks and a second To or Subject) and writes them
  after the body's own header block.

The bytes are the same as ``EmailMessage.as_bytes(policy=WRITE_POLICY)``
gives for the same message, except that the boundary is derived from the
content instead of being random, so a re-rendered message is identical.
"""

from __future__ import annotations

import binascii
import email.policy
import hashlib
import re
from email import quoprimime
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from functools import lru_cache
from typing import cast

POLICY = email.policy.SMTP
WRITE_POLICY = POLICY.clone(max_line_length=998)

_REGISTRY = cast(HeaderRegistry, WRITE_POLICY.header_factory)
_RUN = re.compile(r"[A-Za-z0-9]{16,}")
_PLACEHOLDER = re.compile(r"x{16,}")


@lru_cache(maxsize=256)
def _max_count(name: str) -> int | None:
    # HeaderRegistry builds a new class on every lookup: look each name up once
    count: int | None = _REGISTRY[name].max_count
    return count


@lru_cache(maxsize=8192)
def _fold(name: str, value: str) -> bytes:
    header = WRITE_POLICY.header_factory(name, value)
    return WRITE_POLICY.fold_binary(name, header)


def fold_header(name: str, value: str) -> bytes:
    """``name: value`` folded as EmailMessage does it, CRLF-terminated."""
    runs = _RUN.findall(value)
    if not runs:
        return _fold(name, value)
    shape = _RUN.sub(lambda m: "x" * len(m.group(0)), value)
    folded = _fold(name, shape).decode("ascii", "surrogateescape")
    found = _PLACEHOLDER.findall(folded)
    if [len(f) for f in found] != [len(r) for r in runs]:
        return _fold(name, value)
    pieces = iter(runs)
    return _PLACEHOLDER.sub(lambda _m: next(pieces), folded).encode("ascii", "surrogateescape")


def _written_as(policy: email.policy.Policy) -> tuple[object, ...]:
    return (type(policy), policy.linesep, policy.max_line_length, policy.cte_type,
            getattr(policy, "utf8", False), getattr(policy, "refold_source", None))  # fmt: skip


@lru_cache(maxsize=16384)
def _qp_line(line: str) -> str:
    return quoprimime.body_encode(line, POLICY.max_line_length or 78, eol="\r\n")


def _quoted_printable(text: str) -> bytes:
    """What ``set_content(text, charset="utf-8", cte="quoted-printable")`` writes as the body."""
    lines = text.encode("utf-8").splitlines()
    encoded = "\r\n".join(_qp_line(line.decode("latin-1")) for line in lines)
    return encoded.encode("ascii") + b"\r\n"


class MessageBytes:
    """A message as a header block and a finished body; ``msg[name] = value`` adds headers."""

    def __init__(self, head: bytes, body: bytes) -> None:
        self.head = head  # the body's own header lines (MIME-Version, Content-Type), CRLF-ended
        self.body = body
        self._headers: list[tuple[str, str]] = []

    @classmethod
    def from_message(cls, message: EmailMessage) -> MessageBytes:
        """Wrap a body built with ``email`` (e.g. an invitation's multipart/mixed)."""
        wire = message.as_bytes(policy=WRITE_POLICY)
        head, _, body = wire.partition(b"\r\n\r\n")
        return cls(head + b"\r\n", body)

    def __setitem__(self, name: str, value: object) -> None:
        text = str(value)
        if len(text.splitlines()) > 1:
            raise ValueError("Header values may not contain linefeed or carriage return characters")
        limit = _max_count(name.lower())
        taken = sum(1 for n, _ in self._headers if n.lower() == name.lower())
        if limit is not None and taken >= limit:
            raise ValueError(f"There may be at most {limit} {name} headers in a message")
        self._headers.append((name, text))

    def as_bytes(self, policy: email.policy.Policy = WRITE_POLICY) -> bytes:
        if _written_as(policy) != _written_as(WRITE_POLICY):
            raise ValueError("MessageBytes writes with WRITE_POLICY only")
        folded = b"".join(fold_header(name, value) for name, value in self._headers)
        return self.head + folded + b"\r\n" + self.body


def _boundary(*parts: bytes) -> bytes:
    digest = hashlib.sha256(b"\x00".join(parts)).digest()
    return f"==============={int.from_bytes(digest[:8]) % 10**19:019d}==".encode("ascii")


def _text_body(text: str, cte: str) -> bytes:
    """A text part's body as ``set_content(text, charset="utf-8", cte=cte)`` writes it."""
    if cte == "quoted-printable":
        return _quoted_printable(text)
    lines = text.encode("utf-8").splitlines()
    return b"\r\n".join(lines) + b"\r\n"


def _base64(data: bytes) -> bytes:
    """Base64 in 76-character lines, as ``email`` writes attachments."""
    step = 78 // 4 * 3
    return b"".join(
        binascii.b2a_base64(data[i : i + step]).replace(b"\n", b"\r\n")
        for i in range(0, len(data), step)
    )


def invitation(*, text: str, html: str, ics: bytes, method: str, filename: str) -> MessageBytes:
    """What ``imip.compose_imip`` builds, written directly; the same checks are made first."""
    from scheduler.calendar.imip import (
        _METHODS,
        _calendar_cte,
        _calendar_method,
        _safe_filename,
        _text_cte,
    )

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
    text_cte, html_cte, ics_cte = _text_cte(text), _text_cte(html), _calendar_cte(ics)
    plain, rich = _text_body(text, text_cte), _text_body(html, html_cte)
    calendar = _base64(ics) if ics_cte == "base64" else ics
    inner = _boundary(plain, rich, calendar)
    attachment = _base64(ics)
    outer = _boundary(inner, attachment)
    quoted_name = fold_header("Content-Disposition", f'attachment; filename="{name}"')
    if len(quoted_name) > 900 or len(name) > 200:  # pragma: no cover - our names are short
        raise ValueError("attachment name too long")
    body = b"".join(
        [
            b"--" + outer + b"\r\n",
            b'Content-Type: multipart/alternative; boundary="' + inner + b'"\r\n\r\n',
            b"--" + inner + b"\r\n",
            b'Content-Type: text/plain; charset="utf-8"\r\n',
            b"Content-Transfer-Encoding: " + text_cte.encode() + b"\r\n\r\n",
            plain,
            b"\r\n--" + inner + b"\r\n",
            b'Content-Type: text/html; charset="utf-8"\r\n',
            b"Content-Transfer-Encoding: " + html_cte.encode() + b"\r\n\r\n",
            rich,
            b"\r\n--" + inner + b"\r\n",
            b"Content-Transfer-Encoding: " + ics_cte.encode() + b"\r\n",
            fold_header("Content-Type", f'text/calendar; method="{wanted}"; charset="UTF-8"'),
            b"\r\n",
            calendar,
            b"\r\n--" + inner + b"--\r\n\r\n",
            b"--" + outer + b"\r\n",
            b"Content-Transfer-Encoding: base64\r\n",
            quoted_name,
            fold_header("Content-Type", f'application/ics; name="{name}"'),
            b"\r\n",
            attachment,
            b"\r\n--" + outer + b"--\r\n",
        ]
    )
    head = b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="' + outer + b'"\r\n'
    return MessageBytes(head, body)


def alternative(text: str, html: str) -> MessageBytes:
    """A multipart/alternative of text and HTML, both UTF-8 quoted-printable."""
    plain, rich = _quoted_printable(text), _quoted_printable(html)
    digest = hashlib.sha256(plain + b"\x00" + rich).digest()
    boundary = f"==============={int.from_bytes(digest[:8]) % 10**19:019d}==".encode("ascii")
    head = (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="'
        + boundary
        + b'"\r\n'
    )
    body = b"".join(
        [
            b"--" + boundary + b"\r\n",
            b'Content-Type: text/plain; charset="utf-8"\r\n'
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
            plain,
            b"\r\n--" + boundary + b"\r\n",
            b'Content-Type: text/html; charset="utf-8"\r\n'
            b"Content-Transfer-Encoding: quoted-printable\r\nMIME-Version: 1.0\r\n\r\n",
            rich,
            b"\r\n--" + boundary + b"--\r\n",
        ]
    )
    return MessageBytes(head, body)
