"""Invitations as calendar clients read them.

Every output is read back by parsers other than the icalendar library that
wrote it: vobject, ical (home-assistant's parser) and recurring_ical_events
for expanding the series.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject
from ical.calendar_stream import IcsCalendarStream

from scheduler.calendar.invites import (
    Attendee,
    Person,
    Series,
    build_cancel,
    build_feed,
    build_request,
)
from scheduler.calendar.rules import validate_rrule
from scheduler.calendar.vtimezone import vtimezone_for
from scheduler.inputs.config import Meeting
from scheduler.plan.occurrences import occurrences_between

LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
GOLDEN = Path(__file__).parent / "data" / "ics"


def wall(*parts: int) -> datetime:
    """A naive local wall-clock time, as a Series holds them."""
    return datetime(*parts)  # noqa: DTZ001


SIX_WEEKLY = Series(
    uid="reflection-point-3f9a@reflect.example.org",
    title="Reflection point: who is at the table?",
    description="Bring one story from the last six weeks.\nTea from 09:45.",
    location="Willenhall Library, Room 2",
    tzid="Europe/London",
    first=wall(2027, 1, 12, 10, 0),
    duration=timedelta(hours=1, minutes=30),
    rrule="FREQ=WEEKLY;INTERVAL=6",
    sequence=0,
    organizer=Person(email="priya.shah@grapevine.example.org", name="Priya Shah"),
)
QUARTERLY = dataclasses.replace(
    SIX_WEEKLY,
    uid="governance-review-77c1@reflect.example.org",
    title="Governance review",
    first=wall(2027, 3, 2, 14, 0),
    duration=timedelta(hours=2),
    rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU",
)
MEMBERS = (
    Attendee(email="aoife.obrien@willenhall-cvs.example.org", name="O'Brien, Aoife"),
    Attendee(email="dev.patel@walsall-council.example.gov.uk", name="Dev Patel"),
)

# The six-weekly series in 2027: 10:00 local each time, GMT in winter, BST in summer.
SIX_WEEKLY_2027 = [
    (date(2027, 1, 12), timedelta(0)),
    (date(2027, 2, 23), timedelta(0)),
    (date(2027, 4, 6), timedelta(hours=1)),  # after the 28 March change
    (date(2027, 5, 18), timedelta(hours=1)),
    (date(2027, 6, 29), timedelta(hours=1)),
    (date(2027, 8, 10), timedelta(hours=1)),
    (date(2027, 9, 21), timedelta(hours=1)),
    (date(2027, 11, 2), timedelta(0)),  # after the 31 October change
    (date(2027, 12, 14), timedelta(0)),
]


def unfold(ics: bytes) -> list[str]:
    """Content lines, as a client sees them after unfolding."""
    return ics.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def event_lines(ics: bytes) -> list[str]:
    """Content lines inside VEVENTs only (the VTIMEZONE has RRULEs of its own)."""
    inside, found = False, []
    for line in unfold(ics):
        if line == "BEGIN:VEVENT":
            inside = True
        elif line == "END:VEVENT":
            inside = False
        elif inside:
            found.append(line)
    return found


def expand(ics: bytes, start: datetime, end: datetime) -> list[datetime]:
    calendar = icalendar.Calendar.from_ical(ics)
    events = recurring_ical_events.of(calendar).between(start, end)
    return sorted(event["DTSTART"].dt for event in events)


# --------------------------------------------------------------------------
# Recurrence across daylight-saving changes


def test_six_weekly_series_stays_at_ten_across_both_clock_changes() -> None:
    ics = build_request(SIX_WEEKLY, MEMBERS, stamp=STAMP)

    starts = expand(ics, wall(2027, 1, 1), wall(2028, 1, 1))

    assert [(s.date(), s.utcoffset()) for s in starts] == SIX_WEEKLY_2027
    assert {(s.hour, s.minute) for s in starts} == {(10, 0)}


def test_vobject_reads_ten_oclock_with_the_right_offsets() -> None:
    ics = build_request(SIX_WEEKLY, MEMBERS, stamp=STAMP)

    parsed = vobject.readOne(ics.decode("utf-8"))
    zone = parsed.vtimezone.gettzinfo()  # vobject's reading of our VTIMEZONE
    wall_clock = [
        when.replace(tzinfo=None)
        for when in parsed.vevent.getrruleset()
        if when.year == 2027  # the rule is open-ended
    ]
    seen = [(when.date(), when.replace(tzinfo=zone).utcoffset()) for when in wall_clock]

    assert seen == SIX_WEEKLY_2027
    assert {when.time() for when in wall_clock} == {wall(2027, 1, 1, 10).time()}


def test_ical_reads_ten_oclock_with_the_right_offsets() -> None:
    ics = build_request(SIX_WEEKLY, MEMBERS, stamp=STAMP)

    calendar = IcsCalendarStream.calendar_from_ics(ics.decode("utf-8"))
    starts = [
        event.dtstart for event in calendar.timeline.overlapping(date(2027, 1, 1), date(2028, 1, 1))
    ]

    assert [(s.date(), s.utcoffset()) for s in starts] == SIX_WEEKLY_2027
    assert {(s.hour, s.minute) for s in starts} == {(10, 0)}


def test_quarterly_first_tuesday_falls_on_first_tuesdays() -> None:
    ics = build_request(QUARTERLY, MEMBERS, stamp=STAMP)

    starts = expand(ics, wall(2027, 1, 1), wall(2028, 1, 1))

    assert [s.replace(tzinfo=None) for s in starts] == [
        wall(2027, 3, 2, 14, 0),
        wall(2027, 6, 1, 14, 0),
        wall(2027, 9, 7, 14, 0),
        wall(2027, 12, 7, 14, 0),
    ]
    assert all(s.weekday() == 1 and s.day <= 7 for s in starts)
    assert occurrences(
        QUARTERLY, start=datetime(2027, 1, 1, tzinfo=UTC), end=datetime(2028, 1, 1, tzinfo=UTC)
    ) == [s.astimezone(LONDON) for s in starts]


def test_until_given_in_local_time_is_written_in_utc() -> None:
    # 10:00 BST on 29 June is 09:00 UTC.
    series = dataclasses.replace(SIX_WEEKLY, rrule="FREQ=WEEKLY;INTERVAL=6;UNTIL=20270629T100000")
    ics = build_request(series, MEMBERS, stamp=STAMP)

    rrule_line = next(line for line in event_lines(ics) if line.startswith("RRULE:"))
    assert "UNTIL=20270629T090000Z" in rrule_line
    last = expand(ics, wall(2027, 1, 1), wall(2029, 1, 1))[-1]
    assert last == datetime(2027, 6, 29, 10, 0, tzinfo=LONDON)


# --------------------------------------------------------------------------
# The request's shape


def test_request_has_the_properties_clients_need() -> None:
    ics = build_request(SIX_WEEKLY, MEMBERS, stamp=STAMP)
    lines = unfold(ics)

    assert lines[:5] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Reflection Scheduler//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
    ]
    assert "DTSTART;TZID=Europe/London:20270112T100000" in lines
    assert "DTEND;TZID=Europe/London:20270112T113000" in lines
    assert "DTSTAMP:20261201T093000Z" in lines
    assert "UID:reflection-point-3f9a@reflect.example.org" in lines
    assert "SEQUENCE:0" in lines
    assert "STATUS:CONFIRMED" in lines
    assert "RRULE:FREQ=WEEKLY;INTERVAL=6" in lines
    assert "ORGANIZER;CN=Priya Shah:mailto:priya.shah@grapevine.example.org" in [
        line.replace('"', "") for line in lines
    ]
    attendees = [line for line in lines if line.startswith("ATTENDEE")]
    assert attendees == [
        'ATTENDEE;CN="O\'Brien, Aoife";PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;'
        "RSVP=TRUE:mailto:aoife.obrien@willenhall-cvs.example.org",
        'ATTENDEE;CN="Dev Patel";PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;'
        "RSVP=TRUE:mailto:dev.patel@walsall-council.example.gov.uk",
    ]
    assert not any(re.match(r"(DTSTART|DTEND)[:;].*Z$", line) for line in lines)


def test_request_matches_the_golden_file() -> None:
    series = dataclasses.replace(
        SIX_WEEKLY,
        exdates=(wall(2027, 2, 23, 10, 0),),
        moves=((wall(2027, 4, 6, 10, 0), wall(2027, 4, 7, 14, 0)),),
    )

    ics = build_request(series, MEMBERS, stamp=STAMP)

    assert ics == (GOLDEN / "request-six-weekly-london.ics").read_bytes()


def test_independent_parsers_read_names_and_values_back() -> None:
    ics = build_request(SIX_WEEKLY, MEMBERS, stamp=STAMP)

    event = vobject.readOne(ics.decode("utf-8")).vevent
    assert event.summary.value == "Reflection point: who is at the table?"
    assert event.location.value == "Willenhall Library, Room 2"
    assert event.description.value == "Bring one story from the last six weeks.\nTea from 09:45."
    assert [a.params["CN"][0] for a in event.attendee_list] == ["O'Brien, Aoife", "Dev Patel"]
    assert event.organizer.value == "mailto:priya.shah@grapevine.example.org"

    calendar = IcsCalendarStream.calendar_from_ics(ics.decode("utf-8"))
    (master,) = calendar.events
    assert master.uid == "reflection-point-3f9a@reflect.example.org"
    assert master.sequence == 0
    assert [a.common_name for a in master.attendees] == ["O'Brien, Aoife", "Dev Patel"]
    assert master.dtstamp == STAMP


def test_cancelled_occurrence_disappears_and_carries_its_zone() -> None:
    series = dataclasses.replace(SIX_WEEKLY, exdates=(wall(2027, 6, 29, 10, 0),))
    ics = build_request(series, MEMBERS, stamp=STAMP)

    assert "EXDATE;TZID=Europe/London:20270629T100000" in unfold(ics)
    starts = expand(ics, wall(2027, 1, 1), wall(2028, 1, 1))
    assert date(2027, 6, 29) not in [s.date() for s in starts]
    assert len(starts) == len(SIX_WEEKLY_2027) - 1


def test_moved_occurrence_replaces_a_real_occurrence() -> None:
    original, moved_to = wall(2027, 4, 6, 10, 0), wall(2027, 4, 7, 14, 0)
    series = dataclasses.replace(SIX_WEEKLY, moves=((original, moved_to),))
    ics = build_request(series, MEMBERS, stamp=STAMP)

    real = expand(
        build_request(SIX_WEEKLY, MEMBERS, stamp=STAMP), wall(2027, 1, 1), wall(2028, 1, 1)
    )
    calendar = IcsCalendarStream.calendar_from_ics(ics.decode("utf-8"))
    override = next(event for event in calendar.events if event.recurrence_id)
    recurrence_id = next(line for line in unfold(ics) if line.startswith("RECURRENCE-ID"))
    assert recurrence_id == "RECURRENCE-ID;TZID=Europe/London:20270406T100000"
    assert original.replace(tzinfo=LONDON) in real
    assert override.uid == SIX_WEEKLY.uid
    assert override.sequence == SIX_WEEKLY.sequence
    assert override.dtstart == moved_to.replace(tzinfo=LONDON)
    starts = expand(ics, wall(2027, 1, 1), wall(2028, 1, 1))
    assert moved_to.replace(tzinfo=LONDON) in starts
    assert original.replace(tzinfo=LONDON) not in starts
    assert len(starts) == len(SIX_WEEKLY_2027)


def test_moving_a_meeting_that_is_not_in_the_series_is_refused() -> None:
    series = dataclasses.replace(
        SIX_WEEKLY, moves=((wall(2027, 4, 7, 10, 0), wall(2027, 4, 8, 10, 0)),)
    )

    with pytest.raises(ValueError, match="is not a meeting of the series"):
        build_request(series, MEMBERS, stamp=STAMP)


def test_naive_stamp_is_refused() -> None:
    with pytest.raises(ValueError, match="stamp must be an aware datetime"):
        build_request(SIX_WEEKLY, MEMBERS, stamp=wall(2026, 12, 1, 9, 30))


def test_rule_outlook_cannot_show_is_refused_when_building() -> None:
    series = dataclasses.replace(QUARTERLY, rrule="FREQ=MONTHLY;BYDAY=1TU,3TU")

    with pytest.raises(ValueError, match="Outlook"):
        build_request(series, MEMBERS, stamp=STAMP)


# --------------------------------------------------------------------------
# VTIMEZONE


def test_vtimezone_uses_yearly_rules_not_rdates() -> None:
    zone = vtimezone_for("Europe/London", start_year=2027, end_year=2028)
    text = zone.to_ical().decode("ascii")

    assert "RDATE" not in text
    assert [c.name for c in zone.subcomponents] == ["DAYLIGHT", "STANDARD"]
    daylight, standard = zone.subcomponents
    assert daylight["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert standard["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
    # each rule starts in 1970, as Google writes it (vobject needs 2000-2020 covered)
    assert "DTSTART:19700329T010000" in text  # 01:00 GMT becomes 02:00 BST
    assert "DTSTART:19701025T020000" in text  # 02:00 BST becomes 01:00 GMT


@pytest.mark.parametrize(
    ("tzid", "january", "july"),
    [
        ("Europe/London", timedelta(0), timedelta(hours=1)),
        ("Europe/Dublin", timedelta(0), timedelta(hours=1)),
        ("America/New_York", timedelta(hours=-5), timedelta(hours=-4)),
        ("Australia/Sydney", timedelta(hours=11), timedelta(hours=10)),
    ],
)
def test_other_parsers_read_the_zone_offsets(
    tzid: str, january: timedelta, july: timedelta
) -> None:
    series = dataclasses.replace(SIX_WEEKLY, tzid=tzid)
    ics = build_request(series, MEMBERS, stamp=STAMP).decode("utf-8")

    vobject_zone = vobject.readOne(ics).vtimezone.gettzinfo()
    ical_zone = IcsCalendarStream.calendar_from_ics(ics).timezones[0]

    for year in (2027, 2028, 2031):  # the rules keep working after the years written
        for month, expected in ((1, january), (7, july)):
            local = wall(year, month, 15, 12, 0)
            assert local.replace(tzinfo=vobject_zone).utcoffset() == expected
            observance = ical_zone.get_observance(local)
            assert observance is not None
            assert observance.observance.tz_offset_to.offset == expected


def test_zone_without_daylight_saving_has_one_standard_observance() -> None:
    series = dataclasses.replace(SIX_WEEKLY, tzid="Asia/Kolkata")
    ics = build_request(series, MEMBERS, stamp=STAMP).decode("utf-8")

    zone = vtimezone_for("Asia/Kolkata", start_year=2027, end_year=2027)
    assert [c.name for c in zone.subcomponents] == ["STANDARD"]
    india = timedelta(hours=5, minutes=30)
    vobject_zone = vobject.readOne(ics).vtimezone.gettzinfo()
    for month in (1, 7):
        assert wall(2027, month, 15, 12, 0).replace(tzinfo=vobject_zone).utcoffset() == india
    # ical's observance lookup only follows RRULE/RDATE onsets, so read the
    # observance itself rather than asking it for a date.
    ical_zone = IcsCalendarStream.calendar_from_ics(ics).timezones[0]
    assert ical_zone.daylight == []
    assert [o.tz_offset_to.offset for o in ical_zone.standard] == [india]
    assert [o.tz_offset_from.offset for o in ical_zone.standard] == [india]


def test_vtimezone_is_cached() -> None:
    first = vtimezone_for("Europe/Berlin", start_year=2027, end_year=2029)
    again = vtimezone_for("Europe/Berlin", start_year=2027, end_year=2029)

    assert again is first


def test_unknown_zone_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match='"Europe/Londn" is not a time zone name'):
        build_request(dataclasses.replace(SIX_WEEKLY, tzid="Europe/Londn"), MEMBERS, stamp=STAMP)


# --------------------------------------------------------------------------
# CANCEL


def test_cancel_for_a_leaver_names_only_the_leaver() -> None:
    leaver = MEMBERS[1]
    request = build_request(SIX_WEEKLY, MEMBERS, stamp=STAMP)
    raised = dataclasses.replace(SIX_WEEKLY, sequence=SIX_WEEKLY.sequence + 1)

    cancel = build_cancel(raised, [leaver], stamp=STAMP + timedelta(days=30))

    lines = unfold(cancel)
    assert "METHOD:CANCEL" in lines
    assert "STATUS:CANCELLED" in lines
    parsed = IcsCalendarStream.calendar_from_ics(cancel.decode("utf-8"))
    (event,) = parsed.events
    (requested,) = IcsCalendarStream.calendar_from_ics(request.decode("utf-8")).events
    assert event.uid == requested.uid
    assert event.sequence is not None
    assert requested.sequence is not None
    assert event.sequence > requested.sequence
    assert [a.uri for a in event.attendees] == [f"mailto:{leaver.email}"]
    assert [line for line in lines if line.startswith("ATTENDEE")] == [
        'ATTENDEE;CN="Dev Patel";PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT:'
        "mailto:dev.patel@walsall-council.example.gov.uk"
    ]
    assert vobject.readOne(cancel.decode("utf-8")).method.value == "CANCEL"


def test_cancel_of_one_occurrence_points_at_a_real_occurrence() -> None:
    request = build_request(SIX_WEEKLY, MEMBERS, stamp=STAMP)
    real = expand(request, wall(2027, 1, 1), wall(2028, 1, 1))
    raised = dataclasses.replace(SIX_WEEKLY, sequence=1)

    cancel = build_cancel(raised, MEMBERS, stamp=STAMP, recurrence_id=wall(2027, 8, 10, 10, 0))

    (event,) = IcsCalendarStream.calendar_from_ics(cancel.decode("utf-8")).events
    lines = unfold(cancel)
    assert "RECURRENCE-ID;TZID=Europe/London:20270810T100000" in lines
    assert not any(line.startswith("RRULE") for line in event_lines(cancel))
    recurrence_id = vobject.readOne(cancel.decode("utf-8")).vevent.recurrence_id.value
    assert recurrence_id.replace(tzinfo=None) == wall(2027, 8, 10, 10, 0)
    assert event.dtstart in real
    assert event.uid == SIX_WEEKLY.uid


def test_cancel_of_a_moved_occurrence_shows_its_new_time() -> None:
    original, moved_to = wall(2027, 4, 6, 10, 0), wall(2027, 4, 7, 14, 0)
    series = dataclasses.replace(SIX_WEEKLY, sequence=2, moves=((original, moved_to),))

    cancel = build_cancel(series, MEMBERS, stamp=STAMP, recurrence_id=original)

    lines = unfold(cancel)
    assert "RECURRENCE-ID;TZID=Europe/London:20270406T100000" in lines
    assert "DTSTART;TZID=Europe/London:20270407T140000" in lines


def test_cancel_of_a_time_that_is_not_a_meeting_is_refused() -> None:
    with pytest.raises(ValueError, match="is not a meeting of the series"):
        build_cancel(SIX_WEEKLY, MEMBERS, stamp=STAMP, recurrence_id=wall(2027, 8, 11, 10, 0))


# --------------------------------------------------------------------------
# One meeting's note (who chairs it), in the series and as an update of its own

CHAIR_NOTE = "Chair: Siân Owen (Food Bank). Notes: Tom Okafor (City Council)."


def test_a_series_sent_again_keeps_each_meetings_note() -> None:
    noted, moved = wall(2027, 5, 18, 10, 0), wall(2027, 4, 6, 10, 0)
    series = dataclasses.replace(
        SIX_WEEKLY,
        moves=((moved, wall(2027, 4, 7, 14, 0)),),
        notes=((noted, CHAIR_NOTE),),
    )

    request = build_request(series, MEMBERS, stamp=STAMP)

    calendar = IcsCalendarStream.calendar_from_ics(request.decode("utf-8"))
    overrides = sorted(
        (event for event in calendar.events if event.recurrence_id),
        key=lambda event: event.dtstart,
    )
    assert [event.dtstart for event in overrides] == [
        wall(2027, 4, 7, 14, 0).replace(tzinfo=LONDON),
        noted.replace(tzinfo=LONDON),
    ]
    assert overrides[1].description is not None
    assert overrides[1].description.startswith(CHAIR_NOTE)
    assert overrides[0].description == SIX_WEEKLY.description
    assert len(expand(request, wall(2027, 1, 1), wall(2028, 1, 1))) == len(SIX_WEEKLY_2027)


@pytest.mark.parametrize("when", [wall(2027, 4, 7, 10, 0), wall(2027, 6, 29, 10, 0)])
def test_a_note_for_a_meeting_not_held_is_refused(when: datetime) -> None:
    # 7 April is not a meeting; 29 June is, but is called off
    series = dataclasses.replace(SIX_WEEKLY, exdates=(wall(2027, 6, 29, 10, 0),))

    with pytest.raises(ValueError, match="is not a meeting of the series"):
        build_request(dataclasses.replace(series, notes=((when, "x"),)), MEMBERS, stamp=STAMP)


# --------------------------------------------------------------------------
# Output rules: folding, line ends, injection


LONG_NAME = "Siân O’Brien-Ńowak " * 8


def test_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    attendees = [Attendee(email="sian@example.org", name=LONG_NAME)]
    series = dataclasses.replace(SIX_WEEKLY, title="Myfyrdod ar y cyd – ‘Siân’s’ " * 6)
    ics = build_request(series, attendees, stamp=STAMP)

    assert ics.endswith(b"\r\n")
    physical = ics.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical)
    assert all(b"\r" not in line and b"\n" not in line for line in physical)
    assert all(line for line in physical)  # no blank lines
    for line in physical:
        line.decode("utf-8")  # raises if a character was split across lines
    assert any(line.startswith(b" ") for line in physical)  # it really was folded
    assert ics.count(b"BEGIN:VCALENDAR") == 1
    assert ics.count(b"END:VCALENDAR") == 1

    event = vobject.readOne(ics.decode("utf-8")).vevent
    assert event.attendee.params["CN"] == [LONG_NAME.strip()]
    assert event.summary.value == ("Myfyrdod ar y cyd – ‘Siân’s’ " * 6).strip()


def test_names_and_titles_cannot_inject_properties() -> None:
    attendees = [Attendee(email="aoife@example.org", name="Aoife\r\nATTENDEE:mailto:evil@x")]
    series = dataclasses.replace(
        SIX_WEEKLY,
        title="Reflection\r\nMETHOD:PUBLISH",
        location="Library\nATTENDEE:mailto:evil@x",
        organizer=Person(email="priya@example.org", name="Priya\rORGANIZER:mailto:evil@x"),
    )

    ics = build_request(series, attendees, stamp=STAMP)

    lines = unfold(ics)
    assert [line for line in lines if line.startswith("METHOD")] == ["METHOD:REQUEST"]
    assert [line for line in lines if line.startswith("ORGANIZER")] == [
        'ORGANIZER;CN="Priya ORGANIZER:mailto:evil@x":mailto:priya@example.org'
    ]
    assert not any(line.startswith("ATTENDEE:") for line in lines)
    event = vobject.readOne(ics.decode("utf-8")).vevent
    assert [a.value for a in event.attendee_list] == ["mailto:aoife@example.org"]
    (parsed,) = IcsCalendarStream.calendar_from_ics(ics.decode("utf-8")).events
    assert [a.uri for a in parsed.attendees] == ["mailto:aoife@example.org"]
    assert parsed.summary == "Reflection METHOD:PUBLISH"


def test_address_that_is_not_an_email_is_refused() -> None:
    with pytest.raises(ValueError, match="is not an email address"):
        build_request(SIX_WEEKLY, [Attendee(email="aoife at example", name="Aoife")], stamp=STAMP)


# --------------------------------------------------------------------------
# PUBLISH feed


def test_feed_publishes_every_series_without_attendees() -> None:
    feed = build_feed([SIX_WEEKLY, QUARTERLY], stamp=STAMP, name="Willenhall Together")

    lines = unfold(feed)
    assert "METHOD:PUBLISH" in lines
    assert "X-WR-CALNAME:Willenhall Together" in lines
    assert not any(line.startswith("ATTENDEE") for line in lines)
    assert lines.count("BEGIN:VTIMEZONE") == 1
    calendar = IcsCalendarStream.calendar_from_ics(feed.decode("utf-8"))
    assert sorted(e.uid for e in calendar.events) == sorted([SIX_WEEKLY.uid, QUARTERLY.uid])
    starts = expand(feed, wall(2027, 1, 1), wall(2028, 1, 1))
    assert len(starts) == len(SIX_WEEKLY_2027) + 4


# --------------------------------------------------------------------------
# When the planner says meetings fall: the same as the invitations say


def occurrences(series: Series, *, start: datetime, end: datetime) -> list[datetime]:
    """The planner's starts in [start, end) for the meeting this series is written from."""
    meeting = Meeting(
        id="m",
        kind="reflection",
        title=series.title,
        first=series.first,
        duration=series.duration,
        rrule=series.rrule,
        cancelled=series.exdates,
        moved=series.moves,
    )
    return [occ.start for occ in occurrences_between(meeting, series.tzid, start, end)]


