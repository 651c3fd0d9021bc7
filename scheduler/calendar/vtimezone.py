"""VTIMEZONE components that Outlook, Google, Apple and Thunderbird all read.

A VTIMEZONE is computed from the IANA database (``zoneinfo``) for the years a
series needs, and written the way calendar clients understand best: one
STANDARD and one DAYLIGHT observance, each with a yearly RRULE such as
``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`` (last Sunday of March).

Two shortcuts are avoided on purpose (see docs/invitations.md):

- an RDATE list of transition dates: Outlook ignores it and shows the zone as
  a fixed offset, so summer meetings move by an hour;
- ``icalendar``'s ``add_missing_timezones()``: Thunderbird has been seen to
  read its Europe/London as UTC+1 all year.

Transitions that follow no "n-th (or last) weekday of the month" rule (a few
zones, e.g. America/Santiago's "first Sunday on or after the 2nd") are written
as one observance each, with a DTSTART and no RRULE, which every client reads.

The first yearly rule of each observance starts in 1970, as Google Calendar
writes it. vobject (and Radicale, which files events with it) recognises a
zone by comparing its offsets over 2000-2020 with the zones it knows, and a
VTIMEZONE that starts later reads as a different zone there: summer meetings
came out an hour wrong. Only the series' own years need be true to history;
before them the zone simply follows today's rule.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

__all__ = ["vtimezone_for"]

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY = timedelta(days=1)
_EPOCH_YEAR = 1970  # where Google's zones, and so every parser's expectations, begin


@dataclass(frozen=True)
class _Transition:
    """One change of UTC offset, as the local clock saw it just before."""

    at_utc: datetime
    local: datetime  # naive wall-clock time in the offset before the change
    offset_from: timedelta
    offset_to: timedelta
    name: str

    @property
    def daylight(self) -> bool:
        # The larger offset is "daylight". zoneinfo's dst() is not used:
        # Europe/Dublin reports a negative dst() in winter, which clients
        # would show as a zone with two STANDARD observances.
        return self.offset_to > self.offset_from

    def rule_key(self) -> tuple[bool, timedelta, timedelta, str, int, int, int, int]:
        return (
            self.daylight,
            self.offset_from,
            self.offset_to,
            self.name,
            self.local.month,
            self.local.weekday(),
            self.local.hour,
            self.local.minute,
        )

    def ordinals(self) -> set[int]:
        """The BYDAY ordinals that describe this date: n-th, and -1 if last."""
        day = self.local.day
        found = {(day - 1) // 7 + 1}
        if day + 7 > calendar.monthrange(self.local.year, self.local.month)[1]:
            found.add(-1)
        return found


def _offset(tz: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(tz).utcoffset()
    assert offset is not None  # a ZoneInfo always answers
    return offset


def _transitions(tz: ZoneInfo, start_year: int, end_year: int) -> list[_Transition]:
    """Every offset change from 1 Jan start_year to 31 Dec end_year (UTC)."""
    found: list[_Transition] = []
    day = datetime(start_year, 1, 1, tzinfo=UTC)
    stop = datetime(end_year + 1, 1, 1, tzinfo=UTC)
    current = _offset(tz, day)
    while day < stop:
        following = day + _DAY
        after = _offset(tz, following)
        if after != current:
            low, high = day, following  # offset(low) == current, offset(high) != current
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset(tz, middle) == current:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            found.append(
                _Transition(
                    at_utc=high,
                    local=(high + current).replace(tzinfo=None),
                    offset_from=current,
                    offset_to=after,
                    name=high.astimezone(tz).tzname() or "",
                )
            )
        current = after
        day = following
    return found


@dataclass(frozen=True)
class _Run:
    """Consecutive yearly transitions that one RRULE (or one DTSTART) describes."""

    items: tuple[_Transition, ...]
    ordinal: int | None


def _runs(transitions: list[_Transition]) -> list[_Run]:
    by_key: dict[tuple[bool, timedelta, timedelta, str, int, int, int, int], list[_Transition]]
    by_key = {}
    for item in transitions:
        by_key.setdefault(item.rule_key(), []).append(item)
    runs: list[_Run] = []
    for items in by_key.values():
        current = [items[0]]
        common = items[0].ordinals()
        for item in items[1:]:
            shared = common & item.ordinals()
            if item.local.year == current[-1].local.year + 1 and shared:
                current.append(item)
                common = shared
            else:
                runs.append(_close(current, common))
                current, common = [item], item.ordinals()
        runs.append(_close(current, common))
    runs.sort(key=lambda run: run.items[0].at_utc)
    return runs


def _close(items: list[_Transition], ordinals: set[int]) -> _Run:
    if len(items) < 2:
        return _Run(tuple(items), None)
    # "Last Sunday" reads better, and is what clients expect, whenever it fits.
    ordinal = -1 if -1 in ordinals else min(ordinals)
    return _Run(tuple(items), ordinal)


def _nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> int:
    """The day of the month of the ordinal-th (or, for -1, last) ``weekday``."""
    first_weekday, length = calendar.monthrange(year, month)
    first = 1 + (weekday - first_weekday) % 7
    if ordinal > 0:
        return first + 7 * (ordinal - 1)
    return first + 7 * ((length - first) // 7)


def _from_epoch(run: _Run) -> datetime:
    """The run's rule, as it would have first applied in 1970 (its DTSTART)."""
    first = run.items[0].local
    assert run.ordinal is not None
    day = _nth_weekday(_EPOCH_YEAR, first.month, first.weekday(), run.ordinal)
    return first.replace(year=_EPOCH_YEAR, day=day)


