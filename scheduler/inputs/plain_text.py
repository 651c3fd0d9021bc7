"""Text a convenor wrote that will reach an email or a terminal, judged and shown.

``quote`` shows a value in a one-line message without letting it break the line
or hide what is wrong with it; ``text_problem`` says what keeps a cell from
being one line of plain text (line breaks, control characters, direction
overrides, mail encoding, markup, length). The membership file and config.toml
both judge their text here.
"""

from __future__ import annotations

import html
import re
import unicodedata

from scheduler.safety import has_control, has_markup

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", '"': '\\"'}
_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")


def quote(value: str, *, limit: int = 80) -> str:
    """``value`` in double quotes, fit for a one-line message a convenor reads.

    Like ``repr``: a line break shows as \\n, a tab as \\t, any other invisible or
    control character as \\xNN or \\uNNNN, and a quote or backslash is escaped, so
    the value can neither break the message's line nor hide what is wrong with it.
    A value longer than ``limit`` characters is cut short with "...".
    """
    shown: list[str] = []
    for ch in value[:limit]:
        if ch in _ESCAPES:
            shown.append(_ESCAPES[ch])
        elif ch.isprintable():
            shown.append(ch)
        elif ord(ch) < 0x100:
            shown.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            shown.append(f"\\u{ord(ch):04x}")
        else:
            shown.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(shown) + ("..." if len(value) > limit else "") + '"'


# Longest name we put in a header. A display name goes into the To: line of every
# email; a 1,200-character name made the server refuse every message to that member.
# 100 characters holds any real name with titles and post-nominals, and keeps the
# To: line a mail server and a phone screen can take.
NAME_LIMIT = 100
# Organisations and roles are shown in messages and calendar entries, not addressed.
TEXT_LIMIT = 200
# Characters that make text display in another order than it is stored (RFC 9839
# calls them "problematic"): a name holding them can pass itself off as another.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# An RFC 2047 encoded word: mail programs decode it, so what it hides (a line break,
# another header) would reach the header after our checks.
ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
# Invisible characters that ride along when an address is copied from a web page
# or a document: zero-width spaces and joiners, the byte-order mark, soft hyphens,
# no-break spaces. None can be part of an address.
_INVISIBLE_SPACES = frozenset("\u00a0\u2007\u202f\u3000")


def is_invisible(ch: str) -> bool:
    return ch in _INVISIBLE_SPACES or unicodedata.category(ch) == "Cf"


def _plain_text(value: str) -> str | None:
    """``value`` with its markup taken out (``&amp;`` read as ``&``), if that is clean."""
    plain = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", value)).split())
    if not plain or plain == value or has_control(plain) or has_markup(plain):
        return None
    if any(ch in plain for ch in "<>"):
        return None
    return plain


def text_problem(
    value: str, what: str, *, no_angles: bool = False, limit: int = TEXT_LIMIT
) -> str | None:
    """What is wrong with a cell that must be one line of plain text, or None.

    ``no_angles``: a lone < or > counts as markup too (names go into email headers).
    """
    if any(mark in value for mark in _LINE_BREAKS):
        return f"{quote(value)} contains a line break; put the whole {what} on one line."
    if has_control(value):
        return (
            f"{quote(value)} contains an invisible control character (shown with a "
            f"backslash); retype the {what} as plain text."
        )
    if any(ch in BIDI_CONTROLS for ch in value):
        return (
            f"{quote(value)} contains an invisible direction override (shown as \\u202e or "
            f"similar), which makes text show in a different order from how it is written; "
            f"retype the {what} without it."
        )
    if ENCODED_WORD.search(value):
        return (
            f'{quote(value)} holds mail encoding ("=?...?=") that email programs would turn '
            f"into other text; write the {what} itself, as plain text."
        )
    if has_markup(value) or (no_angles and any(ch in value for ch in "<>")):
        plain = _plain_text(value)
        fix = f", e.g. {quote(plain)}" if plain else ""
        return (
            f"{quote(value)} contains markup (< > or &...;); write the {what} as plain text{fix}."
        )
    if len(value) > limit:
        why = (
            "a name goes into the To: line of every email, and mail servers refuse "
            "messages whose header lines are that long"
            if no_angles
            else "it has to fit in emails and calendar entries"
        )
        return (
            f"{quote(value, limit=40)} is {len(value):,} characters long; {why}. Shorten it "
            f"to {limit} characters or fewer."
        )
    return None
