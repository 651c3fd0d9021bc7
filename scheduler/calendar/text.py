"""Member-provided text made safe for iCalendar: names, titles and locations on one
line, descriptions with their line breaks, parameter values and addresses."""

from __future__ import annotations

import re

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")


def one_line(value: str) -> str:
    """Names, titles, locations: control characters (CR, LF, ...) become spaces."""
    return " ".join(_CONTROLS.sub(" ", value).split())


def multi_line(value: str) -> str:
    """Descriptions keep their line breaks (icalendar escapes them as \\n)."""
    lines = (one_line(line) for line in _NEWLINES.split(value))
    return "\n".join(lines).strip()


def param_value(value: str) -> str:
    """A parameter value (CN): one line, and no DQUOTE, which no quoting can hold.

    RFC 6868 would write a DQUOTE as ^', which Outlook shows literally.
    """
    return one_line(value).replace('"', "'")


def mailto(email: str) -> str:
    address = _CONTROLS.sub("", email).strip()
    if not address or "@" not in address or any(ch.isspace() for ch in address):
        raise ValueError(f"{email!r} is not an email address.")
    return f"mailto:{address}"
