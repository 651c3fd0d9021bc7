"""Calendar invitations (iCalendar, RFC 5545 / iTIP, RFC 5546) for meeting series.

Pure functions: no clock, no I/O. The caller passes the UID, the DTSTAMP and
the SEQUENCE, so a retried message is byte-for-byte the same and an update
replaces the same calendar entry.

- ``build_request``: METHOD:REQUEST, the series (with its cancelled and moved
  occurrences) for the attendees named.
- ``build_cancel``: METHOD:CANCEL, the whole series or one occurrence, for the
  attendees named (e.g. one member who left).
- ``build_instance_request``: METHOD:REQUEST for one occurrence only, the form
  Outlook and Thunderbird send. The service does not send it to members:
  Sabre VObject (Nextcloud, Baikal) replaces the whole stored series with it.
- ``build_feed``: METHOD:PUBLISH, several series, for a subscribed calendar.
- ``local_rule``: a series' rule on the local wall clock, read exactly as the
  invitations write it (a UTC UNTIL included), for whoever plans around it.
- ``validate_rrule``: a plain-words problem with a rule, or None.

Times in a ``Series`` are naive local wall-clock times in ``Series.tzid``;
DTSTART is written as local time with a TZID and a VTIMEZONE
(``scheduler.calendar.vtimezone``), never as UTC, so a 10:00 meeting stays at 10:00
across daylight-saving changes. What clients need, and why, is in
docs/invitations.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from dateutil.rrule import rrule as DateRule
from dateutil.rrule import rrulestr

from scheduler.calendar.vtimezone import vtimezone_for

__all__ = [
    "Attendee",
    "Person",
    "Series",
    "build_cancel",
    "build_feed",
    "build_instance_request",
    "build_request",
    "local_rule",
    "validate_rrule",
]

PRODID = "-//Reflection Scheduler//EN"

ROLES = ("CHAIR", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT")
PARTSTATS = ("NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED")


@dataclass(frozen=True)
class Person:
    email: str
    name: str


@dataclass(frozen=True)
class Series:
    """A recurring meeting, in the partnership's time zone."""

    uid: str  # stable, given by the caller
    title: str
    description: str
    location: str
    tzid: str  # IANA, e.g. "Europe/London"
    first: datetime  # naive LOCAL wall-clock start of the first occurrence
    duration: timedelta
    rrule: str | None  # e.g. "FREQ=WEEKLY;INTERVAL=6"; UNTIL may be local or UTC
    sequence: int
    organizer: Person
    exdates: tuple[datetime, ...] = ()  # naive local original starts of cancelled occurrences
    moves: tuple[tuple[datetime, datetime], ...] = ()  # (original start, new start), naive local
    # (original start, naive local; a note put first in that meeting's description)
    notes: tuple[tuple[datetime, str], ...] = ()


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str
    role: str = "REQ-PARTICIPANT"
    partstat: str = "NEEDS-ACTION"


# --------------------------------------------------------------------------
# Member-provided text


_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")


def _one_line(value: str) -> str:
    """Names, titles, locations: control characters (CR, LF, ...) become spaces."""
    return " ".join(_CONTROLS.sub(" ", value).split())


def _multi_line(value: str) -> str:
    """Descriptions keep their line breaks (icalendar escapes them as \\n)."""
    lines = (_one_line(line) for line in _NEWLINES.split(value))
    return "\n".join(lines).strip()


def _param(value: str) -> str:
    """A parameter value (CN): one line, and no DQUOTE, which no quoting can hold.

    RFC 6868 would write a DQUOTE as ^', which Outlook shows literally.
    """
    return _one_line(value).replace('"', "'")


def _mailto(email: str) -> str:
    address = _CONTROLS.sub("", email).strip()
    if not address or "@" not in address or any(ch.isspace() for ch in address):
        raise ValueError(f"{email!r} is not an email address.")
    return f"mailto:{address}"


# --------------------------------------------------------------------------
# Zones and wall-clock times


def _zone(tzid: str) -> ZoneInfo:
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f'"{tzid}" is not a time zone name; use an IANA name such as "Europe/London".'
        ) from error


