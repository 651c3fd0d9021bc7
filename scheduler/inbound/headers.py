"""A message's headers read without its body, and its sender read strictly.

Everything the reader decides before spending time on a stranger's body comes
from here: the top-level headers alone, and the one well-formed From address an
answer needs (or the reason there is none).
"""

from __future__ import annotations

import email.policy
import re
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from typing import Any

_QUOTED = r'"(?:[^"\\\r\n]|\\.)*"'
_STRICT_FROM = re.compile(
    rf"^\s*(?:(?:{_QUOTED}|[^\"<>@,;:\r\n]*)\s*<([^<>@\s\"(),;:]+@[^<>@\s\"(),;:]+)>"
    r"|([^<>@\s\"(),;:]+@[^<>@\s\"(),;:]+))\s*$"
)
_HEADERS = HeaderRegistry()
_FROM_HEADER = _HEADERS["from"]  # the registry builds this class afresh on every call
_FOLD = re.compile(r"\r?\n(?=[ \t])")


HEADER_LIMIT = 256 * 1024  # the most of a message read as its header block


def head_of(data: bytes, limit: int = HEADER_LIMIT) -> bytes:
    """The header block of a message (up to and with the blank line that ends it), read
    from at most ``limit`` bytes; all of those bytes when no blank line shows in them."""
    window = data[:limit]
    ends = [at + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (at := window.find(sep)) != -1]
    return window[: min(ends)] if ends else window


def headers_of(raw: bytes) -> EmailMessage:
    """The message's top-level headers alone, parsed without reading its body."""
    head = BytesHeaderParser(policy=email.policy.default).parsebytes(head_of(raw))
    assert isinstance(head, EmailMessage)
    return head


def strict_sender(msg: EmailMessage) -> tuple[str | None, str | None]:
    """(address, None) when From is exactly one well-formed address, else (best guess, problem).

    Python's address parser can be fooled (CVE-2023-27043: ``a@x <b@y>``), so the raw
    header must also pass a strict pattern; any defect means no proof.
    """
    values = [value for name, value in msg.raw_items() if name.lower() == "from"]
    if len(values) != 1:
        return None, f"{len(values)} From headers; an answer needs exactly one"
    # RFC 5322 folding (a line break before a space or tab) is not part of the value, and
    # clients fold long From headers; any other line break is left for the parser to refuse
    source = _FOLD.sub("", values[0])
    try:  # RFC 6532 allows UTF-8 in headers: read it as such, not as undecodable bytes
        source = source.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return None, "the From header is not valid UTF-8"
    try:
        header = _FROM_HEADER("from", source)
    except (ValueError, TypeError, IndexError) as exc:  # e.g. an encoded-word hiding CR LF
        return None, f"the From header cannot be read ({type(exc).__name__}: {exc})"[:300]
    raw = str(header)
    defects: tuple[object, ...] = tuple(getattr(header, "defects", ()))
    addresses: tuple[Any, ...] = tuple(getattr(header, "addresses", ()))
    if defects:
        return None, f"the From header is malformed ({defects[0].__class__.__name__})"
    if len(addresses) != 1:
        return None, f"From names {len(addresses)} addresses; an answer needs exactly one"
    address = str(addresses[0].addr_spec).lower()
    unfolded = re.sub(r"\r?\n[ \t]", " ", raw)
    match = _STRICT_FROM.match(_encoded_words_blanked(unfolded))
    if match is None or (match.group(1) or match.group(2) or "").lower() != address:
        return address, f"the From header {unfolded[:120]!r} is ambiguous"
    return address, None


def _encoded_words_blanked(value: str) -> str:
    return re.sub(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=", "x", value)
