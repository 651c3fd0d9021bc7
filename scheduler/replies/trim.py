"""Finding the member's own words in a reply body.

``trim_reply`` works on plain text in three passes:

1. *Regions.* Walk the lines and decide, for each, whether it is the member's
   or part of the quoted original: ``>`` blocks that follow an attribution,
   run to the end, or repeat the prompt; everything after an Outlook header
   block, an ``-----Original Message-----``/underscore/forward separator, an
   attribution followed by an unquoted (e.g. Yahoo's indented) original, or
   an unquoted copy of our "reply above this line" marker. When the prompt we
   sent is known, an *unquoted* original is not cut but compared with it, so
   lines a member typed between Outlook's unquoted prompt lines survive.
2. *Segments.* The member's lines, grouped into the contiguous blocks they
   typed (inline replies give several).
3. *Clean-up.* Gateway banners, ``[cid:…]`` placeholders, disclaimers and
   device footers go from every segment; the greeting from the first; the
   signature (``-- ``, a bare ``--`` before name lines, a sign-off line and
   what follows it) from the last.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import ours
from . import patterns as p
from . import signature as sig
from .original import (
    MAX_LINE_CHARS,
    MAX_TEXT_CHARS,
    _attribution_at,
    _attribution_strength,
    _header_block_at,
    _is_quote,
    _norm_words,
    _Prompt,
    _unquote,
)
from .types import Sender

_RULE = re.compile(r"^\s*[-_=*~]{3,}\s*$")


def _is_separator(line: str) -> bool:
    return bool(p.SEPARATOR.match(line[:MAX_LINE_CHARS]))


class _Scan:
    """Line roles: True for the member's own lines."""

    def __init__(self, lines: list[str], prompt: _Prompt) -> None:
        self.lines = lines
        self.prompt = prompt
        self.own = [False] * len(lines)

    def run(self) -> None:
        lines = self.lines
        seen_attribution = False
        i = 0
        while i < len(lines):
            line = lines[i]
            if line == "-- ":
                return  # the signature delimiter always ends the answer
            if not _is_quote(line) and p.REPLY_MARKER.search(line[:MAX_LINE_CHARS]):
                self._unmark_opening_above(i)
                self._unquoted_original(i + 1)
                return
            span = _attribution_at(lines, i, quote_follows=self._quote_follows(i))
            if span:
                after = self._next_nonblank(i + span)
                if after is not None and _is_quote(lines[after]):
                    seen_attribution = True
                    i += span
                    continue
                self._unquoted_original(i + span)
                return
            header = _header_block_at(lines, i)
            if header or _is_separator(line):
                self._unmark_rules_above(i)
                self._unquoted_original(i + max(header, 1))
                return
            if _is_quote(line):
                end = self._quote_block_end(i)
                if not (seen_attribution or self._block_is_original(i, end)):
                    for k in range(i, end):
                        self.own[k] = True
                i = end
                continue
            self.own[i] = True
            i += 1

    def _unmark_opening_above(self, i: int) -> None:
        """Our prompt's opening (the greeting and a sentence or two) just above its marker.

        The marker follows our "Dear Aoife," and the first sentence, so that a phone's
        inbox preview shows words rather than the marker; an unquoted copy of the prompt
        therefore begins a few lines above it. Those lines are ours only when every one
        of them, from a greeting line down to the marker, is a line of our prompt.
        """
        for k in range(i - 1, max(-1, i - 1 - _OPENING_LINES), -1):
            line = self.lines[k]
            if not line.strip():
                continue
            if _is_quote(line) or not self.prompt.contains(line):
                return
            if ours.OPENING_GREETING.match(line[:MAX_LINE_CHARS]):
                for j in range(k, i):
                    self.own[j] = False
                return

    def _unmark_rules_above(self, i: int) -> None:
        """A dashed or underscored rule just above a header block belongs to it."""
        k = i - 1
        while k >= 0 and (not self.lines[k].strip() or _RULE.match(self.lines[k])):
            self.own[k] = False
            k -= 1

    def _quote_follows(self, i: int) -> bool:
        after = self._next_nonblank(i + 1)
        return after is not None and _is_quote(self.lines[after])

    def _next_nonblank(self, start: int) -> int | None:
        for k in range(start, len(self.lines)):
            if self.lines[k].strip():
                return k
        return None

    def _quote_block_end(self, start: int) -> int:
        end = start
        k = start
        while k < len(self.lines):
            if _is_quote(self.lines[k]):
                end = k + 1
            elif self.lines[k].strip():
                break
            k += 1
        return end

    def _block_is_original(self, start: int, end: int) -> bool:
        block = self.lines[start:end]
        if any(p.REPLY_MARKER.search(line[:MAX_LINE_CHARS]) for line in block):
            return True
        if self._next_nonblank(end) is None:
            return True  # a quote that runs to the end is what was replied to
        if any(_attribution_strength(_unquote(line)) == 2 for line in block) or any(
            p.HEADER_FROM.match(_unquote(line)) for line in block
        ):
            return True
        if self.prompt.known:
            text = [line for line in block if _norm_words(_unquote(line))]
            inside = sum(1 for line in text if self.prompt.contains(line))
            return bool(text) and inside * 2 >= len(text)
        return False

    def _unquoted_original(self, start: int) -> None:
        """Lines from ``start`` are the original; when it is our prompt, keep the rest.

        The member's lines in an unquoted copy of our prompt are those that
        are not in it: comments typed between its lines (Outlook's
        ``[Name]``-prefixed ones included) and an answer typed below it.
        Without the exact prompt, this is done only when the copy is plainly
        ours: at least two thirds of its lines are our prompt's phrases.
        """
        if not self.prompt.known:
            return
        first = self._next_nonblank(start)
        if first is not None:
            header = _header_block_at(self.lines, first)
            if header:  # a separator's own header block (From/Sent/To/Subject)
                start = first + header
        end = len(self.lines)
        for k in range(start, len(self.lines)):
            line = self.lines[k]
            if line == "-- " or _header_block_at(self.lines, k) or _is_separator(line):
                end = k  # an older message below the prompt
                break
        region = [k for k in range(start, end) if self.lines[k].strip()]
        if not region:
            return
        ours_count = sum(1 for k in region if self._is_prompt_line(self.lines[k]))
        if not self.prompt.exact and ours_count * 3 < len(region) * 2:
            return  # not plainly our prompt (another message, or questions we do not know)
        for k in region:
            line = self.lines[k]
            if _is_quote(line) and not _COMMENT_PREFIX.match(line):
                continue
            if not self._is_prompt_line(line):
                self.own[k] = True

    def _is_prompt_line(self, line: str) -> bool:
        if p.REPLY_MARKER.search(line[:MAX_LINE_CHARS]):
            return True
        if _COMMENT_PREFIX.match(line):
            return False
        return self.prompt.contains(line)


