"""Due dates in a note-taker's lines (pure): "by 14 March", "in two weeks", "by the next
meeting", "end of April", read with ``dateparser`` in the partnership's locale, relative
dates counted from the meeting's start (its local wall clock).

A strong word ("by", "before", "until", "no later than", "due") is looked for first,
then "in/within" a span, then "next week" and the like, then the weak "for", "on"
and "at the next meeting": so "by 18 June" wins over "for the July event".
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import dateparser

__all__ = ["DATE_WORD", "NEXT_MEETING", "due_of", "local_date"]

_WHEN = re.compile(
    r"\b(?P<word>by|before|until|no later than|due)\s*:?\s+(?=(?P<when>\S.*)$)",
    re.IGNORECASE,
)
_WEAK_WHEN = re.compile(  # "for the July event" is a date only when nothing stronger is said
    r"\b(?P<word>for|on|at)\s*:?\s+(?=(?P<when>\S.*)$)", re.IGNORECASE
)
_WITHIN = re.compile(
    r"\b(?:in|within|over)\s+(?:the\s+next\s+)?(?=(?P<when>(?:a|an|one|two|three|four|five|six|eight|\d{1,2})\s+"
    r"(?:days?|weeks?|fortnights?|months?))\b)",
    re.IGNORECASE,
)
_BARE = re.compile(
    r"\b(?=(?P<when>next week|next month|tomorrow|this week|end of (?:the )?(?:week|month))\b)",
    re.IGNORECASE,
)
NEXT_MEETING = re.compile(r"^(?:the\s+)?next\s+(?:meeting|reflection point|review|session)\b",
                           re.IGNORECASE)  # fmt: skip
DATE_WORD = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|"
    r"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?\b|"
    r"\b(?:weeks?|months?|fortnights?|tomorrow|today|days?|year)\b|\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b",
    re.IGNORECASE,
)
_PART_OF_MONTH = re.compile(
    r"^(?:the\s+)?(?P<part>end|close|middle|mid|start|beginning|early|late)(?:\s+of)?[\s-]+"
    r"(?P<rest>.+)$",
    re.IGNORECASE,
)


def local_date(text: str, base: datetime, locale: str) -> date | None:
    language = locale.split("-")[0]
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "future",
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    text = re.sub(r"^(?:w/?c|week commencing|the week of|the)\s+", "", text, flags=re.IGNORECASE)
    part = _PART_OF_MONTH.match(text)
    if part is not None:
        month = local_date(part["rest"], base, locale)
        if month is None:
            return None
        which = part["part"].lower()
        if which in ("end", "close", "late"):
            nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
            return nxt - timedelta(days=1)
        return month.replace(day=15 if which in ("middle", "mid") else 7)
    try:
        found = dateparser.parse(text, languages=[language], locales=[locale], settings=settings)
    except (ValueError, OverflowError, LookupError):
        return None
    return found.date() if found is not None else None


def due_of(
    text: str, base: datetime, next_meeting: date | None, locale: str
) -> tuple[date | None, str]:
    """The due date a line states (and the words it was read from)."""
    for pattern in (_WHEN, _WITHIN, _BARE, _WEAK_WHEN):
        for found in pattern.finditer(text):
            at = found.start("when")
            phrase = found["when"].strip()
            meeting = NEXT_MEETING.match(phrase)
            if meeting is not None:
                return next_meeting, text[found.start() : at + meeting.end()]
            if pattern is _WEAK_WHEN and found["word"].lower() == "at":
                continue  # "at" names a date only as "at the next meeting"
            words = phrase.split()
            for n in range(min(len(words), 6), 0, -1):
                attempt = " ".join(words[:n]).strip(" .,;)")
                if not DATE_WORD.search(attempt):
                    continue
                when = local_date(attempt, base, locale or "en-GB")
                if when is not None:
                    return when, text[found.start() : text.index(attempt, at) + len(attempt)]
    return None, ""
