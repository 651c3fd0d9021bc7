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
_HTML_TYPE = re.compile(rb"(?i)content-type:[ \t]*text/html")
_CHUNK = 4096  # small enough that a flat page never needs the tag-by-tag pass
_VOID = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr")
)  # fmt: skip
_VOID_TAG = re.compile(rb"(?i)<(?:" + b"|".join(name.encode() for name in sorted(_VOID)) + rb")\b")


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
    """Element nesting past the limit in the message's HTML, judged on its bytes.

    Tags in plain, 8-bit and quoted-printable parts are visible in the bytes, so no
    MIME parse is needed (a base64 part hides them: the reader caps its nesting on
    decoding). Most of the work is C-level counting, chunk by chunk.
    """
    if b"<" not in raw or not _HTML_TYPE.search(raw):
        return None
    depth = deepest = 0
    for start in range(0, len(raw), _CHUNK):
        chunk = raw[start : start + _CHUNK + 256]  # a tag cut at the edge is seen whole
        chunk = chunk[: _CHUNK + (chunk[_CHUNK:].find(b">") + 1 if len(chunk) > _CHUNK else 0)]
        opens = chunk.count(b"<") - chunk.count(b"</") - chunk.count(b"<!") - chunk.count(b"/>")
        opens -= len(_VOID_TAG.findall(chunk))
        closes = chunk.count(b"</")
        if depth + opens > limits.max_html_depth:
            # it may go deep within this chunk: follow it tag by tag, here only
            inside = deepest_nesting(chunk.decode("latin-1"), start_depth=depth)
            deepest = max(deepest, inside)
        depth = max(depth + opens - closes, 0)
        deepest = max(deepest, depth)
        if deepest > limits.max_html_depth:
            return f"HTML nested too deep (more than {limits.max_html_depth} levels)"
    return None


def deepest_nesting(html: str, start_depth: int = 0) -> int:
    """How deep the elements nest, in one pass (closing tags close; void tags do not open)."""
    depth = deepest = start_depth
    for found in _TAG.finditer(html):
        closing, name, self_closing = found.groups()
        if closing:
            depth = max(depth - 1, 0)
        elif not self_closing and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest
