"""A meeting's rhythm in words, ``every = "6 weeks"`` with ``on = "Tuesday"``, as the
recurrence rule the rest of the service reads, and meeting dates said in words.

``rule_in_words`` turns the words into RRULE text (``FREQ=WEEKLY;INTERVAL=6;BYDAY=TU``)
that ``rules.parse_rule`` then reads like any rule written by hand, so a series
has one rule however the convenor wrote it. Words it cannot read come back as a
``Misworded``: which of the two settings, what is wrong, and a fix with examples.
``in_words`` says a start the way a convenor checks it: "Tuesday 2 March 2027 10:00".
"""

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.calendar.rules import compile_rule

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_SHORT = {"tues": 1, "weds": 2, "wed": 2, "thur": 3, "thurs": 3}
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "other": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_ORDINALS = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3}
_ORDINALS |= {"4th": 4, "fourth": 4, "last": -1}
_ORDINAL_NAMES = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}
_EVERY = re.compile(r"(?:every\s+)?(?:(\d+|[a-z]+)\s+)?(week|fortnight|month)s?")
_SAME = {"weekly": "week", "fortnightly": "fortnight", "monthly": "month"}
_EVERY_EXAMPLES = 'e.g. every = "week", "2 weeks", "6 weeks", "month" or "3 months"'
_ON_EXAMPLES = 'e.g. on = "Tuesday" (by weeks), or "2nd Wednesday" or "last Friday" (by months)'


@dataclass(frozen=True)
class Misworded:
    """Why ``every`` or ``on`` (``setting``) cannot be read, with the fix."""

    setting: str
    message: str


def in_words(when: datetime) -> str:
    """A start as a convenor reads it: "Tuesday 2 March 2027 10:00"."""
    return f"{when:%A} {when.day} {when:%B %Y %H:%M}"


def rule_in_words(every: str, on: str | None, first: datetime | None) -> str | Misworded:
    """The RRULE text ``every`` and ``on`` mean for a series starting at ``first``.

    ``first`` is the naive local first start; without it (it is reported
    elsewhere) the words are read but not held against it.
    """
    unit = _unit(every)
    if isinstance(unit, Misworded):
        return unit
    interval, by_month = unit
    day = _day(on, by_month) if on is not None else _no_day(every, by_month, first)
    if isinstance(day, Misworded):
        return day
    parts = ["FREQ=MONTHLY" if by_month else "FREQ=WEEKLY"]
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    if day:
        parts.append(day)
    text = ";".join(parts)
    if first is not None:
        wrong = _first_not_picked(every, on, text, first, by_month)
        if wrong is not None:
            return wrong
    return text


def _unit(every: str) -> tuple[int, bool] | Misworded:
    """(how many, by months?) from ``every``."""
    words = " ".join(every.lower().split())
    match = _EVERY.fullmatch(_SAME.get(words, words))
    count = match.group(1) if match else None
    number = (int(count) if count.isdigit() else _NUMBERS.get(count)) if count else 1
    if match is None or number is None:
        if re.search(r"\b(day|days|daily|year|years|yearly|annually)\b", words):
            return Misworded(
                "every",
                f'"{every}": meetings here repeat by weeks or months, {_EVERY_EXAMPLES}; '
                'for once a year write every = "12 months".',
            )
        return Misworded(
            "every",
            f'"{every}" is not a rhythm this understands; write how many weeks or months '
            f"apart the meetings are, {_EVERY_EXAMPLES}.",
        )
    if not 1 <= number <= 99:
        return Misworded("every", f'"{every}": write a number from 1 to 99, {_EVERY_EXAMPLES}.')
    if match.group(2) == "fortnight":
        return 2 * number, False
    return number, match.group(2) == "month"


def _weekday(word: str) -> int | None:
    word = word.removesuffix("s") if word not in _WEEKDAYS else word
    for number, name in enumerate(_WEEKDAYS):
        if word == name or word == name[:3]:
            return number
    return _SHORT.get(word)