_OPENING_LINES = 12
"""How far above the marker our prompt's opening (greeting and first sentences) may begin."""

_COMMENT_PREFIX = re.compile(r"^\s*\[[A-Z][\w.'’ -]{1,40}\]\s+\S")
"""Outlook's "mark my comments with my name": ``[Tom Okafor] my comment``."""


def _segments(lines: list[str], own: list[bool]) -> list[list[str]]:
    """Contiguous runs of own lines; blank lines between own lines stay inside a run."""
    segments: list[list[str]] = []
    current: list[str] = []
    pending: list[str] = []
    for line, mine in zip(lines, own, strict=True):
        if mine and line.strip():
            current.extend(pending if current else [])
            pending = []
            current.append(line)
        elif mine or (not line.strip() and current):
            pending.append(line)
        else:
            if current:
                segments.append(current)
            current, pending = [], []
    if current:
        segments.append(current)
    return segments


def _paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for k, line in enumerate([*lines, ""]):
        if line.strip() and start is None:
            start = k
        elif not line.strip() and start is not None:
            spans.append((start, k))
            start = None
    return spans


def _drop_boilerplate(lines: list[str]) -> list[str]:
    """Remove banners, disclaimers, placeholders and device footers from a segment."""
    keep = [True] * len(lines)
    for start, end in _paragraphs(lines):
        text = " ".join(line.strip() for line in lines[start:end])[:MAX_LINE_CHARS]
        if p.BANNER.search(text) or p.DISCLAIMER_STRONG.search(text):
            for k in range(start, end):
                keep[k] = False
    result: list[str] = []
    for line, kept in zip(lines, keep, strict=True):
        if not kept:
            continue
        if "[cid:" in line:
            stripped = p.CID.sub("", line)
            if not stripped.strip():
                continue
            line = stripped.rstrip()
        if p.DEVICE_FOOTER.match(line[:MAX_LINE_CHARS]):
            continue
        result.append(line)
    if result:
        tagged = p.BANNER_TAG.sub("", result[0], count=1)
        if tagged != result[0]:
            result[0] = tagged
            if not tagged.strip():
                result.pop(0)
    return result


