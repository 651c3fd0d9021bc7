"""One reply to an email of numbered parts (the governance checklist), split by part.

``split_parts(text, titles)`` takes the member's own words (``parse_reply``'s text:
quotes, our prompt and signatures already trimmed) and the parts' titles in their
numbering (1 is ``titles[0]``), and returns what the member wrote after each number,
and what they wrote before any (``rest``). Pure and linear in the text.

A part starts on a line that begins with its number: "1. ...", "2) ...", "(3) ...",
"4 - ...", "5: ...", "Part 3: ...", "Q4 ...", "#6 ...", "**2.** ..."; or with its
title ("Relationships: ...", "Shared purpose -"). A bare number needs its
punctuation ("3.5 million" and "2 of us" are words, not parts). The text on the
marker's line after the number is the answer's first line, unless it only repeats
the part's title (a heading the member copied), which is dropped.

A member's own list inside an answer ("1. money 2. time" under part 4) is kept as
words of that part: a bare number starts a new part only when it is higher than the
part being read and not already used; "Part N", "QN", "#N" and a title always do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_KEYWORD = re.compile(
    r"^[ \t>*_]*(?:part|question|q|item|no\.?|number)\s*#?\s*(\d{1,2})\b\**[ \t]*[.):\-–—]*\**[ \t]*(.*)$",
    re.IGNORECASE,
)
_HASH = re.compile(r"^[ \t*_]*#\s*(\d{1,2})\b[ \t]*[.):\-–—]*[ \t]*(.*)$")
_BARE = re.compile(r"^[ \t*_]*\(?(\d{1,2})(?:\)|[.:](?=\s|$)|[ \t]+[-–—](?=\s|$))\**[ \t]*(.*)$")
_WORDS = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Parts:
    """What one reply says, part by part (by number, from 1) and before any part."""

    by_number: dict[int, str] = field(default_factory=dict)
    rest: str = ""


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in _WORDS.findall(text))


def _marker(
    line: str, titles: Sequence[str], current: int, used: set[int]
) -> tuple[int, str] | None:
    """(part number, the rest of the line) when ``line`` starts a part."""
    for pattern, strong in ((_KEYWORD, True), (_HASH, True), (_BARE, False)):
        found = pattern.match(line)
        if found is None:
            continue
        number = int(found.group(1))
        if not 1 <= number <= len(titles) or number in used:
            return None
        if not strong and number <= current:
            return None
        return number, found.group(2)
    stripped = line.strip(" \t*_")
    for number, title in enumerate(titles, start=1):
        head = stripped[: len(title)]
        after = stripped[len(title) :]
        if number in used or head.casefold() != title.casefold():
            continue
        if after == "" or after[0] in ":-–—":
            return number, after.lstrip(":-–— \t")
    return None


def _heading_only(rest: str, title: str) -> bool:
    """The marker line's words are only the part's title (copied as a heading)."""
    words = _words(rest)
    return not words or words == _words(title)


def _tidy(lines: list[str]) -> str:
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def split_parts(text: str, titles: Sequence[str]) -> Parts:
    """The member's words by part number (see the module's docstring)."""
    current = 0
    used: set[int] = set()
    before: list[str] = []
    parts: dict[int, list[str]] = {}
    for line in text.splitlines():
        found = _marker(line, titles, current, used)
        if found is None:
            (parts[current] if current else before).append(line)
            continue
        current, rest = found
        used.add(current)
        parts[current] = [] if _heading_only(rest, titles[current - 1]) else [rest.strip()]
    by_number = {n: words for n, lines in sorted(parts.items()) if (words := _tidy(lines))}
    return Parts(by_number=by_number, rest=_tidy(before))


def is_introduction(rest: str) -> bool:
    """Words before the numbered parts that only introduce them ("My answers below:")."""
    lines = [line for line in rest.splitlines() if line.strip()]
    return len(lines) == 1 and len(lines[0]) <= 80 and lines[0].rstrip().endswith((":", "..."))