def test_a_utc_until_ends_the_plan_where_it_ends_the_calendar() -> None:
    # UNTIL 09:00 UTC on 1 June is 10:00 BST: the 1 June meeting is the last, for both
    series = dataclasses.replace(
        SIX_WEEKLY, first=wall(2027, 5, 4, 10, 0), rrule="FREQ=WEEKLY;UNTIL=20270601T090000Z"
    )
    window = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))

    planned = occurrences(series, start=window[0], end=window[1])

    in_calendar = expand(build_request(series, MEMBERS, stamp=STAMP), *window)
    assert planned == in_calendar
    assert planned[-1] == datetime(2027, 6, 1, 10, 0, tzinfo=LONDON)


DAILY_AT_HALF_ONE = dataclasses.replace(
    SIX_WEEKLY,
    first=wall(2027, 3, 20, 1, 30),
    rrule="FREQ=DAILY",
    duration=timedelta(minutes=30),
)


def test_time_in_the_spring_gap_happens_once_an_hour_later() -> None:
    found = occurrences(
        DAILY_AT_HALF_ONE,
        start=datetime(2027, 3, 28, 0, 0, tzinfo=LONDON),
        end=datetime(2027, 3, 29, 0, 0, tzinfo=LONDON),
    )

    assert found == [datetime(2027, 3, 28, 2, 30, tzinfo=LONDON)]
    assert found[0].utcoffset() == timedelta(hours=1)
    assert found[0].astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_time_in_the_autumn_fold_happens_once_the_first_time() -> None:
    found = occurrences(
        DAILY_AT_HALF_ONE,
        start=datetime(2027, 10, 31, 0, 0, tzinfo=LONDON),
        end=datetime(2027, 11, 1, 0, 0, tzinfo=LONDON),
    )

    assert len(found) == 1
    assert found[0].astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 01:30 BST


