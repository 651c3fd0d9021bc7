"""Taking the author out of an answer that is shown without them.

``redact(text, sender)`` is for the digest, reports and exports that leave
names out: whatever trimming missed, the member's full name, each of their
names, preferred first names and initials, every e-mail address and every
phone number are replaced by ``[name]``, ``[email]`` and ``[phone]``.

It runs in time linear in the text: every pattern starts only at a word
boundary (a look-behind of one character), its repetitions are bounded and
possessive, and the set of name alternatives is fixed and small, so a
1,000,000-character word costs one pass.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .signature import PHONE
from .types import Sender

NAME = "[name]"
EMAIL = "[email]"
PHONE_MARK = "[phone]"

# Names that are also everyday English words: matched only when capitalised
# (or in capitals), or alone on a line, so "I will" stays when Will answers.
_COMMON_WORDS = frozenset(
    [
        "will",
        "may",
        "hope",
        "grace",
        "rose",
        "faith",
        "joy",
        "mark",
        "bill",
        "pat",
        "sue",
        "art",
        "rob",
        "dawn",
        "summer",
        "ray",
        "jack",
        "frank",
        "guy",
        "max",
        "amber",
        "ivy",
        "lily",
        "holly",
        "june",
        "april",
        "august",
        "bob",
        "don",
        "drew",
        "gene",
        "grant",
        "robin",
        "sandy",
        "rich",
        "penny",
        "chase",
        "clay",
        "dean",
        "earl",
        "glen",
        "hunter",
        "mercy",
        "river",
        "sky",
        "star",
        "august",
        "destiny",
        "honey",
        "crystal",
        "page",
    ]
)
# An address starts where a local part can start; possessive repeats never backtrack.
_EMAIL = re.compile(
    r"(?<![\w.+'%!#$&*=?^`{|}~-])[\w.+'%!#$&*=?^`{|}~-]{1,64}+@[\w-]{1,63}+(?:\.[\w-]{1,63}+){1,8}+"
)


def _alternatives(forms: list[str]) -> str:
    parts = []
    for form in sorted(set(forms), key=len, reverse=True):
        escaped = re.escape(form.replace("’", "'"))
        escaped = escaped.replace("'", "['’]").replace("\\ ", r"\s+")
        parts.append(escaped)
    return "|".join(parts)


@lru_cache(maxsize=256)
def _name_patterns(sender: Sender) -> tuple[re.Pattern[str] | None, ...]:
    """(any case, capitalised only, initials, a line of only a short form)."""
    words: list[str] = []
    for word in (*sender.name_words(), *sender.all_first_names()):
        word = word.replace("’", "'")
        words.append(word)
        words.extend(part for part in re.split(r"[-']", word) if len(part) >= 3)
    full = [sender.name.replace("’", "'")] if sender.name.strip() else []
    words = [w for w in words if len(w) >= 2]
    common_full = any(w.casefold() in _COMMON_WORDS for w in words)
    anycase = [w for w in words if w.casefold() not in _COMMON_WORDS]
    anycase += [] if common_full else full
    capital = [w for w in words if w.casefold() in _COMMON_WORDS]
    capital += full if common_full else []
    initials = [i for i in sender.all_initials() if len(i.replace(".", "")) >= 2]
    single = [i for i in sender.all_initials() if len(i.replace(".", "")) == 1]

    def compiled(forms: list[str], flags: int) -> re.Pattern[str] | None:
        if not forms:
            return None
        return re.compile(rf"(?<![\w]){'(?:' + _alternatives(forms) + ')'}(?![\w])", flags)

    alone = [*single, *(w for w in words if w.casefold() in _COMMON_WORDS)]
    line = (
        re.compile(rf"(?im)^[ \t\-–—~]*(?:{_alternatives(alone)})(?:[ \t]+x{{1,4}})?[ \t.,!]*$")
        if alone
        else None
    )
    return (
        compiled(anycase, re.IGNORECASE),
        compiled([w[:1].upper() + w[1:] for w in capital] + [w.upper() for w in capital], 0),
        compiled(initials, 0),
        line,
    )


def redact(text: str, sender: Sender | None = None) -> str:
    """``text`` without its author: their names and initials, and every address and phone."""
    text = _EMAIL.sub(EMAIL, text)
    text = PHONE.sub(PHONE_MARK, text)
    if sender is not None:
        for pattern in _name_patterns(sender):
            if pattern is not None:
                text = pattern.sub(NAME, text)
    return text
