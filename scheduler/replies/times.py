"""A new time for a conversation, as a member writes it in a reply (pure).

"Thursday 14:00", "thu 2pm", "Could we do Tuesday at 10.30?", "12 March 14:00" or
"14:00 on 12/03": a day (a weekday name, or a day and month) and a time of day. A
weekday means the next one after ``now``; a date without a year the next such date.
Anything else, or a time in the past, is not a proposal: ``None``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.IGNORECASE)
_DAY_MONTH = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?("
    + "|".join(_MONTHS)
    + r")[a-z]*\b|\b(\d{1,2})/(\d{1,2})\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\b(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)\b|\b(\d{1,2})[:.](\d{2})\b", re.IGNORECASE
)


def proposed_time(text: str, *, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The start the member asks for, aware in ``zone``; ``None`` when they name none."""
    words = text[:2000]
    clock = _clock(words)
    if clock is None:
        return None
    today = now.astimezone(zone).date()
    day = _day(words, today)
    if day is None:
        return None
    start = datetime.combine(day, clock, tzinfo=zone)
    return start if start > now else None


def _clock(text: str) -> time | None:
    for found in _TIME.finditer(text):
        if found.group(3):
            hour, minute = int(found.group(1)), int(found.group(2) or 0)
            if not 1 <= hour <= 12:
                continue
            hour = hour % 12 + (12 if found.group(3).lower() == "pm" else 0)
        else:
            hour, minute = int(found.group(4)), int(found.group(5))
        if hour < 24 and minute < 60:
            return time(hour, minute)
    return None


def _day(text: str, today: date) -> date | None:
    found = _DAY_MONTH.search(text)
    if found:
        try:
            if found.group(2):
                day, month = int(found.group(1)), _MONTHS.index(found.group(2).lower()[:3]) + 1
            else:
                day, month = int(found.group(3)), int(found.group(4))
            when = date(today.year, month, day)
        except ValueError:
            return None
        return when if when >= today else when.replace(year=today.year + 1)
    weekday = _WEEKDAY.search(text)
    if weekday:
        wanted = _DAYS.index(weekday.group(1).lower())
        ahead = (wanted - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    return None