def _day(on: str, by_month: bool) -> str | Misworded:
    """The BYDAY or BYMONTHDAY part ``on`` means."""
    words = " ".join(on.lower().replace(",", " ").split()).removeprefix("on ").removeprefix("the ")
    for tail in (" of the month", " of each month", " of every month", " in the month"):
        words = words.removesuffix(tail)
    *count, name = words.split(" ") if words else [""]
    weekday = _weekday(name)
    if len(count) > 1 or (count and count[0] not in _ORDINALS) or weekday is None:
        return _unknown_day(on, count, name, by_month)
    if count and not by_month:
        return Misworded(
            "on",
            f'"{on}" picks a day within each month, so it needs every = "month" (or "3 '
            f'months"); to meet on a {_WEEKDAYS[weekday].title()} every few weeks write '
            f'on = "{_WEEKDAYS[weekday].title()}".',
        )
    if not count and by_month:
        title = _WEEKDAYS[weekday].title()
        return Misworded(
            "on",
            f'"{on}": which {title} of the month? Write on = "1st {title}", "2nd {title}", '
            f'"3rd {title}", "4th {title}" or "last {title}".',
        )
    return f"BYDAY={_ORDINALS[count[0]] if count else ''}{_CODES[weekday]}"


def _unknown_day(on: str, count: list[str], name: str, by_month: bool) -> Misworded:
    if re.fullmatch(r"(5th|fifth)", " ".join(count)):
        return Misworded(
            "on",
            f'"{on}": not every month has a fifth one, so some months would have no '
            'meeting; write "last" instead, e.g. on = "last Friday".',
        )
    guess = difflib.get_close_matches(name, _WEEKDAYS, n=1, cutoff=0.6)
    hint = f' (did you mean "{" ".join([*count, guess[0].title()])}"?)' if guess else ""
    if " and " in f" {on.lower()} " or "," in on:
        hint = " (one day only: for two meetings a week, write two [[meeting]]s)"
    return Misworded(
        "on",
        f'"{on}" is not a day this understands{hint}; write a day of the week, with 1st, '
        f"2nd, 3rd, 4th or last before it when the meetings are months apart: {_ON_EXAMPLES}.",
    )


def _no_day(every: str, by_month: bool, first: datetime | None) -> str | Misworded:
    """Without ``on``: weeks keep first's weekday; months must say which day."""
    if not by_month:
        return ""
    example = f'on = "{_place_in_month(first)}" is the day first falls on; ' if first else ""
    return Misworded(
        "every",
        f'every = "{every}" needs on, the day of the month the meetings fall on: {example}'
        'other examples are on = "1st Monday" and on = "last Friday".',
    )


def _place_in_month(when: datetime) -> str:
    """Which weekday of its month ``when`` is: "2nd Tuesday", or "last Friday"."""
    nth = (when.day - 1) // 7 + 1
    last = when.day + 7 > calendar.monthrange(when.year, when.month)[1]
    return f"{_ORDINAL_NAMES[-1 if last and nth > 4 else nth]} {when:%A}"


def _first_not_picked(
    every: str, on: str | None, text: str, first: datetime, by_month: bool
) -> Misworded | None:
    """A problem if ``first`` is not itself a day the words pick, with the day that is."""
    # the wall clock only: there is no UNTIL to read in a zone
    _, date_rule = compile_rule(first, text, ZoneInfo("UTC"))
    found = date_rule.after(first - timedelta(seconds=1), inc=True)
    if found == first:
        return None
    picked = f'every = "{every}"' + (f', on = "{on}"' if on is not None else "")
    instead = f'"{_place_in_month(first)}"' if by_month else f'"{first:%A}"'
    nearest = f"the first such day from it is {in_words(found)}" if found else "it picks none"
    return Misworded(
        "on",
        f"the first meeting, {in_words(first)}, is not a day {picked} picks ({nearest}). "
        f"Move first to that day, or write on = {instead} to keep first as it is.",
    )