def _resolve(naive: datetime, tz: ZoneInfo) -> datetime:
    """Give a wall-clock time its zone, per RFC 5545 section 3.3.5.

    A time in the spring gap is read with the offset before the gap, so
    01:30 on a London spring-forward day is 02:30 BST; a time in the autumn
    fold is the first of the two (fold=0).
    """
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def _naive_local(value: datetime, tz: ZoneInfo) -> datetime:
    """A naive local time as given, or an aware one seen on the local clock."""
    if value.tzinfo is None:
        return value.replace(fold=0)
    return value.astimezone(tz).replace(tzinfo=None, fold=0)


def _utc_stamp(stamp: datetime) -> datetime:
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("stamp must be an aware datetime (it is written as UTC).")
    return stamp.astimezone(UTC)


# --------------------------------------------------------------------------
# Recurrence rules


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
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")
_SEARCH_YEARS = 30  # a rule with no occurrence in this many years is "never"


@dataclass(frozen=True)
class _Rule:
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


def _parse_until(value: str, tz: ZoneInfo) -> datetime:
    match = _UNTIL.match(value)
    if match is None:
        raise ValueError(f'UNTIL "{value}" is not a date or date-time such as 20271231T100000Z.')
    day, clock, zulu = match.groups()
    try:
        if clock is None:  # a date: the whole of that local day
            naive = datetime.strptime(day, "%Y%m%d") + timedelta(days=1, seconds=-1)  # noqa: DTZ007
            return _resolve(naive, tz).astimezone(UTC)
        parsed = datetime.strptime(day + clock, "%Y%m%d%H%M%S")  # noqa: DTZ007
    except ValueError as error:
        raise ValueError(f'UNTIL "{value}" is not a real date.') from error
    if zulu:
        return parsed.replace(tzinfo=UTC)
    return _resolve(parsed, tz).astimezone(UTC)


@lru_cache(maxsize=256)  # pure, and asked for every invitation
def _parse_rule(text: str, tz: ZoneInfo) -> _Rule:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if not body:
        raise ValueError("the rule is empty; write e.g. FREQ=WEEKLY;INTERVAL=6.")
    parts: list[tuple[str, str]] = []
    until: datetime | None = None
    seen: set[str] = set()
    for piece in body.split(";"):
        name, sep, value = piece.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
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
    return _Rule(tuple(parts), until)


@lru_cache(maxsize=256)  # pure, and asked for every invitation
def _date_rule(first: datetime, rule: _Rule, tz: ZoneInfo) -> DateRule:
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


@lru_cache(maxsize=256)
def local_rule(first: datetime, rrule: str, tzid: str) -> DateRule:
    """The rule on naive local wall-clock times, as members' calendars expand it.

    ``first`` is the naive local first start. UNTIL is read as the
    invitation writes it: a UTC one is turned to the local clock first, so
    the planner and the calendars agree on the last meeting. Raises
    ValueError for a rule that cannot be read.
    """
    tz = _zone(tzid)
    try:
        return _date_rule(first, _parse_rule(rrule, tz), tz)
    except ValueError as error:
        raise _unparsable(rrule, error) from error


def _compiled(series: Series) -> tuple[ZoneInfo, _Rule | None, DateRule | None]:
    tz = _zone(series.tzid)
    if series.rrule is None:
        return tz, None, None
    try:
        rule = _parse_rule(series.rrule, tz)
        return tz, rule, _date_rule(_naive_local(series.first, tz), rule, tz)
    except ValueError as error:
        raise _unparsable(series.rrule, error) from error


def _outlook_problem(rule: _Rule) -> str | None:
    """Why Outlook cannot hold this rule, or None.

    Outlook's recurrence patterns are: every n days; every n weeks on some
    weekdays; every n months on day d or on the first..fourth/last weekday;
    every n years likewise. Anything else is dropped or rewritten.
    """
    freq = rule.get("FREQ") or ""
    if freq in ("SECONDLY", "MINUTELY", "HOURLY"):
        return f"FREQ={freq} repeats more often than daily, which Outlook cannot show."
    for name in ("BYSECOND", "BYMINUTE", "BYHOUR", "BYYEARDAY", "BYWEEKNO"):
        if rule.get(name) is not None:
            return f"{name} is not something Outlook can repeat by; leave it out."
    setpos = rule.get("BYSETPOS")
    if setpos is not None and "," in setpos:
        return f"BYSETPOS={setpos} picks several days in one period, which Outlook cannot show."
    for name in ("BYMONTHDAY", "BYMONTH"):
        value = rule.get(name)
        if value is not None and "," in value:
            return (
                f"{name}={value} names several values in one rule, which Outlook cannot show; "
                "use one series for each."
            )
    byday = rule.get("BYDAY")
    if byday is not None:
        days = byday.split(",")
        ordinals = [day for day in days if (found := _BYDAY.match(day)) and found.group(1)]
        if ordinals and len(days) > 1:
            return (
                f"BYDAY={byday} names several numbered days in one rule (e.g. the first and "
                "third Tuesday), which Outlook cannot show; use one series for each."
            )
        for day in ordinals:
            number = int(day[:-2])
            if number not in (1, 2, 3, 4, -1):
                return f"BYDAY={day}: Outlook can only repeat on the first to fourth or last day."
        if ordinals and freq not in ("MONTHLY", "YEARLY"):
            return f"BYDAY={byday} numbers a day, which only a MONTHLY or YEARLY rule can do."
    return _combination_problem(rule, freq)


