"""Recurrence on the partnership's wall clock: when a meeting's occurrences fall.

Rules are expanded on naive local times (so 10:00 stays 10:00 across a
daylight-saving change) and only then given the zone. A local time that does
not exist (the spring gap) moves forward by the gap, as RFC 5545 says; an
ambiguous one (the autumn fold) is the first of the two.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr


@lru_cache(maxsize=256)
def _rule(first: datetime, text: str) -> rrule:
    parsed = rrulestr(text, dtstart=first, ignoretz=True)
    if not isinstance(parsed, rrule):  # an rruleset: several rules in one string
        raise ValueError("write one rule only")
    return parsed


def localize(naive: datetime, tz_name: str) -> datetime:
    """Give a wall-clock time its zone; a time in the spring gap moves forward by the gap.

    RFC 5545 3.3.5: a nonexistent local time is read with the offset from before
    the gap, so 01:30 on the day the clocks go forward in London is 02:30 BST.
    An ambiguous time (the autumn fold) is the first of the two.
    """
    zone = ZoneInfo(tz_name)
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def local_starts(
    first: datetime, rule: str | None, start: datetime, end: datetime
) -> list[datetime]:
    """Naive local starts in [start, end) (both naive local)."""
    if not rule:
        return [first] if start <= first < end else []
    r = _rule(first, rule)
    return [d for d in r.between(start, end, inc=True) if d < end]


def rrule_problem(first: datetime, rule: str, tz_name: str) -> str | None:
    """What is wrong with a rule, in plain words, or None.

    Whether real calendars can show the rule is ``invites.validate_rrule``'s
    judgement; this adds only what it leaves to us.
    """
    from .invites import validate_rrule

    if rule.upper().startswith("RRULE:"):
        return 'write the rule without "RRULE:", e.g. "FREQ=WEEKLY;INTERVAL=6".'
    problem = validate_rrule(first, rule)
    if problem:
        return problem
    if _rule(first, rule).after(first - timedelta(seconds=1), inc=True) is None:
        return "never produces a meeting. Check UNTIL and COUNT against the first date."
    return None


def is_occurrence(first: datetime, rule: str | None, when: datetime, tz_name: str) -> bool:
    if not rule:
        return when == first
    try:
        r = _rule(first, rule)
    except (ValueError, TypeError):
        return True  # the rule itself is reported elsewhere
    following: datetime | None = r.after(when - timedelta(seconds=1), inc=True)
    return following == when