def _strip_blank_edges(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _drop_greeting(lines: list[str]) -> list[str]:
    lines = _strip_blank_edges(lines)
    greeting = bool(lines) and len(lines[0]) < 80
    greeting = greeting and bool(
        p.GREETING.match(lines[0])
        or (_NAME_GREETING.match(lines[0]) and lines[0].strip(" ,").casefold() not in _NOT_A_NAME)
    )
    if greeting and len(lines) > 1:
        return _strip_blank_edges(lines[1:])
    return lines


_NAME_GREETING = re.compile(r"^\s*[A-Z][\w'’-]{1,20}(?:\s(?:and|&)\s[A-Z][\w'’-]{1,20})?\s*,\s*$")
"""A name alone with a comma opens a reply ("Priya,"), when more follows."""
_NOT_A_NAME = frozenset(
    [
        "yes",
        "no",
        "ok",
        "okay",
        "agreed",
        "honestly",
        "well",
        "so",
        "sorry",
        "apologies",
        "right",
        "firstly",
        "secondly",
        "thirdly",
        "also",
        "again",
        "briefly",
        "personally",
        "overall",
        "sure",
        "thanks",
        "first",
        "second",
        "finally",
        "however",
        "anyway",
        "basically",
        "frankly",
        "ideally",
        "obviously",
    ]
)


def _looks_like_signature_line(line: str) -> bool:
    stripped = line.strip()
    if len(stripped) > 90:
        return False
    # A full sentence is content; name, title, organisation and contact lines are not.
    words = len(stripped.split())
    return not (words > 10 or (words > 6 and re.search(r"[a-z]{3,}[.?!]$", stripped)))


def _drop_signoff(lines: list[str]) -> list[str]:
    lines = _strip_blank_edges(lines)
    # Only the last lines can open a signature: at most 8 non-blank lines may follow it.
    first = len(lines)
    seen = 0
    while first > 0 and seen <= 8:
        first -= 1
        seen += 1 if lines[first].strip() else 0
    for k in range(first, len(lines)):
        line = lines[k]
        stripped = line.rstrip()
        tail = [t for t in lines[k + 1 :] if t.strip()]
        short_tail = len(tail) <= 8 and all(_looks_like_signature_line(t) for t in tail)
        if stripped == "--" and short_tail and tail:
            return _strip_blank_edges(lines[:k])
        # A sign-off closes something: a reply of only "Thanks" is kept.
        if k > 0 and short_tail and p.SIGNOFF.match(stripped[:200]):
            return _strip_blank_edges(lines[:k])
    if lines and len(lines) > 1 and p.DASH_NAME.match(lines[-1]) and not _in_list(lines):
        return _strip_blank_edges(lines[:-1])
    return lines


def _drop_signature(
    lines: list[str],
    sender: Sender | None,
    known_signatures: Sequence[str] = (),
    *,
    last: bool = True,
    others: bool = False,
) -> list[str]:
    """The answer without what closes it: learnt signature, signature block, sign-off, name."""
    lines = _strip_blank_edges(lines)
    if known_signatures:
        lines = _strip_blank_edges(sig.drop_known(lines, known_signatures[:MAX_KNOWN_SIGNATURES]))
    forms = sig.name_forms(sender)
    for _ in range(6):
        before = len(lines)
        lines = _strip_blank_edges(sig.drop_tail(lines, sender))
        lines = _drop_signoff(lines)
        if (
            len(lines) == 1
            and others
            and (sig.is_closing_name(lines[0], sender, forms) or p.SIGNOFF.match(lines[0][:200]))
        ):
            return []  # a block of its own that only signs off, below inline answers
        if (
            len(lines) > 1
            and (last or forms)
            and sig.is_closing_name(lines[-1], sender, forms)
            and (forms or not lines[-2].strip())
        ):
            lines = _strip_blank_edges(lines[:-1])
        if len(lines) == before:
            break
    return lines


MAX_KNOWN_SIGNATURES = 20
"""Learnt signatures tried per reply."""


def _in_list(lines: list[str]) -> bool:
    """Whether the last line is an item of a typed list ("- Ask the youth club")."""
    marker = lines[-1].lstrip()[:1]
    above = lines[-2].lstrip()
    return bool(above) and above[:1] == marker and above[1:2] in (" ", "\t")


def normalise_text(text: str) -> str:
    """``\\n`` line endings, NULs removed; trailing whitespace kept for ``-- ``."""
    text = text[:MAX_TEXT_CHARS].replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text.replace("\u2028", "\n").replace("\u2029", "\n")


def _own_segments(text: str, prompt_text: str | None) -> list[list[str]]:
    raw_lines = normalise_text(text).split("\n")
    # Keep the exact "-- " delimiter; strip trailing whitespace everywhere else.
    lines = [line if line == "-- " else line.replace("\u1427", "").rstrip() for line in raw_lines]
    scan = _Scan(lines, _Prompt(prompt_text))
    scan.run()
    segments = [_drop_boilerplate(seg) for seg in _segments(lines, scan.own)]
    return [seg for seg in (_strip_blank_edges(s) for s in segments) if seg]


def own_tail_lines(text: str) -> list[str]:
    """The member's last block of a message, before its signature is looked for."""
    segments = _own_segments(text, None)
    return segments[-1] if segments else []


def trim_reply(
    text: str,
    prompt_text: str | None = None,
    *,
    sender: Sender | None = None,
    known_signatures: Sequence[str] = (),
) -> str:
    """The member's own words in a plain-text reply body (see module docstring).

    ``sender`` (who the member is) lets a closing name, initials and the
    member's organisation and role be recognised; ``known_signatures`` are the
    member's signatures learnt from earlier messages (``learn_signatures``).
    """
    segments = _own_segments(text, prompt_text)
    if not segments:
        return ""
    segments[0] = _drop_greeting(segments[0])
    # Every block can end in a signature: Outlook puts the automatic one above
    # its header block, and a member may answer below the original too.
    count = len(segments)
    segments = [
        _drop_signature(seg, sender, known_signatures, last=k == count - 1, others=count > 1)
        for k, seg in enumerate(segments)
    ]
    kept = ["\n".join(seg) for seg in segments if seg]
    return "\n\n".join(kept).strip("\n")