_ONLY_WITH = {
    "BYMONTH": ("YEARLY",),
    "BYMONTHDAY": ("MONTHLY", "YEARLY"),
    "BYSETPOS": ("MONTHLY", "YEARLY"),
}
_MONTH_LENGTHS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _combination_problem(rule: _Rule, freq: str) -> str | None:
    """Parts Outlook has no pattern for together, or None."""
    for name, freqs in _ONLY_WITH.items():
        if rule.get(name) is not None and freq not in freqs:
            return f"{name} with FREQ={freq} is not a pattern Outlook has; leave {name} out."
    setpos, byday = rule.get("BYSETPOS"), rule.get("BYDAY")
    if setpos is not None and (byday is None or setpos not in ("1", "2", "3", "4", "-1")):
        return (
            f"BYSETPOS={setpos}: Outlook can only pick the first to fourth or last (-1) "
            "of the days named in BYDAY."
        )
    if rule.get("BYMONTHDAY") is not None and byday is not None:
        return "BYMONTHDAY and BYDAY together are not a pattern Outlook has; keep one."
    return None


def _impossible_day(rule: _Rule) -> str | None:
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
    return _rule_problem(_naive_local(first, tz), rrule, tz)


@lru_cache(maxsize=256)  # pure, and asked for every invitation
def _rule_problem(local_first: datetime, rrule: str, tz: ZoneInfo) -> str | None:
    try:
        rule = _parse_rule(rrule, tz)
        date_rule = _date_rule(local_first, rule, tz)
    except ValueError as error:
        return f'The recurrence rule "{rrule}" could not be read: {error}'
    problem = _outlook_problem(rule)
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


# --------------------------------------------------------------------------
# Occurrences


def _is_rule_start(first: datetime, date_rule: DateRule | None, when: datetime) -> bool:
    if date_rule is None:
        return when == first
    return when in date_rule


def _checked_changes(
    series: Series, date_rule: DateRule | None, tz: ZoneInfo
) -> tuple[set[datetime], dict[datetime, datetime]]:
    """Cancelled originals and moves, each checked to be a real occurrence."""
    cancelled = {_naive_local(when, tz) for when in series.exdates}
    moved = {_naive_local(old, tz): _naive_local(new, tz) for old, new in series.moves}
    for when in [*cancelled, *moved]:
        if not _is_rule_start(_naive_local(series.first, tz), date_rule, when):
            raise ValueError(
                f"{when:%A %Y-%m-%d %H:%M} is not a meeting of the series "
                f'"{_one_line(series.title)}", so it cannot be cancelled or moved.'
            )
    both = cancelled & moved.keys()
    if both:
        first = min(both)
        raise ValueError(f"{first:%Y-%m-%d %H:%M} is both cancelled and moved; choose one.")
    return cancelled, moved


# --------------------------------------------------------------------------
# Writing iCalendar


def _years(
    series: Series, tz: ZoneInfo, rule: _Rule | None, date_rule: DateRule | None
) -> tuple[int, int]:
    """The years a VTIMEZONE must cover for this series."""
    first = _naive_local(series.first, tz)
    moments = [first, *(_naive_local(d, tz) for d in series.exdates)]
    for old, new in series.moves:
        moments += [_naive_local(old, tz), _naive_local(new, tz)]
    if rule is not None and rule.until is not None:
        moments.append(rule.until.astimezone(tz).replace(tzinfo=None))
    elif rule is not None and date_rule is not None and rule.get("COUNT") is not None:
        last = None
        for last in date_rule:  # noqa: B007 - COUNT bounds the loop
            pass
        if last is not None:
            moments.append(last)
    end_moments = [moment + series.duration for moment in moments]
    years = [moment.year for moment in moments + end_moments]
    return min(years), max(years)


