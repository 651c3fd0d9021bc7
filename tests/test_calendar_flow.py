"""Invitations over a simulated year: updates, joiners, leavers, RSVPs, read by other parsers."""

from __future__ import annotations

import mailbox
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import recurring_ical_events
import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar
from support.mailmaker import rsvp_email
from support.pacing import welcome
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.clock import FixedClock

LONDON = ZoneInfo("Europe/London")


def outbox_messages(p: Partnership) -> list[EmailMessage]:
    box = mailbox.Maildir(p.outbox, create=False)
    found = []
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        found.append(msg)
    return sorted(found, key=lambda m: (m["Date"].datetime, str(m["Message-ID"])))


def calendar_part(msg: EmailMessage) -> tuple[str, bytes]:
    inline = [
        part
        for part in msg.walk()
        if part.get_content_type() == "text/calendar" and part.get_filename() is None
    ]
    assert len(inline) == 1
    part = inline[0]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(part.get_param("method")), payload


async def simulate_year(p: Partnership) -> None:
    """A year with two schedule changes, a joiner and a leaver; services rebuilt each tick."""
    clock = FixedClock(datetime(2026, 11, 22, 9, tzinfo=UTC))
    original = p.config.read_text()
    for day in range(0, 400, 2):
        if day == 60:  # the reflection point moves from 10:00 to 14:00
            p.config.write_text(
                original.replace("first = 2027-01-12T10:00:00", "first = 2027-01-12T14:00:00")
            )
        if day == 140:  # ... and changes place
            p.config.write_text(
                p.config.read_text().replace(
                    "Willenhall Community Hub, or online", "Library, room 2"
                )
            )
        if day == 100:
            p.members.write_text(
                p.members.read_text()
                + "Grace Adeyemi,grace@foodbank.example.org,Food Bank,vcse,Coordinator,2027-03-01,\n"
            )
        if day == 200:
            lines = p.members.read_text().splitlines()
            p.members.write_text("\n".join(x for x in lines if "dev.mistry" not in x) + "\n")
        services = build_services(p.config)
        await services.tick(clock.now())
        services.close()
        clock.advance(days=2)


async def test_a_year_of_invitations_keeps_the_rules(partnership: Partnership) -> None:
    await simulate_year(partnership)
    invites = [
        m for m in outbox_messages(partnership) if str(m["X-Reflect-Kind"]) in ("invite", "cancel")
    ]
    by_person_uid: dict[tuple[str, str], list[tuple[str, int, datetime, Calendar]]] = defaultdict(
        list
    )
    for msg in invites:
        method, ics = calendar_part(msg)
        text = ics.decode("utf-8")
        # independent parsers read every message
        vcal = vobject.readOne(text)
        assert vcal.method.value == method
        IcsCalendarStream.calendar_from_ics(text)
        cal = Calendar.from_ical(ics)
        assert str(cal["METHOD"]) == method
        assert b"\r\n\r\n" not in ics and all(len(line) <= 75 for line in ics.split(b"\r\n"))
        (event,) = [c for c in cal.walk("VEVENT")]
        to = msg["To"].addresses[0].addr_spec
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        assert [str(a).lower() for a in attendees] == [f"mailto:{to}"]
        assert str(event["ORGANIZER"]) == "mailto:reflect@reflect.example.org"
        assert msg["From"].addresses[0].addr_spec == "reflect@reflect.example.org"
        if method == "CANCEL":
            assert str(event["STATUS"]) == "CANCELLED"
        by_person_uid[(to, str(event["UID"]))].append(
            (method, int(event["SEQUENCE"]), event["DTSTAMP"].dt, cal)
        )

    reflection = next(uid for (_, uid) in by_person_uid if uid.startswith("reflection."))
    for (person, uid), history in by_person_uid.items():
        sequences = [s for _, s, _, _ in history]
        stamps = [d for _, _, d, _ in history]
        assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences), person
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
        if person == "dev.mistry@trust.example.nhs.uk":
            assert history[-1][0] == "CANCEL"
            assert [m for m, *_ in history].count("CANCEL") == 1
        else:
            assert all(m == "REQUEST" for m, *_ in history)
        if uid == reflection and person != "grace@foodbank.example.org":
            # invited, then two updates: the time change and the place change (the leaver
            # left after both, so got them too, and then the cancellation)
            assert [s for m, s, *_ in history if m == "REQUEST"] == [0, 1, 2], person
    # the joiner got the series at its current version, then the later update;
    # nobody else was re-invited when she joined
    grace = by_person_uid[("grace@foodbank.example.org", reflection)]
    assert [(m, s) for m, s, *_ in grace] == [("REQUEST", 1), ("REQUEST", 2)]
    joined_at = grace[0][2]
    same_moment = [p for (p, _), h in by_person_uid.items() for _, _, d, _ in h if d == joined_at]
    assert set(same_moment) == {"grace@foodbank.example.org"}

    # the latest series, expanded by recurring-ical-events: 14:00 London on both sides of DST
    latest = by_person_uid[("tom.okafor@council.example.gov.uk", reflection)][-1][3]
    starts = [
        e["DTSTART"].dt
        for e in recurring_ical_events.of(latest).between(date(2027, 1, 1), date(2027, 12, 31))
    ]
    assert starts[0] == datetime(2027, 1, 12, 14, tzinfo=LONDON)
    assert all(s.astimezone(LONDON).time() == time(14, 0) for s in starts)
    assert {s.astimezone(LONDON).utcoffset() for s in starts} == {timedelta(0), timedelta(hours=1)}
    assert [s.date() for s in starts[:3]] == [
        date(2027, 1, 12),
        date(2027, 2, 23),
        date(2027, 4, 6),
    ]


