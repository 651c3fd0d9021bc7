"""The VTIMEZONE as real consumers read it: vobject alone, Radicale and Sabre's broker.

vobject recognises a zone by its offsets over 2000-2020, so a VTIMEZONE that
begins in the series' own years read as some other zone and summer meetings
came out an hour wrong. Each check here starts from nothing registered.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support.calendar_consumers import RadicaleServer, sabre_apply, vobject_starts

from scheduler.calendar.invites import Attendee, Person, Series, build_request
from scheduler.calendar.vtimezone import vtimezone_for

LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
MEMBER = Attendee(email="tom.okafor@council.example.gov.uk", name="Tom Okafor")
SERIES = Series(
    uid="reflection.willenhall-together@reflect.example.org",
    title="Reflection point (Willenhall Together)",
    description="",
    location="Willenhall Community Hub",
    tzid="Europe/London",
    first=datetime(2027, 1, 12, 10, 0),  # noqa: DTZ001 - series times are local wall-clock
    duration=timedelta(minutes=90),
    rrule="FREQ=WEEKLY;INTERVAL=6",
    sequence=0,
    organizer=Person(email="reflect@reflect.example.org", name="Priya Shah"),
)
# Every six weeks from 12 January 2027 at 10:00 London: GMT, then BST from 28 March,
# then GMT again from 31 October.
EXPECTED_UTC = [
    datetime(2027, 1, 12, 10, tzinfo=UTC),
    datetime(2027, 2, 23, 10, tzinfo=UTC),
    datetime(2027, 4, 6, 9, tzinfo=UTC),
    datetime(2027, 5, 18, 9, tzinfo=UTC),
    datetime(2027, 6, 29, 9, tzinfo=UTC),
    datetime(2027, 8, 10, 9, tzinfo=UTC),
    datetime(2027, 9, 21, 9, tzinfo=UTC),
    datetime(2027, 11, 2, 10, tzinfo=UTC),
    datetime(2027, 12, 14, 10, tzinfo=UTC),
]
YEAR_END = datetime(2028, 1, 1, tzinfo=UTC)


def test_observances_start_in_1970_with_their_yearly_rules() -> None:
    zone = vtimezone_for("Europe/London", start_year=2027, end_year=2028)
    lines = zone.to_ical().decode("ascii").split("\r\n")
    daylight = lines[lines.index("BEGIN:DAYLIGHT") : lines.index("END:DAYLIGHT")]
    standard = lines[lines.index("BEGIN:STANDARD") : lines.index("END:STANDARD")]
    # what Google Calendar sends for London: the last Sundays of March and October, 1970 on
    assert "DTSTART:19700329T010000" in daylight
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in daylight
    assert "DTSTART:19701025T020000" in standard
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in standard


@pytest.mark.parametrize(
    ("tzid", "dtstarts"),
    [
        ("America/New_York", ["19700308T020000", "19701101T020000"]),  # 2nd Sun Mar, 1st Nov
        ("Australia/Sydney", ["19701004T020000", "19700405T030000"]),  # 1st Sun Oct, 1st Apr
        ("Europe/Dublin", ["19700329T010000", "19701025T020000"]),
    ],
)
def test_other_zones_start_their_rules_in_1970_too(tzid: str, dtstarts: list[str]) -> None:
    zone = vtimezone_for(tzid, start_year=2027, end_year=2027)
    assert [str(c.name) for c in zone.subcomponents] in (
        ["DAYLIGHT", "STANDARD"],
        ["STANDARD", "DAYLIGHT"],
    )
    by_name = {str(c.name): c["DTSTART"].to_ical().decode() for c in zone.subcomponents}
    assert [by_name["DAYLIGHT"], by_name["STANDARD"]] == dtstarts


def test_vobject_alone_reads_summer_and_winter_meetings_at_london_time() -> None:
    ics = build_request(SERIES, [MEMBER], stamp=STAMP)
    starts = vobject_starts(ics, until=YEAR_END)
    assert [when for when, _ in starts] == EXPECTED_UTC
    assert {when.astimezone(LONDON).strftime("%H:%M") for when, _ in starts} == {"10:00"}


@pytest.mark.parametrize("tzid", ["America/New_York", "Australia/Sydney", "Europe/Berlin"])
def test_vobject_alone_reads_other_zones_right(tzid: str) -> None:
    zone = ZoneInfo(tzid)
    ics = build_request(dataclasses.replace(SERIES, tzid=tzid), [MEMBER], stamp=STAMP)
    starts = [when for when, _ in vobject_starts(ics, until=YEAR_END)]
    # the same dates, each at 10:00 on that zone's own clock
    expected = [
        datetime.combine(when.date(), time(10), zone).astimezone(UTC) for when in EXPECTED_UTC
    ]
    assert starts == expected


def test_radicale_expands_the_year_across_both_changes(tmp_path: Path) -> None:
    ics = build_request(SERIES, [MEMBER], stamp=STAMP)
    with RadicaleServer(tmp_path) as server:
        server.store("reflection", "series", ics)
        found = server.expand("reflection", datetime(2027, 1, 1, tzinfo=UTC), YEAR_END)
    assert [when for when, _ in found] == EXPECTED_UTC


def test_sabre_files_the_series_at_london_times(tmp_path: Path) -> None:
    ics = build_request(SERIES, [MEMBER], stamp=STAMP)
    report = sabre_apply(MEMBER.email, [ics], tmp_path)
    assert report["steps"][0]["returned"] == "object"
    assert not report["steps"][0]["validate"], report["steps"][0]["validate"]
    utc = [datetime.fromisoformat(i["utc"]).replace(tzinfo=UTC) for i in report["instances"]]
    assert utc == EXPECTED_UTC
    assert {i["london"][11:16] for i in report["instances"]} == {"10:00"}
