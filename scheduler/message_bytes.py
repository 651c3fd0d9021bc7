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
