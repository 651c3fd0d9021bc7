"""What a held message seems to be, and its first lines, for the convenor to decide on.

Read from the stored bytes at a bounded cost: the kind from the headers and a
search of the bytes (a label only: deciding on it checks again), the first
lines only of a message within every limit and small enough to be worth a read,
each line made printable (a stranger wrote it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from scheduler.archive.database import Archive
from scheduler.archive.inbound_store import InboundStore
from scheduler.inbound.headers import headers_of
from scheduler.inbound.limits import Limits, structure_problem
from scheduler.inbound.machine_mail import looks_like_delivery_report
from scheduler.replies import body_text
from scheduler.safety import printable

KINDS = ("answer", "rsvp", "bounce", "other")  # the ``--kind`` values
EXCERPT_BYTES = 128 * 1024  # a held message larger than this is not read for its first lines
_CALENDAR_REPLY = re.compile(rb"(?i)method(?:=\"?|:[ \t]*)reply\b")
_DELIVERY_REASON = re.compile(r"^(a delivery report|a complaint report)")


def seems(row: dict[str, Any]) -> str:
    """The kind a held message seems to be: one of ``KINDS``."""
    raw = bytes(row["raw"] or b"")
    if _CALENDAR_REPLY.search(raw[:EXCERPT_BYTES]):
        return "rsvp"
    reason = str(row.get("reason") or "")
    if _DELIVERY_REASON.match(reason) or (raw and _headers_say_report(raw)):
        return "bounce"
    if row.get("prompt_id") is not None:
        return "answer"
    return "other"


def _headers_say_report(raw: bytes) -> bool:
    try:
        return looks_like_delivery_report(headers_of(raw))
    except Exception:  # a stranger's unparsable headers: a label is not worth a failed tick
        return False


def seems_held(archive: Archive) -> dict[int, str]:
    """What each message held back seems to be, by its number."""
    return {row["id"]: seems(row) for row in InboundStore(archive).held()}


def described(archive: Archive, items: Iterable[int]) -> dict[int, tuple[str, tuple[str, ...]]]:
    """What each held message seems to be, and its first lines, by its number."""
    store = InboundStore(archive)
    out = {}
    for item in items:
        row = store.message(item)
        if row is not None:
            out[item] = (seems(row), first_lines(bytes(row["raw"] or b"")))
    return out


def first_lines(raw: bytes, *, lines: int = 4, width: int = 160) -> tuple[str, ...]:
    """The first lines of a held message's own words (quotes left out), each printable;
    a line in brackets instead when it is not read."""
    if not raw:
        return ("(its text was erased)",)
    if len(raw) > EXCERPT_BYTES:
        return (f"(a large message, {len(raw):,} bytes: not shown)",)
    problem = structure_problem(raw, Limits())
    if problem is not None:
        return (f"(not shown: {problem})",)
    found = []
    for line in body_text(raw).splitlines():  # body_text never raises: odd bytes give ""
        words = line.strip()
        if not words or words.startswith(">"):
            continue
        found.append(printable(words, width))
        if len(found) == lines:
            break
    return tuple(found) or ("(no text)",)
