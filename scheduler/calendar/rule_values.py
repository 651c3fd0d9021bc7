"""The values inside a recurrence rule, each against what RFC 5545 allows.

``part_value_problem`` says plainly what is wrong with one part's value (a day
that is not a day, a month 13, an empty item); ``rules.parse_rule``, the one
reader of a rule's text, asks it of every part. Whether the rule as a whole
makes sense is judged there and in ``outlook``.
"""

from __future__ import annotations

import re

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_LIST = "MO, TU, WE, TH, FR, SA or SU"
_FREQUENCIES = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,4}")
_NUMBERED_DAY = re.compile(r"(?:[+-]?[1-9]\d?)?(MO|TU|WE|TH|FR|SA|SU)")
# A rule part that holds whole numbers: (lowest, highest, negatives counted from the end?,
# what to say after 'NAME "value"' when the value is not one of them).
_NUMBER_PARTS: dict[str, tuple[int, int, bool, str]] = {
    "INTERVAL": (
        1,
        9999,
        False,
        "is not a whole number of 1 or more: write e.g. FREQ=WEEKLY;INTERVAL=6 for every "
        "sixth week.",
    ),
    "COUNT": (
        0,
        9999,
        False,
        "is not a whole number: write e.g. COUNT=10 for ten meetings, or leave COUNT out.",
    ),
    "BYMONTHDAY": (
        1,
        31,
        True,
        "is not a day of the month: use a number from 1 to 31, or -1 for the last day.",
    ),
    "BYMONTH": (1, 12, False, "is not a month: use a number from 1 (January) to 12 (December)."),
    "BYSETPOS": (
        1,
        366,
        True,
        "is not a position: use 1, 2, 3 or 4 for the first to fourth of the days named in "
        "BYDAY, or -1 for the last.",
    ),
    "BYHOUR": (
        0,
        23,
        False,
        "is not an hour from 0 to 23. Leave BYHOUR out: the time comes from first.",
    ),
    "BYMINUTE": (
        0,
        59,
        False,
        "is not a minute from 0 to 59. Leave BYMINUTE out: the time comes from first.",
    ),
    "BYSECOND": (
        0,
        59,
        False,
        "is not a second from 0 to 59. Leave BYSECOND out: the time comes from first.",
    ),
    "BYYEARDAY": (
        1,
        366,
        True,
        "is not a day of the year from 1 to 366. Leave BYYEARDAY out: Outlook cannot repeat by it.",
    ),
    "BYWEEKNO": (
        1,
        53,
        True,
        "is not a week of the year from 1 to 53. Leave BYWEEKNO out: Outlook cannot repeat by it.",
    ),
}


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def part_value_problem(name: str, value: str) -> str | None:
    """What calendars cannot read in ``value`` (as written) of part ``name``, or None."""
    if "," in value and "" in (item.strip() for item in value.split(",")):
        return (
            f"{name} {_quoted(value)} has an empty item; separate its items with one comma "
            "each, e.g. BYDAY=TU,TH."
        )
    items = [item.strip() for item in value.split(",")]
    if name == "FREQ":
        if value.upper() not in _FREQUENCIES:
            return (
                f"FREQ {_quoted(value)} is not a frequency: use DAILY, WEEKLY, MONTHLY or YEARLY; "
                "for every two weeks write FREQ=WEEKLY;INTERVAL=2."
            )
    elif name == "WKST":
        if value.upper() not in _DAYS:
            return f"WKST {_quoted(value)} is not a day: use {_DAY_LIST} (or leave WKST out)."
    elif name == "BYDAY":
        for item in items:
            if not _NUMBERED_DAY.fullmatch(item.upper()):
                return (
                    f"BYDAY {_quoted(item)} is not a day: use {_DAY_LIST}, with an optional "
                    "number before it such as 2TH (the second Thursday) or -1FR (the last "
                    "Friday)."
                )
    elif name in _NUMBER_PARTS:
        lowest, highest, from_end, what = _NUMBER_PARTS[name]
        if name in ("INTERVAL", "COUNT"):
            items = [value]  # one number, never a list
        for item in items:
            number = int(item) if _WHOLE_NUMBER.fullmatch(item) else None
            if (
                number is None
                or (number < 0 and not from_end)
                or not lowest <= abs(number) <= highest
            ):
                return f"{name} {_quoted(item)} {what}"
    return None
