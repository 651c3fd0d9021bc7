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