def _observance(run: _Run, *, open_ended: bool, since_epoch: bool) -> icalendar.cal.Component:
    first = run.items[0]
    component: icalendar.cal.Component = (
        icalendar.TimezoneDaylight() if first.daylight else icalendar.TimezoneStandard()
    )
    component.add("tzname", first.name)
    component.add("dtstart", _from_epoch(run) if since_epoch else first.local)
    component.add("tzoffsetfrom", first.offset_from)
    component.add("tzoffsetto", first.offset_to)
    if run.ordinal is not None:
        rule: dict[str, object] = {
            "FREQ": "YEARLY",
            "BYMONTH": first.local.month,
            "BYDAY": f"{run.ordinal}{_WEEKDAYS[first.local.weekday()]}",
        }
        if not open_ended:
            rule["UNTIL"] = run.items[-1].at_utc
        component.add("rrule", rule)
    return component


@lru_cache(maxsize=256)
def vtimezone_for(tzid: str, *, start_year: int, end_year: int) -> icalendar.Timezone:
    """A VTIMEZONE for ``tzid`` that is right from start_year to end_year.

    The transitions are read from the year before ``start_year``; the
    first yearly rule of each observance is then written as starting in
    1970 (as Google does, and as vobject needs to recognise the zone), and
    the rules in force in ``end_year`` are left open-ended, so later years
    keep working in every client. Results are cached and shared: treat the component as read-only.

    Raises ValueError for an unknown zone or an empty year range.
    """
    if end_year < start_year:
        raise ValueError(f"end_year {end_year} is before start_year {start_year}.")
    try:
        tz = ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f'"{tzid}" is not a time zone name; use an IANA name such as "Europe/London".'
        ) from error

    zone = icalendar.Timezone()
    zone.add("tzid", tzid)
    transitions = _transitions(tz, start_year - 1, end_year)
    if not transitions:
        instant = datetime(start_year, 1, 1, tzinfo=UTC).astimezone(tz)
        offset = instant.utcoffset()
        assert offset is not None
        standard = icalendar.TimezoneStandard()
        standard.add("tzname", instant.tzname() or tzid)
        standard.add("dtstart", datetime(1970, 1, 1))  # noqa: DTZ001 - VTIMEZONE times are local
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        zone.add_component(standard)
        return zone

    runs = _runs(transitions)
    earliest = _earliest_rules(runs)
    for run in runs:
        zone.add_component(
            _observance(
                run,
                open_ended=run.items[-1].local.year == end_year,
                since_epoch=any(run is item for item in earliest),
            )
        )
    return zone


def _earliest_rules(runs: list[_Run]) -> tuple[_Run, ...]:
    """The first DAYLIGHT and first STANDARD run, when both are yearly rules.

    These are written as starting in 1970. If either is a one-off (no rule),
    neither is: a daylight rule reaching back alone would leave the zone on
    summer time for every year before the series.
    """
    firsts = []
    for daylight in (True, False):
        found = next((run for run in runs if run.items[0].daylight is daylight), None)
        if found is None or found.ordinal is None:
            return ()
        firsts.append(found)
    return tuple(firsts)