def _calendar(method: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _address(email: str, name: str, **params: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(_mailto(email))
    cn = _param(name)
    if cn:
        address.params["CN"] = cn
    for key, value in params.items():
        address.params[key] = value
    return address


def _attendees(attendees: Sequence[Attendee], *, rsvp: bool) -> list[icalendar.vCalAddress]:
    written = []
    for attendee in attendees:
        role = attendee.role.upper()
        partstat = attendee.partstat.upper()
        if role not in ROLES:
            raise ValueError(f'ROLE "{attendee.role}" is not one of {", ".join(ROLES)}.')
        if partstat not in PARTSTATS:
            raise ValueError(
                f'PARTSTAT "{attendee.partstat}" is not one of {", ".join(PARTSTATS)}.'
            )
        params = {"ROLE": role, "PARTSTAT": partstat}
        if rsvp:
            params["RSVP"] = "TRUE"
        written.append(_address(attendee.email, attendee.name, **params))
    return written


@dataclass(frozen=True)
class _Context:
    """What every VEVENT of one message shares."""

    series: Series
    tz: ZoneInfo
    stamp: datetime
    status: str
    attendees: tuple[icalendar.vCalAddress, ...]


def _event(
    context: _Context,
    *,
    start: datetime,
    recurrence_id: datetime | None = None,
    rule: _Rule | None = None,
    exdates: Iterable[datetime] = (),
    note: str = "",
) -> icalendar.Event:
    series, tz = context.series, context.tz
    uid = _one_line(series.uid)
    if not uid:
        raise ValueError("A series needs a UID.")
    if series.sequence < 0:
        raise ValueError(f"SEQUENCE must be 0 or more, not {series.sequence}.")
    if series.duration <= timedelta(0):
        raise ValueError(f"A meeting must last some time, not {series.duration}.")
    event = icalendar.Event.new(
        uid=uid,
        stamp=context.stamp,
        sequence=series.sequence,
        start=start.replace(tzinfo=tz),
        end=(start + series.duration).replace(tzinfo=tz),
        summary=_one_line(series.title),
        organizer=_address(series.organizer.email, series.organizer.name),
        attendees=list(context.attendees) or None,
    )
    if recurrence_id is not None:
        event.add("recurrence-id", recurrence_id.replace(tzinfo=tz))
    if rule is not None:
        parts: dict[str, object] = {}
        for name, value in rule.parts:
            parts[name] = value
            if name == "FREQ" and rule.until is not None:
                parts["UNTIL"] = rule.until
        event.add("rrule", icalendar.vRecur.from_ical(_rule_text(parts)))
    for when in sorted(exdates):
        # One EXDATE per line: every client reads that form.
        event.add("exdate", when.replace(tzinfo=tz))
    description = _multi_line("\n\n".join(part for part in (note, series.description) if part))
    if description:
        event.add("description", description)
    location = _one_line(series.location)
    if location:
        event.add("location", location)
    event.add("status", context.status)
    event.add("transp", "OPAQUE")
    return event


def _rule_text(parts: dict[str, object]) -> str:
    written = []
    for name, value in parts.items():
        if isinstance(value, datetime):
            value = value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        written.append(f"{name}={value}")
    return ";".join(written)


def _series_events(context: _Context) -> list[icalendar.Event]:
    """The master VEVENT and one VEVENT per moved or annotated occurrence."""
    series = context.series
    tz, rule, date_rule = _compiled(series)
    cancelled, moved = _checked_changes(series, date_rule, tz)
    notes = _checked_notes(series, date_rule, tz, cancelled)
    first = _naive_local(series.first, tz)
    events = [_event(context, start=first, rule=rule, exdates=cancelled)]
    for old in sorted(moved.keys() | notes.keys()):
        start = moved.get(old, old)
        events.append(_event(context, start=start, recurrence_id=old, note=notes.get(old, "")))
    return events


def _checked_notes(
    series: Series, date_rule: DateRule | None, tz: ZoneInfo, cancelled: set[datetime]
) -> dict[datetime, str]:
    """Each occurrence's note, checked to be for a meeting that is still held."""
    return {
        _held(series, date_rule, tz, cancelled, when, "given a note"): note
        for when, note in series.notes
    }


def _held(
    series: Series,
    date_rule: DateRule | None,
    tz: ZoneInfo,
    cancelled: set[datetime],
    when: datetime,
    verb: str,
) -> datetime:
    """``when`` on the local clock, checked to be a meeting of the series not called off."""
    original = _naive_local(when, tz)
    if not _is_rule_start(_naive_local(series.first, tz), date_rule, original) or (
        original in cancelled
    ):
        raise ValueError(
            f"{original:%A %Y-%m-%d %H:%M} is not a meeting of the series "
            f'"{_one_line(series.title)}" that is still held, so it cannot be {verb}.'
        )
    return original


_ZONE_LINES: dict[int, tuple[icalendar.Component, bytes]] = {}
_END = b"END:VCALENDAR\r\n"


def _serialise(calendar: icalendar.Calendar) -> bytes:
    """``calendar.to_ical()``, writing each shared VTIMEZONE only once.

    ``vtimezone_for`` caches its components and they are read-only, so their
    lines are the same in every message, and writing them was half the cost
    of an invitation. Content lines are written one by one, so the calendar's
    bytes are its own lines with each subcomponent's bytes in place.
    """
    parts = calendar.subcomponents
    if not any(part.name == "VTIMEZONE" for part in parts):
        data: bytes = calendar.to_ical()
        return data
    calendar.subcomponents = []
    try:
        shell: bytes = calendar.to_ical()
    finally:
        calendar.subcomponents = parts
    if not shell.endswith(_END):  # pragma: no cover - icalendar always ends so
        whole: bytes = calendar.to_ical()
        return whole
    body = b"".join(_zone_lines(p) if p.name == "VTIMEZONE" else p.to_ical() for p in parts)
    return shell[: -len(_END)] + body + _END


def _zone_lines(zone: icalendar.Component) -> bytes:
    known = _ZONE_LINES.get(id(zone))
    if known is not None and known[0] is zone:
        return known[1]
    if len(_ZONE_LINES) > 64:
        _ZONE_LINES.clear()
    data: bytes = zone.to_ical()
    _ZONE_LINES[id(zone)] = (zone, data)  # keeping the zone keeps its id unique
    return data


def _request_context(
    series: Series, tz: ZoneInfo, attendees: Sequence[Attendee], *, stamp: datetime, rsvp: bool
) -> _Context:
    """What a REQUEST's events share, once the series' rule is known to suit calendars."""
    _refuse_bad_rule(series)
    return _Context(
        series=series,
        tz=tz,
        stamp=_utc_stamp(stamp),
        status="CONFIRMED",
        attendees=tuple(_attendees(attendees, rsvp=rsvp)),
    )


def build_request(
    series: Series, attendees: Sequence[Attendee], *, stamp: datetime, rsvp: bool = True
) -> bytes:
    """METHOD:REQUEST for the whole series, with its cancelled and moved meetings.

    With ``rsvp`` False the attendees are not asked to answer again (no
    RSVP=TRUE): for an update that changes single meetings only, where each
    attendee's PARTSTAT carries the answer they already gave.

    Raises ValueError for an unreadable or unsuitable rule (see
    ``validate_rrule``), a cancelled or moved meeting that is not one of the
    series, a naive ``stamp``, or an attendee that is not an email address.
    """
    tz, _rule, _date_rule = _compiled(series)
    context = _request_context(series, tz, attendees, stamp=stamp, rsvp=rsvp)
    calendar = _calendar("REQUEST")
    start_year, end_year = _years(series, tz, _rule, _date_rule)
    calendar.add_component(vtimezone_for(series.tzid, start_year=start_year, end_year=end_year))
    for event in _series_events(context):
        calendar.add_component(event)
    return _serialise(calendar)


def build_instance_request(
    series: Series, attendees: Sequence[Attendee], *, stamp: datetime, recurrence_id: datetime
) -> bytes:
    """METHOD:REQUEST for one meeting of the series, and nothing else.

    The calendar holds the VTIMEZONE and a single VEVENT with the series' UID
    and ``recurrence_id`` (the meeting's original start, naive local or
    aware): the form Outlook and Thunderbird send when one occurrence
    changes, which updates that meeting and leaves the rest of the series
    alone. Its start is the meeting's (possibly moved) start and its
    description begins with the meeting's note, if ``series.notes`` has one.
    ``series.sequence`` is the occurrence's and must be above the series'
    last (Outlook ignores an occurrence update that does not raise it).
    Attendees are not asked to answer again (no RSVP=TRUE); pass each one's
    PARTSTAT so an answer already given stands.
    """
    tz, rule, date_rule = _compiled(series)
    context = _request_context(series, tz, attendees, stamp=stamp, rsvp=False)
    cancelled, moved = _checked_changes(series, date_rule, tz)
    notes = _checked_notes(series, date_rule, tz, cancelled)
    original = _held(series, date_rule, tz, cancelled, recurrence_id, "updated")
    start = moved.get(original, original)
    event = _event(context, start=start, recurrence_id=original, note=notes.get(original, ""))
    calendar = _calendar("REQUEST")
    start_year, end_year = _years(series, tz, rule, date_rule)
    start_year, end_year = min(start_year, start.year), max(end_year, start.year)
    calendar.add_component(vtimezone_for(series.tzid, start_year=start_year, end_year=end_year))
    calendar.add_component(event)
    return _serialise(calendar)


def build_cancel(
    series: Series,
    attendees: Sequence[Attendee],
    *,
    stamp: datetime,
    recurrence_id: datetime | None = None,
) -> bytes:
    """METHOD:CANCEL for the whole series, or for one meeting of it.

    ``series.sequence`` must already be raised above the last request's.
    ``attendees`` are those the cancellation is for (e.g. one member who
    left). ``recurrence_id`` is the meeting's original start (naive local,
    or aware); it must be a meeting of the series.
    """
    tz, rule, date_rule = _compiled(series)
    context = _Context(
        series=series,
        tz=tz,
        stamp=_utc_stamp(stamp),
        status="CANCELLED",
        attendees=tuple(_attendees(attendees, rsvp=False)),
    )
    calendar = _calendar("CANCEL")
    start_year, end_year = _years(series, tz, rule, date_rule)
    if recurrence_id is None:
        cancelled, _moved = _checked_changes(series, date_rule, tz)
        first = _naive_local(series.first, tz)
        event = _event(context, start=first, rule=rule, exdates=cancelled)
    else:
        cancelled, moved = _checked_changes(series, date_rule, tz)
        original = _held(series, date_rule, tz, cancelled, recurrence_id, "cancelled")
        start = moved.get(original, original)
        start_year, end_year = min(start_year, start.year), max(end_year, start.year)
        event = _event(context, start=start, recurrence_id=original)
    calendar.add_component(vtimezone_for(series.tzid, start_year=start_year, end_year=end_year))
    calendar.add_component(event)
    return _serialise(calendar)


def build_feed(series: Sequence[Series], *, stamp: datetime, name: str) -> bytes:
    """METHOD:PUBLISH with every series, for a subscribed (read-only) calendar."""
    utc_stamp = _utc_stamp(stamp)
    calendar = _calendar("PUBLISH")
    title = _one_line(name)
    if title:
        calendar.add("x-wr-calname", title)
    zones: dict[str, tuple[int, int]] = {}
    events: list[icalendar.Event] = []
    for item in series:
        tz, rule, date_rule = _compiled(item)
        low, high = _years(item, tz, rule, date_rule)
        known = zones.get(item.tzid)
        zones[item.tzid] = (
            (low, high) if known is None else (min(known[0], low), max(known[1], high))
        )
        context = _Context(series=item, tz=tz, stamp=utc_stamp, status="CONFIRMED", attendees=())
        events.extend(_series_events(context))
    if len(zones) == 1:
        calendar.add("x-wr-timezone", next(iter(zones)))
    for tzid, (low, high) in sorted(zones.items()):
        calendar.add_component(vtimezone_for(tzid, start_year=low, end_year=high))
    for event in events:
        calendar.add_component(event)
    return _serialise(calendar)


def _refuse_bad_rule(series: Series) -> None:
    if series.rrule is None:
        return
    tz = _zone(series.tzid)
    problem = _rule_problem(_naive_local(series.first, tz), series.rrule, tz)
    if problem is not None:
        raise ValueError(problem)
