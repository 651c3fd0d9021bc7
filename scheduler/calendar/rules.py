"""Recurrence rules: the one place a meeting's RRULE is read, judged and expanded.

``parse_rule`` reads the text (once, cached) into a ``Rule``, each part's value
judged by ``rule_values``; ``wall_clock_rule``
expands it on naive local times (so 10:00 stays 10:00 across a daylight-saving
change) and only then are starts given the zone (``localize``). The invitations
write a ``Rule`` back (``Rule.written``), the planner asks ``local_starts`` and
``is_occurrence``, and ``reflect check`` asks ``rrule_problem``; all of them read
the rule the same way, UTC UNTIL included, so plans and calendars agree.

- ``validate_rrule``: a plain-words problem with a rule, or None (readable,
  produces a meeting, starts on ``first``, and Outlook can show it).
- ``local_rule``: a series' rule on the local wall clock, for whoever plans
  around it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule as DateRule
from dateutil.rrule import rrulestr

from scheduler.calendar.outlook import outlook_problem
from scheduler.calendar.rule_values import part_value_problem
from scheduler.calendar.wallclock import naive_local, resolve, zone

_RULE_PARTS = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)


_UNTIL = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")


_SEARCH_YEARS = 30  # a rule with no occurrence in this many years is "never"


_MONTH_LENGTHS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True)
class Rule:
    """A parsed RRULE: its parts in order (without UNTIL) and UNTIL in UTC."""

    parts: tuple[tuple[str, str], ...]
    until: datetime | None

    def get(self, key: str) -> str | None:
        return next((value for name, value in self.parts if name == key), None)

    def text(self, *, until: str | None) -> str:
        parts = [f"{name}={value}" for name, value in self.parts]
        if until is not None:
            parts.insert(1, f"UNTIL={until}")
        return ";".join(parts)

    def written(self) -> str:
        """The rule as an invitation writes it: UNTIL, after FREQ, in UTC."""
        until = self.until
        return self.text(until=None if until is None else f"{until.astimezone(UTC):%Y%m%dT%H%M%SZ}")


def _parse_until(value: str, tz: ZoneInfo) -> datetime:
    match = _UNTIL.match(value)
    if match is None:
        raise ValueError(f'UNTIL "{value}" is not a date or date-time such as 20271231T100000Z.')
    day, clock, zulu = match.groups()
    try:
        if clock is None:  # a date: the whole of that local day
            naive = datetime.strptime(day, "%Y%m%d") + timedelta(days=1, seconds=-1)  # noqa: DTZ007
            return resolve(naive, tz).astimezone(UTC)
        parsed = datetime.strptime(day + clock, "%Y%m%d%H%M%S")  # noqa: DTZ007
    except ValueError as error:
        raise ValueError(f'UNTIL "{value}" is not a real date.') from error
    if zulu:
        return parsed.replace(tzinfo=UTC)
    return resolve(parsed, tz).astimezone(UTC)


@lru_cache(maxsize=256)  # pure, and asked for every invitation
def parse_rule(text: str, tz: ZoneInfo) -> Rule:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if not body:
        raise ValueError("the rule is empty; write e.g. FREQ=WEEKLY;INTERVAL=6.")
    parts: list[tuple[str, str]] = []
    until: datetime | None = None
    seen: set[str] = set()
    for piece in body.split(";"):
        name, sep, written = piece.partition("=")
        name, value = name.strip().upper(), written.strip().upper()
        if not piece.strip():
            raise ValueError(
                'it has an empty part (a ";" at the end, or two together); remove the extra ";".'
            )
        if not sep or not name or not value:
            raise ValueError(
                f'"{piece}" is not a part written as NAME=VALUE; write the parts like '
                'FREQ=WEEKLY;INTERVAL=6, separated by ";".'
            )
        if name not in _RULE_PARTS:
            raise ValueError(
                f'"{name}" is not a part of a recurrence rule; the parts are FREQ, INTERVAL, '
                "COUNT, UNTIL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS and WKST."
            )
        problem = part_value_problem(name, written.strip())
        if problem is not None:
            raise ValueError(problem)
        if name in seen:
            raise ValueError(f"{name} is given twice; keep one.")
        seen.add(name)
        if name == "UNTIL":
            until = _parse_until(value, tz)
        else:
            parts.append((name, value))
    if "FREQ" not in seen:
        raise ValueError("FREQ is missing; start with e.g. FREQ=WEEKLY.")
    if "COUNT" in seen and until is not None:
        raise ValueError("COUNT and UNTIL cannot both be given; keep one.")
    for name, value in parts:  # dateutil would loop for ever on INTERVAL=0
        if name in ("INTERVAL", "COUNT") and not (value.isdigit() and int(value) >= 1):
            raise ValueError(f'{name} "{value}" is not a whole number of 1 or more.')
    parts.sort(key=lambda part: part[0] != "FREQ")  # FREQ first, as clients expect
    return Rule(tuple(parts), until)


@lru_cache(maxsize=256)  # pure, and asked for every invitation
def wall_clock_rule(first: datetime, rule: Rule, tz: ZoneInfo) -> DateRule:
    """The rule for dateutil, on naive local wall-clock times."""
    until = None
    if rule.until is not None:
        until = rule.until.astimezone(tz).replace(tzinfo=None).strftime("%Y%m%dT%H%M%S")
    try:
        parsed = rrulestr(rule.text(until=until), dtstart=first, ignoretz=True)
    except (ValueError, TypeError) as error:
        raise ValueError(f"a value in it is not one calendars accept ({error}).") from error
    if not isinstance(parsed, DateRule):  # pragma: no cover - one RRULE gives one rule
        raise ValueError("write one rule only.")
    return parsed


def _unparsable(rrule: str, error: ValueError) -> ValueError:
    return ValueError(f'The recurrence rule "{rrule}" could not be read: {error}')


def compile_rule(first: datetime, text: str, tz: ZoneInfo) -> tuple[Rule, DateRule]:
    """A series' rule read, and ready to expand from ``first`` (naive local).

    Raises ValueError, naming the rule, for one that cannot be read.
    """
    try:
        rule = parse_rule(text, tz)
        return rule, wall_clock_rule(first, rule, tz)
    except ValueError as error:
        raise _unparsable(text, error) from error


@lru_cache(maxsize=256)
def local_rule(first: datetime, rrule: str, tzid: str) -> DateRule:
    """The rule on naive local wall-clock times, as members' calendars expand it.

    ``first`` is the naive local first start. UNTIL is read as the
    invitation writes it: a UTC one is turned to the local clock first, so
    the planner and the calendars agree on the last meeting. Raises
    ValueError for a rule that cannot be read.
    """
    tz = zone(tzid)
    try:
        return wall_clock_rule(first, parse_rule(rrule, tz), tz)
    except ValueError as error:
        raise _unparsable(rrule, error) from error


def _impossible_day(rule: Rule) -> str | None:
    """A BYMONTHDAY no month (or not the BYMONTH given) has, or None.

    Checked before searching for a first meeting: dateutil, given an
    impossible rule, searches on to the year 9999.
    """
    monthday = rule.get("BYMONTHDAY")
    if monthday is None:
        return None
    day = int(monthday) if re.fullmatch(r"[+-]?\d{1,2}", monthday) else 0
    month = rule.get("BYMONTH")
    known = month is not None and month.isdigit() and 1 <= int(month) <= 12
    longest = _MONTH_LENGTHS[int(month) - 1] if known and month else 31
    if day == 0 or abs(day) > longest:
        return f"BYMONTHDAY={monthday} is not a day of {'that month' if known else 'any month'}."
    return None


def validate_rrule(first: datetime, rrule: str) -> str | None:
    """None if the rule is fine for a series starting at ``first`` (naive local), else why not.

    Checks that the rule can be read, that it produces at least one
    occurrence, that ``first`` is itself an occurrence (RFC 5545 leaves the
    series undefined otherwise, and clients disagree), and that Outlook can
    represent it.
    """
    # Only the wall clock matters, except to read a UTC UNTIL: use first's zone if it has one.
    tz = first.tzinfo if isinstance(first.tzinfo, ZoneInfo) else ZoneInfo("UTC")
    return rule_problem(naive_local(first, tz), rrule, tz)


@lru_cache(maxsize=256)  # pure, and asked for every invitation
def rule_problem(local_first: datetime, rrule: str, tz: ZoneInfo) -> str | None:
    try:
        rule = parse_rule(rrule, tz)
        date_rule = wall_clock_rule(local_first, rule, tz)
    except ValueError as error:
        return f'The recurrence rule "{rrule}" could not be read: {error}'
    problem = outlook_problem(rule)
    if problem is not None:
        return f'The recurrence rule "{rrule}" is not one Outlook can show: {problem}'
    impossible = _impossible_day(rule)
    if impossible is not None:
        return f'The recurrence rule "{rrule}" never produces a meeting: {impossible}'
    horizon = local_first.replace(year=local_first.year + _SEARCH_YEARS, month=1, day=1)
    if rule.until is not None:
        horizon = min(horizon, rule.until.astimezone(tz).replace(tzinfo=None))
    bounded = date_rule.replace(count=None, until=horizon)
    found = next(iter(bounded), None)
    if found is None:
        return (
            f'The recurrence rule "{rrule}" never produces a meeting from '
            f"{local_first:%Y-%m-%d %H:%M}; check its days, months and UNTIL."
        )
    if found != local_first:
        return (
            f'The first meeting, {local_first:%A %Y-%m-%d %H:%M}, is not one the rule "{rrule}" '
            f"produces (its first is {found:%A %Y-%m-%d %H:%M}); start the series on a day "
            "the rule picks."
        )
    return None


def localize(naive: datetime, tz_name: str) -> datetime:
    """Give a wall-clock time its zone; a time in the spring gap moves forward by the gap.

    RFC 5545 3.3.5: a nonexistent local time is read with the offset from before
    the gap, so 01:30 on the day the clocks go forward in London is 02:30 BST.
    An ambiguous time (the autumn fold) is the first of the two.
    """
    return resolve(naive, ZoneInfo(tz_name))


def local_starts(
    first: datetime, rule: str | None, start: datetime, end: datetime, tz_name: str
) -> list[datetime]:
    """Naive local starts in [start, end) (both naive local)."""
    if not rule:
        return [first] if start <= first < end else []
    r = local_rule(first, rule, tz_name)
    return [d for d in r.between(start, end, inc=True) if d < end]


def rrule_problem(first: datetime, rule: str, tz_name: str) -> str | None:
    """What is wrong with a rule, in plain words, or None.

    Whether real calendars can show the rule is ``validate_rrule``'s
    judgement; this adds only what it leaves to us.
    """
    if rule.upper().startswith("RRULE:"):
        return 'write the rule without "RRULE:", e.g. "FREQ=WEEKLY;INTERVAL=6".'
    problem = validate_rrule(first.replace(tzinfo=ZoneInfo(tz_name)), rule)
    if problem:
        return problem
    if local_rule(first, rule, tz_name).after(first - timedelta(seconds=1), inc=True) is None:
        return "never produces a meeting. Check UNTIL and COUNT against the first date."
    return None


def is_occurrence(first: datetime, rule: str | None, when: datetime, tz_name: str) -> bool:
    if not rule:
        return when == first
    try:
        r = local_rule(first, rule, tz_name)
    except (ValueError, TypeError):
        return True  # the rule itself is reported elsewhere
    following: datetime | None = r.after(when - timedelta(seconds=1), inc=True)
    return following == when