async def test_rsvps_from_three_calendars_are_recorded_not_answered(
    partnership: Partnership,
) -> None:
    from scheduler.reports.status import status_text

    services = build_services(partnership.config)
    now = await welcome(services, datetime(2026, 11, 22, 9, tzinfo=UTC))  # invitations out
    uid = "reflection.willenhall-together@reflect.example.org"
    inbox = mailbox.Maildir(partnership.inbox, create=True)
    inbox.add(
        rsvp_email(
            uid=uid,
            attendee="Tom.Okafor@Council.example.gov.uk",
            name="Tom Okafor",
            partstat="ACCEPTED",
            style="outlook",
        )
    )
    inbox.add(
        rsvp_email(
            uid=uid,
            attendee="dev.mistry@trust.example.nhs.uk",
            name="Dev Mistry",
            partstat="DECLINED",
            style="google",
        )
    )
    inbox.add(
        rsvp_email(
            uid=uid,
            attendee="aoife.obrien@pcc.example.nhs.uk",
            name="Aoife O'Brien",
            partstat="TENTATIVE",
            style="apple",
        )
    )
    report = await services.tick(now + timedelta(hours=1))
    rows = services.archive.rows(
        "SELECT m.email, r.partstat, r.recurrence_id, r.meeting_id FROM rsvps r "
        "JOIN members m ON m.id = r.member_id ORDER BY m.email"
    )
    answers = services.archive.scalar("SELECT count(*) FROM answers")
    status = status_text(services.config, services.archive, now + timedelta(hours=1))
    services.close()
    assert report.ingested == {"rsvp": 3}
    assert answers == 0
    assert rows == [
        {
            "email": "aoife.obrien@pcc.example.nhs.uk",
            "partstat": "TENTATIVE",
            "recurrence_id": None,
            "meeting_id": "reflection",
        },
        {
            "email": "dev.mistry@trust.example.nhs.uk",
            "partstat": "DECLINED",
            "recurrence_id": "2027-02-23T10:00:00+00:00",
            "meeting_id": "reflection",
        },
        {
            "email": "tom.okafor@council.example.gov.uk",
            "partstat": "ACCEPTED",
            "recurrence_id": None,
            "meeting_id": "reflection",
        },
    ]
    # Dev declined only the February meeting, so for 12 January: Tom coming, Aoife maybe
    assert (
        "Replies for the next Reflection point: 1 coming (Tom Okafor); 1 tentative, 0 declined"
        in status
    )


def test_calendar_feed_is_one_subscribable_file(partnership: Partnership) -> None:
    import subprocess
    import sys

    out = partnership.dir / "schedule.ics"
    result = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(partnership.config), "calendar", "--out", str(out)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    cal = vobject.readOne(text)
    assert cal.method.value == "PUBLISH"
    assert len(cal.vevent_list) == 2
    events = recurring_ical_events.of(Calendar.from_ical(text)).between(
        date(2027, 1, 1), date(2027, 4, 1)
    )
    assert [e["DTSTART"].dt.astimezone(LONDON).strftime("%d %b %H:%M") for e in events] == [
        "12 Jan 10:00", "23 Feb 10:00", "02 Mar 14:00",
    ]  # fmt: skip