def test_occurrences_apply_cancellations_and_moves() -> None:
    series = dataclasses.replace(
        SIX_WEEKLY,
        exdates=(wall(2027, 2, 23, 10, 0),),
        moves=((wall(2027, 4, 6, 10, 0), wall(2027, 4, 7, 14, 0)),),
    )

    found = occurrences(
        series, start=datetime(2027, 1, 1, tzinfo=UTC), end=datetime(2027, 6, 1, tzinfo=UTC)
    )

    assert found == [
        datetime(2027, 1, 12, 10, 0, tzinfo=LONDON),
        datetime(2027, 4, 7, 14, 0, tzinfo=LONDON),
        datetime(2027, 5, 18, 10, 0, tzinfo=LONDON),
    ]
    assert found == expand(
        build_request(series, MEMBERS, stamp=STAMP), wall(2027, 1, 1), wall(2027, 6, 1)
    )


def test_occurrences_window_is_half_open() -> None:
    first = datetime(2027, 1, 12, 10, 0, tzinfo=LONDON)

    assert occurrences(SIX_WEEKLY, start=first, end=first + timedelta(days=42)) == [first]


def test_unreadable_rule_raises() -> None:
    with pytest.raises(ValueError, match="could not be read"):
        occurrences(
            dataclasses.replace(SIX_WEEKLY, rrule="FREQ=FORTNIGHTLY"),
            start=datetime(2027, 1, 1, tzinfo=UTC),
            end=datetime(2028, 1, 1, tzinfo=UTC),
        )


