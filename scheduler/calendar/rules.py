"""Recurrence on the partnership's wall clock: when a meeting's occurrences fall.

Rules are expanded on naive local times (so 10:00 stays 10:00 across a
daylight-saving change) and only then given the zone. A local time that does
not exist (the spring gap) moves forward by the gap, as RFC 5545 says; an
ambiguous one (the autumn fold) is the first of the two.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule

from scheduler.calendar.invites import local_rule, validate_rrule


def _rule(first: datetime, text: str, tz_name: str) -> rrule:
    """The rule exactly as the invitations write it, so plans and calendars agree."""
    return local_rule(first, text, tz_name)


def localize(naive: datetime, tz_name: str) -> datetime:
    """Give a wall-clock time its zone; a time in the spring gap moves forward by the gap.

    RFC 5545 3.3.5: a nonexistent local time is read with the offset from before
    the gap, so 01:30 on the day the clocks go forward in London is 02:30 BST.
    An ambiguous time (the autumn fold) is the first of the two.
    """
    zone = ZoneInfo(tz_name)
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def local_starts(
    first: datetime, rule: str | None, start: datetime, end: datetime, tz_name: str
) -> list[datetime]:
    """Naive local starts in [start, end) (both naive local)."""
    if not rule:
        return [first] if start <= first < end else []
    r = _rule(first, rule, tz_name)
    return [d for d in r.between(start, end, inc=True) if d < end]


def rrule_problem(first: datetime, rule: str, tz_name: str) -> str | None:
    """What is wrong with a rule, in plain words, or None.

    Whether real calendars can show the rule is ``invites.validate_rrule``'s
    judgement; this adds only what it leaves to us.
    """
    if rule.upper().startswith("RRULE:"):
        return 'write the rule without "RRULE:", e.g. "FREQ=WEEKLY;INTERVAL=6".'
    problem = validate_rrule(first.replace(tzinfo=ZoneInfo(tz_name)), rule)
    if problem:
        return problem
    if _rule(first, rule, tz_name).after(first - timedelta(seconds=1), inc=True) is None:
        return "never produces a meeting. Check UNTIL and COUNT against the first date."
    return None


def is_occurrence(first: datetime, rule: str | None, when: datetime, tz_name: str) -> bool:
    if not rule:
        return when == first
    try:
        r = _rule(first, rule, tz_name)
    except (ValueError, TypeError):
        return True  # the rule itself is reported elsewhere
    following: datetime | None = r.after(when - timedelta(seconds=1), inc=True)
    return following == when
