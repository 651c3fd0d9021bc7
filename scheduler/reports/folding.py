"""Folding a long answer: its first few lines shown whole, the rest a tap away.

A digest that shows every answer in full is as long as its longest answers; one
that shows only a line of each says nothing. ``fold`` keeps an answer whole up
to ``lines`` lines as a phone shows them (``width`` characters a line, about
what 375 pixels hold at 16px), and otherwise cuts it at a word after that many
lines: the digest's HTML puts the rest under a ``<details>`` the reader opens,
its plain text says where the rest is.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

Paragraphs = tuple[tuple[str, ...], ...]

PHONE_LINE = 40  # characters in one line of a 375-pixel screen at the digest's 16px type
SLACK = 2  # an answer only this many lines over is shown whole: folding it would save nothing


@dataclass(frozen=True)
class Folded:
    shown: Paragraphs  # what is always shown, as the member wrote it up to the cut
    rest: Paragraphs  # what the fold holds (empty: the answer is shown whole)
    rest_words: int

    @property
    def folded(self) -> bool:
        return bool(self.rest)


def paragraphs(text: str) -> Paragraphs:
    """Blank lines split paragraphs; single line breaks stay inside one."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n").strip())
    return tuple(
        tuple(line.rstrip() for line in block.strip("\n").split("\n"))
        for block in blocks
        if block.strip()
    )


def _screen_lines(line: str, width: int) -> list[str]:
    """``line`` as a phone wraps it; an empty line still takes one."""
    return textwrap.wrap(line, width, break_long_words=True, break_on_hyphens=False) or [""]


def fold(text: str, *, lines: int, width: int = PHONE_LINE) -> Folded:
    """``text`` shown whole if it takes at most ``lines`` (+ a little) lines, else cut there."""
    paras = paragraphs(text)
    wrapped = [[_screen_lines(line, width) for line in para] for para in paras]
    total = sum(len(w) for para in wrapped for w in para) + max(0, len(paras) - 1)
    if lines < 1 or total <= lines + SLACK:
        return Folded(paras, (), 0)
    budget = lines
    shown: list[tuple[str, ...]] = []
    rest: list[tuple[str, ...]] = []
    for p_index, para in enumerate(paras):
        if budget <= 0:
            rest.append(para)
            continue
        kept: list[str] = []
        held: list[str] = []
        for l_index, line in enumerate(para):
            pieces = wrapped[p_index][l_index]
            if budget <= 0:
                held.append(line)
            elif len(pieces) <= budget:
                kept.append(line)
                budget -= len(pieces)
            else:
                cut = _cut_at(line, pieces, budget)
                if line[cut:].strip():
                    kept.append(line[:cut].rstrip() + " …")
                    held.append("… " + line[cut:].lstrip())
                else:
                    kept.append(line)
                budget = 0
        shown.append(tuple(kept))
        if held:
            rest.append(tuple(held))
        budget -= 1  # the blank line between paragraphs
    words = sum(len(line.replace("…", " ").split()) for para in rest for line in para)
    return Folded(tuple(shown), tuple(rest), words)


def _cut_at(line: str, pieces: list[str], keep: int) -> int:
    """Where in ``line`` its first ``keep`` wrapped pieces end (at a word)."""
    position = 0
    for piece in pieces[:keep]:
        found = line.find(piece, position)  # textwrap expands tabs: then count roughly
        position = (found if found >= 0 else position) + len(piece)
    position = min(position, len(line))
    if 0 < position < len(line) and not line[position].isspace():
        # inside a word too long for a line (a link, say): never cut one in two
        before = line.rfind(" ", 0, position)
        after = line.find(" ", position)
        position = before if before > 0 else (after if after > 0 else len(line))
    return position