async def test_one_meeting_moved_and_one_called_off(partnership: Partnership) -> None:
    """A one-off move goes out as a RECURRENCE-ID override, a cancelled date as EXDATE."""
    partnership.write_config(
        partnership.config.read_text().replace(
            'location = "Willenhall Community Hub, or online"',
            'location = "Willenhall Community Hub, or online"\n'
            "cancelled = [2027-04-06T10:00:00]\n"
            "moved = [{ from = 2027-02-23T10:00:00, to = 2027-02-24T15:00:00 }]",
        )
    )
    services = build_services(partnership.config)
    await services.tick(datetime(2026, 11, 22, 9, tzinfo=UTC))
    await services.tick(datetime(2027, 2, 17, 16, tzinfo=UTC))  # a week before the moved date
    services.close()
    messages = outbox_messages(partnership)
    invite = next(
        m for m in messages
        if str(m["X-Reflect-Kind"]) == "invite" and "Reflection" in str(m["Subject"])
    )  # fmt: skip
    _, ics = calendar_part(invite)
    cal = Calendar.from_ical(ics)
    overrides = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e]
    assert len(overrides) == 1
    assert overrides[0]["RECURRENCE-ID"].dt == datetime(2027, 2, 23, 10, tzinfo=LONDON)
    starts = [
        e["DTSTART"].dt.astimezone(LONDON).strftime("%d %b %H:%M")
        for e in recurring_ical_events.of(cal).between(date(2027, 1, 1), date(2027, 6, 1))
    ]
    assert starts == ["12 Jan 10:00", "24 Feb 15:00", "18 May 10:00"]
    vcal = vobject.readOne(ics.decode())
    assert len(vcal.vevent_list) == 2
    # the question for the moved meeting went a week before its new date, and names it
    second = [m for m in messages if str(m["Subject"]).startswith("Question 2 for Wed 24 Feb:")]
    assert (
        second
        and "Wednesday 24 February 2027 at 15:00" in second[0].get_body(("plain",)).get_content()
    )


async def test_calling_off_one_date_later_sends_the_series_without_it(
    partnership: Partnership,
) -> None:
    """Invitations are out; then one date is called off: the series again, with that EXDATE.

    Not a CANCEL of that meeting alone: Sabre VObject (Nextcloud, Baikal)
    marks every meeting of the stored event cancelled on any CANCEL.
    """
    services = build_services(partnership.config)
    now = await welcome(services, datetime(2026, 11, 22, 9, tzinfo=UTC))  # invitations out
    uid = "reflection.willenhall-together@reflect.example.org"
    inbox = mailbox.Maildir(partnership.inbox, create=True)
    inbox.add(
        rsvp_email(
            uid=uid,
            attendee="tom.okafor@council.example.gov.uk",
            name="Tom Okafor",
            partstat="ACCEPTED",
            style="outlook",
        )
    )
    await services.tick(now + timedelta(hours=1))
    services.close()
    before = len(outbox_messages(partnership))
    partnership.write_config(
        partnership.config.read_text().replace(
            'location = "Willenhall Community Hub, or online"',
            'location = "Willenhall Community Hub, or online"\ncancelled = [2027-04-06T10:00:00]',
        )
    )
    partnership.write_members(
        partnership.members.read_text()
        + "Grace Adeyemi,grace@foodbank.example.org,Food Bank,vcse,Coordinator,2026-11-25,\n"
    )
    services = build_services(partnership.config)
    # the joiner's welcome, then her invitations one a day
    await welcome(services, datetime(2026, 11, 25, 9, tzinfo=UTC))
    again = await services.tick(datetime(2026, 11, 28, 9, tzinfo=UTC))
    services.close()
    assert again.queued == 0
    new = outbox_messages(partnership)[before:]
    calendar = [m for m in new if str(m["X-Reflect-Kind"]) in ("invite", "cancel")]
    reflection = [m for m in calendar if "Reflection" in str(m["Subject"])]
    # one message each: the members who had the series, and the joiner
    assert sorted(m["To"].addresses[0].addr_spec for m in reflection) == [
        "aoife.obrien@pcc.example.nhs.uk",
        "dev.mistry@trust.example.nhs.uk",
        "grace@foodbank.example.org",
        "priya.shah@grapevine.example.org",
        "tom.okafor@council.example.gov.uk",
    ]
    assert all(str(m["X-Reflect-Kind"]) == "invite" for m in reflection)
    tom = next(m for m in reflection if "tom.okafor" in str(m["To"]))
    assert str(tom["Subject"]) == (
        "Called off on Tuesday 6 April 2027: Reflection point (Willenhall Together)"
    )
    text = tom.get_body(("plain",)).get_content()
    assert "- Called off: Tuesday 6 April." in text
    assert "so does your answer to it" in text
    for msg in reflection:
        method, ics = calendar_part(msg)
        assert method == "REQUEST"
        vcal = vobject.readOne(ics.decode())
        assert vcal.method.value == "REQUEST"
        IcsCalendarStream.calendar_from_ics(ics.decode())
        cal = Calendar.from_ical(ics)
        (event,) = cal.walk("VEVENT")  # the series, whole
        assert "RRULE" in event and int(event["SEQUENCE"]) == 1
        starts = [
            e["DTSTART"].dt.date()
            for e in recurring_ical_events.of(cal).between(date(2027, 3, 1), date(2027, 6, 1))
        ]
        assert date(2027, 4, 6) not in starts and date(2027, 5, 18) in starts
        attendee = event["ATTENDEE"]
        if msg is tom:  # Tom accepted the series, and his answer is carried over
            assert (attendee.params["PARTSTAT"], "RSVP" in attendee.params) == ("ACCEPTED", False)
        else:
            assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
            assert attendee.params["RSVP"] == "TRUE"


