"""Calendar invitations (iCalendar, RFC 5545 / iTIP, RFC 5546) for meeting series.

Pure functions: no clock, no I/O. The caller passes the UID, the DTSTAMP and
the SEQUENCE, so a retried message is byte-for-byte the same and an update
replaces the same calendar entry.

- ``build_request``: METHOD:REQUEST, the series (with its cancelled and moved
  occurrences) for the attendees named.
- ``build_cancel``: METHOD:CANCEL, the whole series or one occurrence, for the
  attendees named (e.g. one member who left).
- ``build_feed``: METHOD:PUBLISH, several series, for a subscribed calendar.

Recurrence rules are read, judged and expanded in ``scheduler.calendar.rules``
(``validate_rrule``, ``local_rule``); member text is made safe in ``text``, and
the bytes are written by ``serialise``.

Times in a ``Series`` are naive local wall-clock times in ``Series.tzid``;
DTSTART is written as local time with a TZID and a VTIMEZONE
(``scheduler.calendar.vtimezone``), never as UTC, so a 10:00 meeting stays at 10:00
across daylight-saving changes. What clients need, and why, is in
docs/invitations.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrule as DateRule

from scheduler.calendar.rules import Rule, compile_rule, rule_problem
from scheduler.calendar.serialise import serialise
from scheduler.calendar.text import mailto, multi_line, one_line, param_value
from scheduler.calendar.vtimezone import vtimezone_for
from scheduler.calendar.wallclock import naive_local, zone

__all__ = [
    "Attendee",
    "Person",
    "Series",
    "build_cancel",
    "build_feed",
    "build_request",
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


def _utc_stamp(stamp: datetime) -> datetime:
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("stamp must be an aware datetime (it is written as UTC).")
    return stamp.astimezone(UTC)


def _compiled(series: Series) -> tuple[ZoneInfo, Rule | None, DateRule | None]:
    tz = zone(series.tzid)
    if series.rrule is None:
        return tz, None, None
    rule, date_rule = compile_rule(naive_local(series.first, tz), series.rrule, tz)
    return tz, rule, date_rule


def _is_rule_start(first: datetime, date_rule: DateRule | None, when: datetime) -> bool:
    if date_rule is None:
        return when == first
    return when in date_rule


def _checked_changes(
    series: Series, date_rule: DateRule | None, tz: ZoneInfo
) -> tuple[set[datetime], dict[datetime, datetime]]:
    """Cancelled originals and moves, each checked to be a real occurrence."""
    cancelled = {naive_local(when, tz) for when in series.exdates}
    moved = {naive_local(old, tz): naive_local(new, tz) for old, new in series.moves}
    for when in [*cancelled, *moved]:
        if not _is_rule_start(naive_local(series.first, tz), date_rule, when):
            raise ValueError(
                f"{when:%A %Y-%m-%d %H:%M} is not a meeting of the series "
                f'"{one_line(series.title)}", so it cannot be cancelled or moved.'
            )
    both = cancelled & moved.keys()
    if both:
        first = min(both)
        raise ValueError(f"{first:%Y-%m-%d %H:%M} is both cancelled and moved; choose one.")
    return cancelled, moved


def _years(
    series: Series, tz: ZoneInfo, rule: Rule | None, date_rule: DateRule | None
) -> tuple[int, int]:
    """The years a VTIMEZONE must cover for this series."""
    first = naive_local(series.first, tz)
    moments = [first, *(naive_local(d, tz) for d in series.exdates)]
    for old, new in series.moves:
        moments += [naive_local(old, tz), naive_local(new, tz)]
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
    address = icalendar.vCalAddress(mailto(email))
    cn = param_value(name)
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
    rule: Rule | None = None,
    exdates: Iterable[datetime] = (),
    note: str = "",
) -> icalendar.Event:
    series, tz = context.series, context.tz
    uid = one_line(series.uid)
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
        summary=one_line(series.title),
        organizer=_address(series.organizer.email, series.organizer.name),
        attendees=list(context.attendees) or None,
    )
    if recurrence_id is not None:
        event.add("recurrence-id", recurrence_id.replace(tzinfo=tz))
    if rule is not None:
        event.add("rrule", icalendar.vRecur.from_ical(rule.written()))
    for when in sorted(exdates):
        # One EXDATE per line: every client reads that form.
        event.add("exdate", when.replace(tzinfo=tz))
    description = multi_line("\n\n".join(part for part in (note, series.description) if part))
    if description:
        event.add("description", description)
    location = one_line(series.location)
    if location:
        event.add("location", location)
    event.add("status", context.status)
    event.add("transp", "OPAQUE")
    return event


def _series_events(context: _Context) -> list[icalendar.Event]:
    """The master VEVENT and one VEVENT per moved or annotated occurrence."""
    series = context.series
    tz, rule, date_rule = _compiled(series)
    cancelled, moved = _checked_changes(series, date_rule, tz)
    notes = _checked_notes(series, date_rule, tz, cancelled)
    first = naive_local(series.first, tz)
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
    original = naive_local(when, tz)
    if not _is_rule_start(naive_local(series.first, tz), date_rule, original) or (
        original in cancelled
    ):
        raise ValueError(
            f"{original:%A %Y-%m-%d %H:%M} is not a meeting of the series "
            f'"{one_line(series.title)}" that is still held, so it cannot be {verb}.'
        )
    return original


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
    tz, rule, date_rule = _compiled(series)
    context = _request_context(series, tz, attendees, stamp=stamp, rsvp=rsvp)
    calendar = _calendar("REQUEST")
    start_year, end_year = _years(series, tz, rule, date_rule)
    calendar.add_component(vtimezone_for(series.tzid, start_year=start_year, end_year=end_year))
    for event in _series_events(context):
        calendar.add_component(event)
    return serialise(calendar)


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
        first = naive_local(series.first, tz)
        event = _event(context, start=first, rule=rule, exdates=cancelled)
    else:
        cancelled, moved = _checked_changes(series, date_rule, tz)
        original = _held(series, date_rule, tz, cancelled, recurrence_id, "cancelled")
        start = moved.get(original, original)
        start_year, end_year = min(start_year, start.year), max(end_year, start.year)
        event = _event(context, start=start, recurrence_id=original)
    calendar.add_component(vtimezone_for(series.tzid, start_year=start_year, end_year=end_year))
    calendar.add_component(event)
    return serialise(calendar)


def build_feed(series: Sequence[Series], *, stamp: datetime, name: str) -> bytes:
    """METHOD:PUBLISH with every series, for a subscribed (read-only) calendar."""
    utc_stamp = _utc_stamp(stamp)
    calendar = _calendar("PUBLISH")
    title = one_line(name)
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
    return serialise(calendar)


def _refuse_bad_rule(series: Series) -> None:
    if series.rrule is None:
        return
    tz = zone(series.tzid)
    problem = rule_problem(naive_local(series.first, tz), series.rrule, tz)
    if problem is not None:
        raise ValueError(problem)
