"""The quoted original, recognised: attribution lines ("On ... wrote:"), mail clients'
header blocks, and the words of the prompt we sent, so the trimmer can tell what the
member wrote from what they replied to."""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

from . import ours
from . import patterns as p
from .ours import bundled_prompt_text

MAX_TEXT_CHARS = 1_000_000
"""Characters of body text we trim; a longer body is cut first."""

MAX_LINE_CHARS = 5000
"""Characters of one line given to the recognisers (a longer line is content)."""


def _is_quote(line: str) -> bool:
    return line.startswith(">") or line.startswith(" >")


def _unquote(line: str) -> str:
    return re.sub(r"^(?:\s?>)+\s?", "", line)


_LINK = re.compile(r"<(?:https?|mailto):[^>\s]*>|https?://\S+")
# In ``re``, ``[^\W_]`` matches exactly the characters for which ``str.isalnum()`` is true.
_NOT_ALNUM = re.compile(r"[\W_]+")


def _norm_words(text: str) -> str:
    text = _LINK.sub(" ", text)
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_ALNUM.sub(" ", text).split())


@lru_cache(maxsize=64)
def _prompt_words(prompt_text: str) -> tuple[str, frozenset[str], frozenset[tuple[str, str]]]:
    """A prompt's words, normalised once: many replies answer the same prompt text.

    The pairs of neighbouring words let most lines be ruled out (or in) in time
    proportional to the line, before the exact phrase search.
    """
    words = _norm_words(prompt_text)
    tokens = words.split()
    return f" {words} ", frozenset(tokens), frozenset(itertools.pairwise(tokens))


MAX_PHRASE_SEARCHES = 2000
"""Exact phrase searches in the prompt per reply; past it the word-pair test decides."""


class _Prompt:
    """The prompt we sent, for telling its copy apart from a member's lines.

    With ``prompt_text`` the comparison is the exact one. Without it, the
    words every prompt of ours is made of (``ours.bundled_prompt_text``) are
    used, more strictly: a line counts as ours only if it is a phrase of that
    text or one of our template's variable lines.
    """

    def __init__(self, prompt_text: str | None) -> None:
        self.exact = bool(prompt_text and prompt_text.strip())
        text = prompt_text if self.exact else bundled_prompt_text()
        self.joined, self.vocabulary, self.pairs = _prompt_words((text or "")[:MAX_TEXT_CHARS])
        self.known = bool(self.vocabulary)
        self.searches = 0
        self.seen: dict[str, bool] = {}

    def _phrase(self, words: str) -> bool:
        """Whether ``words`` is a phrase of the prompt (cheap tests first, then the search)."""
        known = self.seen.get(words)
        if known is not None:
            return known
        tokens = words.split()
        found = all(t in self.vocabulary for t in tokens) and all(
            pair in self.pairs for pair in itertools.pairwise(tokens)
        )
        if found and self.searches < MAX_PHRASE_SEARCHES:
            self.searches += 1
            found = f" {words} " in self.joined
        if len(self.seen) < 100_000:
            self.seen[words] = found
        return found

    def contains(self, line: str) -> bool:
        if not self.known:
            return False
        bare = _unquote(line)[:MAX_LINE_CHARS]
        words = _norm_words(bare)
        if not words:
            return True  # blank or punctuation-only: neutral
        if ours.TEMPLATE_LINES.match(bare):
            return True
        if self._phrase(words):
            return self.exact or " " in words or len(words) > 12
        if not self.exact:
            return False
        tokens = words.split()
        inside = sum(1 for token in tokens if token in self.vocabulary)
        return len(tokens) >= 4 and inside / len(tokens) >= 0.9


def _attribution_at(lines: list[str], i: int, *, quote_follows: bool = False) -> int:
    """How many lines (1 to 3) an attribution at ``i`` spans, or 0.

    A "weak" attribution (no date, address or opening word, e.g. "Sam
    wrote:") only counts when ``quote_follows``.
    """
    line = lines[i].strip()[:MAX_LINE_CHARS]
    if not line or _is_quote(lines[i]):
        return 0
    strength = _attribution_strength(line)
    if strength == 2 or (strength == 1 and quote_follows):
        return 1
    if not _starts_like_attribution(line) or len(line) > 200:
        return 0
    joined = line
    for extra in (1, 2):
        if i + extra >= len(lines) or not lines[i + extra].strip() or _is_quote(lines[i + extra]):
            return 0
        following = lines[i + extra].strip()[:MAX_LINE_CHARS]
        if _attribution_strength(following) == 2 and (
            p.ATTRIBUTION_START.match(following) or p.DATE_ATTRIBUTION.match(following)
        ):
            return 0  # the attribution starts on that line; this one is the member's
        joined = f"{joined} {following}"
        if _attribution_strength(joined) == 2:
            return extra + 1
    return 0


def _starts_like_attribution(text: str) -> bool:
    return bool(
        p.ATTRIBUTION_START.match(text)
        or p.DATE_ATTRIBUTION.match(text)
        or ("@" in text and len(text) < 200)
    )


def _attribution_strength(text: str) -> int:
    """2: certainly an attribution; 1: only if a quote follows; 0: not one."""
    if len(text) > 400:
        return 0
    if p.DATE_ATTRIBUTION.match(text) and (
        text.endswith((":", ">")) or p.GMAIL_DATE_ATTRIBUTION.match(text)
    ):
        return 2
    if not p.ATTRIBUTION_END.search(text):
        return 0
    if re.search(r"\d|@", text) or p.ATTRIBUTION_START.match(text):
        return 2
    return 1 if len(text) < 80 else 0


def _header_block_at(lines: list[str], i: int) -> int:
    """Length of an Outlook-style From/Sent/To/Subject block starting at ``i``, or 0."""
    if not p.HEADER_FROM.match(lines[i][:MAX_LINE_CHARS]):
        return 0
    end = i + 1
    others = 0
    while end < len(lines) and end - i <= 12:
        line = lines[end][:MAX_LINE_CHARS]
        if p.HEADER_OTHER.match(line):
            others += 1
        elif not line.strip():
            if others and end + 1 < len(lines) and p.HEADER_OTHER.match(lines[end + 1]):
                pass  # Outlook sometimes leaves a blank line inside the block
            else:
                break
        elif others == 0 and end - i > 2:
            break
        end += 1
    return end - i if others else 0