async def test_an_update_outranks_a_meetings_update_sent_by_an_earlier_version(
    partnership: Partnership,
) -> None:
    """Earlier versions named chairs by updating one meeting at the series' SEQUENCE + 1."""
    from scheduler.archive.database import Archive
    from scheduler.archive.outbox_store import OutboxStore
    from scheduler.archive.state import load_members
    from scheduler.compose.render import Outgoing
    from scheduler.plan.intents import Intent, MeetingAt, OneMeetingUpdate
    from scheduler.vocabulary import MessageKind

    services = build_services(partnership.config)
    await welcome(services, datetime(2026, 11, 22, 9, tzinfo=UTC))  # invitations out
    services.close()
    tom = "tom.okafor@council.example.gov.uk"
    archive = Archive(partnership.database)
    sent = datetime(2027, 1, 5, 10, tzinfo=UTC)
    legacy = Intent(
        key="legacy-roles", kind=MessageKind.ROLES, recipient=tom, due=sent,
        payload=OneMeetingUpdate(
            tom, MeetingAt("reflection", datetime(2027, 1, 12, 10, tzinfo=UTC)), sequence=1
        ),
    )  # fmt: skip
    note = Outgoing(
        key="legacy-roles", kind=MessageKind.ROLES, recipient=tom, member_email=tom,
        subject="Chair and notes", message_id="<legacy@reflect.example.org>", token_id=None,
        raw=b"",
    )  # fmt: skip
    outbox = OutboxStore(archive)
    assert outbox.enqueue([(legacy, note)], {tom: load_members(archive)[tom].id}, sent) == 1
    outbox.mark_sent(int(archive.scalar("SELECT id FROM outbox WHERE key = 'legacy-roles'")), sent)
    archive.close()
    before = len(outbox_messages(partnership))
    partnership.write_config(
        partnership.config.read_text().replace(
            "Willenhall Community Hub, or online", "Library, room 2"
        )
    )
    services = build_services(partnership.config)
    await services.tick(datetime(2027, 1, 6, 9, tzinfo=UTC))
    services.close()
    sequences = {
        m["To"].addresses[0].addr_spec: int(
            Calendar.from_ical(calendar_part(m)[1]).walk("VEVENT")[0]["SEQUENCE"]
        )
        for m in outbox_messages(partnership)[before:]
        if str(m["X-Reflect-Kind"]) == "invite" and "Reflection" in str(m["Subject"])
    }
    assert sequences[tom] == 2  # above the one-meeting update he holds at 1
    assert {s for who, s in sequences.items() if who != tom} == {1}
