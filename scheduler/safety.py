"""Checks that keep member-provided text out of places it could do harm."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
# Deliberately plain: one @, a dotted domain, no spaces, quotes or angle brackets.
_ADDRESS = re.compile(
    r"[^@\s<>\"(),;:\\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_MARKUP = re.compile(r"<[^>]*>|&[#a-zA-Z0-9]+;")


def clean_header_text(value: str) -> str:
    """The value with line breaks and control characters replaced by spaces."""
    return _CONTROL.sub(" ", value)


def has_control(value: str) -> bool:
    return bool(_CONTROL.search(value))


def has_markup(value: str) -> bool:
    return bool(_MARKUP.search(value))


def is_valid_address(value: str) -> bool:
    """A bare address we are willing to put in a header (no display name)."""
    return len(value) <= 254 and bool(_ADDRESS.fullmatch(value))


# C0 and C1 controls, DEL, and the characters that reorder or hide text (bidi embeddings,
# overrides and isolates, marks, the line and paragraph separators).
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def printable(value: object, limit: int | None = None) -> str:
    """Text from a message or member data made safe for a terminal, a log line or a notice.

    Every control or bidi character is shown as its escape (ESC as ``\\x1b``, a
    right-to-left override as ``\\u202e``), so nothing can move the cursor, clear the
    screen, reorder what follows or start a second line. ``limit`` cuts the result.
    """
    text = _UNPRINTABLE.sub(_escape, str(value))
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