# --------------------------------------------------------------------------
# validate_rrule()


@pytest.mark.parametrize(
    ("first", "rule"),
    [
        (wall(2027, 1, 12, 10, 0), "FREQ=WEEKLY;INTERVAL=6"),
        (wall(2027, 3, 2, 14, 0), "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU"),
        (wall(2027, 3, 30, 14, 0), "FREQ=MONTHLY;BYDAY=-1TU;UNTIL=20281231T000000Z"),
        (wall(2027, 1, 12, 10, 0), "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10"),
        (wall(2027, 3, 31, 14, 0), "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
        (wall(2028, 2, 29, 14, 0), "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
    ],
)
def test_validate_rrule_accepts_rules_every_client_can_show(first: datetime, rule: str) -> None:
    assert validate_rrule(first, rule) is None


@pytest.mark.parametrize(
    ("first", "rule", "words"),
    [
        (wall(2027, 3, 2, 14), "FREQ=MONTHLY;BYDAY=1TU,3TU", "several numbered days"),
        (wall(2027, 3, 2, 14), "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1,3", "BYSETPOS=1,3"),
        (wall(2027, 3, 2, 14), "FREQ=HOURLY;INTERVAL=2", "more often than daily"),
        (wall(2027, 3, 2, 14), "FREQ=MINUTELY", "more often than daily"),
        (wall(2027, 3, 2, 14), "FREQ=SECONDLY", "more often than daily"),
        (wall(2027, 3, 2, 14), "FREQ=MONTHLY;BYDAY=5TU", "first to fourth or last"),
        (wall(2027, 3, 2, 14), "FREQ=WEEKLY;INTERVAL=six", "could not be read"),
        (wall(2027, 3, 2, 14), "FREQ=WEEKLY;INTERVAL=0", "1 or more"),
        (wall(2027, 3, 2, 14), "FREQ=WEEKLY;COUNT=0", "1 or more"),
        (wall(2027, 3, 2, 14), "every six weeks", "could not be read"),
        (wall(2027, 3, 2, 14), "INTERVAL=6", "FREQ is missing"),
        (wall(2027, 3, 2, 14), "FREQ=WEEKLY;COUNT=3;UNTIL=20280101", "COUNT and UNTIL"),
        (wall(2027, 3, 2, 14), "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never produces"),
        (wall(2027, 3, 2, 14), "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31", "never produces"),
        (wall(2027, 3, 2, 14), "FREQ=WEEKLY;BYDAY=1TU", "only a MONTHLY or YEARLY"),
        (wall(2027, 8, 13, 14), "FREQ=MONTHLY;BYMONTHDAY=13;BYDAY=FR", "BYMONTHDAY and BYDAY"),
        (wall(2027, 3, 2, 14), "FREQ=DAILY;BYMONTH=2", "BYMONTH with FREQ=DAILY"),
        (wall(2027, 3, 2, 14), "FREQ=WEEKLY;UNTIL=20270101T000000Z", "never produces"),
        (wall(2027, 3, 3, 14), "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU", "is not one the rule"),
    ],
)
def test_validate_rrule_explains_what_is_wrong(first: datetime, rule: str, words: str) -> None:
    problem = validate_rrule(first, rule)

    assert problem is not None
    assert words in problem
    assert rule in problem


def test_one_off_meeting_has_no_rule_and_one_occurrence() -> None:
    single = dataclasses.replace(SIX_WEEKLY, rrule=None, first=wall(2027, 7, 6, 10, 0))

    ics = build_request(single, MEMBERS, stamp=STAMP)

    assert not any(line.startswith("RRULE") for line in event_lines(ics))
    assert expand(ics, wall(2027, 1, 1), wall(2028, 1, 1)) == [
        wall(2027, 7, 6, 10, 0).replace(tzinfo=LONDON)
    ]
    assert occurrences(
        single, start=datetime(2027, 1, 1, tzinfo=UTC), end=datetime(2028, 1, 1, tzinfo=UTC)
    ) == [datetime(2027, 7, 6, 10, 0, tzinfo=LONDON)]
