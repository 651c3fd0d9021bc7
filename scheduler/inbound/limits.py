"""Bounds on what one inbound message may cost, checked before it is parsed.

A stranger can send anything: a 50 MB message, 5,000 nested multiparts, an
HTML part of 100,000 nested ``<div>``. Each check here is one linear pass (a
regular expression over the bytes, or over a part already bounded in size and
number), so a message over a limit is set aside for the convenor, with the
limit named as the reason, before any parser spends time or memory on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from scheduler.replies.mime import MAX_MIME_DEPTH, MAX_PARTS

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    # the reader's own bounds: a message past them is held, not read in part
    max_parts: int = MAX_PARTS  # a long Outlook thread with inline images has a few dozen
    max_depth: int = MAX_MIME_DEPTH  # forwarded-within-forwarded mail reaches 6 or 7
    max_html_depth: int = 600  # element nesting: Outlook's tables-in-tables reach ~100


# A Content-Type header, with its folded continuation lines.
_CONTENT_TYPE = re.compile(rb"(?im)^content-type:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)")
_BOUNDARY = re.compile(rb'(?i)\bboundary[ \t]*=[ \t]*(?:"([^"\r\n]{1,200})"|([^;\s"]{1,200}))')
# A line that may be a multipart delimiter: "--" and up to 200 more characters.
_DELIMITER = re.compile(rb"(?m)^--([^\r\n]{1,202}?)[ \t]*\r?$")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*?(/?)>")
_VOID = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr")
)  # fmt: skip


def too_large(size: int, limits: Limits) -> str | None:
    if size > limits.max_bytes:
        return f"message too large ({size:,} bytes; the limit is {limits.max_bytes:,})"
    return None


def structure_problem(raw: bytes, limits: Limits) -> str | None:
    """Why this message is over a limit (named), or None when it is within them all."""
    problem = too_large(len(raw), limits) or _mime_problem(raw, limits)
    if problem is not None:
        return problem
    return _html_problem(raw, limits)


def _mime_problem(raw: bytes, limits: Limits) -> str | None:
    events: list[tuple[int, int, bytes]] = []  # (position, 0 = opens / 1 = delimiter, boundary)
    for parts, found in enumerate(_CONTENT_TYPE.finditer(raw), start=1):
        if parts > limits.max_parts:
            return f"too many MIME parts (more than {limits.max_parts})"
        value = found.group(1)
        if value[:10].lower().startswith(b"multipart"):
            declared = _BOUNDARY.search(value)
            if declared is not None:
                events.append((found.start(), 0, declared.group(1) or declared.group(2)))
    if not events:
        return None
    for found in _DELIMITER.finditer(raw):
        text = found.group(1)
        events.append((found.start(), 1, text[:-2] if text.endswith(b"--") else text))
    events.sort()
    # Each boundary opens one level; a delimiter of an outer boundary closes the inner ones.
    stack: list[bytes] = []
    for _position, what, boundary in events:
        if what == 0:
            stack.append(boundary)
            if len(stack) > limits.max_depth:
                return f"MIME parts nested too deep (more than {limits.max_depth} levels)"
        elif boundary in stack:
            del stack[stack.index(boundary) + 1 :]
    return None


def _html_problem(raw: bytes, limits: Limits) -> str | None:
    if b"html" not in raw[:65536].lower() and not re.search(rb"(?i)text/html", raw):
        return None
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        if part.get_content_type() != "text/html":
            continue
        try:
            html = str(part.get_content())
        except (LookupError, ValueError, AssertionError):
            continue  # unreadable HTML is the reader's business, not a cost
        depth = deepest_nesting(html)
        if depth > limits.max_html_depth:
            return f"HTML nested too deep ({depth:,} levels; the limit is {limits.max_html_depth})"
    return None


def deepest_nesting(html: str) -> int:
    """How deep the elements nest, in one pass (closing tags close; void tags do not open)."""
    depth = deepest = 0
    for found in _TAG.finditer(html):
        closing, name, self_closing = found.groups()
        if closing:
            depth = max(depth - 1, 0)
        elif not self_closing and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest
