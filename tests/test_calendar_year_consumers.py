"""A year of calendar mail, applied per member by Sabre's iTIP broker, then read back.

The year: rotating chairs, the series moved from 10:00 to 10:30, a date called
off, another moved, a place changed on the same day as a further date is
called off, a joiner and a leaver. Each member's calendar parts, in the order
they were sent, go through Sabre VObject's broker (what Nextcloud and Baikal
run); the calendar it ends with is read again by vobject in a fresh process,
by icalendar with recurring-ical-events, and by Radicale.
"""

from __future__ import annotations

import email
from collections import defaultdict
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar
from support.calendar_consumers import RadicaleServer, sabre_apply, vobject_starts
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.archive.database import Archive
from scheduler.clock import FixedClock

LONDON = ZoneInfo("Europe/London")
REFLECTION = "reflection.willenhall-together@reflect.example.org"
GOVERNANCE = "governance-review.willenhall-together@reflect.example.org"
TOM = "tom.okafor@council.example.gov.uk"
DEV = "dev.mistry@trust.example.nhs.uk"  # leaves on 1 May
GRACE = "grace@foodbank.example.org"  # joins on 1 March
STAYING = [
    "priya.shah@grapevine.example.org",
    TOM,
    "aoife.obrien@pcc.example.nhs.uk",
    GRACE,
]
LOCATION = 'location = "Willenhall Community Hub, or online"'


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


# How the reflection series stands at the end of the year, on the London clock:
# every six weeks at 10:30; 29 June and 14 December called off; 21 September
# held on 22 September at 15:00.
FINAL_REFLECTION = [
    london(2027, 1, 12, 10, 30),
    london(2027, 2, 23, 10, 30),
    london(2027, 4, 6, 10, 30),
    london(2027, 5, 18, 10, 30),
    london(2027, 8, 10, 10, 30),
    london(2027, 9, 22, 15, 0),
    london(2027, 11, 2, 10, 30),
]
FINAL_GOVERNANCE = [
    london(2027, 3, 2, 14),
    london(2027, 6, 1, 14),
    london(2027, 9, 7, 14),
    london(2027, 12, 7, 14),
]


def _edit(p: Partnership, old: str, new: str) -> None:
    text = p.config.read_text()
    assert old in text
    p.write_config(text.replace(old, new))


async def live_through_2027(p: Partnership) -> None:
    _edit(
        p, "relationship_weeks = 0", "relationship_weeks = 0\n\n[leadership]\nrotate_roles = true"
    )
    clock = FixedClock(datetime(2026, 12, 1, 9, tzinfo=UTC))
    happenings = {
        date(2027, 2, 1): lambda: _edit(
            p, "first = 2027-01-12T10:00:00", "first = 2027-01-12T10:30:00"
        ),
        date(2027, 3, 1): lambda: p.write_members(
            p.members.read_text()
            + "Grace Adeyemi,grace@foodbank.example.org,Food Bank,vcse,Coordinator,2027-03-01,\n"
        ),
        date(2027, 4, 1): lambda: _edit(
            p, LOCATION, LOCATION + "\ncancelled = [2027-06-29T10:30:00]"
        ),
        date(2027, 5, 1): lambda: p.write_members(
            "\n".join(x for x in p.members.read_text().splitlines() if DEV not in x) + "\n"
        ),
        date(2027, 6, 1): lambda: _edit(
            p,
            LOCATION,
            LOCATION + "\nmoved = [{ from = 2027-09-21T10:30:00, to = 2027-09-22T15:00:00 }]",
        ),
        # a change to the whole series and a date called off, in the same round
        date(2027, 10, 1): lambda: (
            _edit(p, "Willenhall Community Hub, or online", "Library, room 2"),
            _edit(
                p,
                "cancelled = [2027-06-29T10:30:00]",
                "cancelled = [2027-06-29T10:30:00, 2027-12-14T10:30:00]",
            ),
        ),
    }
    while clock.now() < datetime(2027, 12, 31, tzinfo=UTC):
        today = clock.now().date()
        for day in [d for d in happenings if d <= today]:
            happenings.pop(day)()
        services = build_services(p.config)
        await services.tick(clock.now())
        services.close()
        clock.advance(days=3)


def sent_calendars(p: Partnership) -> dict[tuple[str, str], list[tuple[str, bytes, str]]]:
    """(member, UID) -> [(kind, calendar part, sent at)] in the order they were sent."""
    archive = Archive(p.database)
    rows = archive.rows(
        "SELECT kind, recipient, raw, sent_at FROM outbox WHERE status = 'sent' "
        "ORDER BY sent_at, next_attempt_at, id"
    )
    archive.close()
    found: dict[tuple[str, str], list[tuple[str, bytes, str]]] = defaultdict(list)
    for row in rows:
        msg = email.message_from_bytes(row["raw"], policy=policy.default)
        assert isinstance(msg, EmailMessage)
        for part in msg.walk():
            if part.get_content_type() == "text/calendar":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                uid = str(Calendar.from_ical(payload).walk("VEVENT")[0]["UID"])
                found[row["recipient"], uid].append((row["kind"], payload, row["sent_at"]))
    return found


def starts_of(report: dict[str, Any]) -> list[datetime]:
    return [
        datetime.fromisoformat(i["utc"]).replace(tzinfo=UTC)
        for i in report["instances"]
        if i["status"] != "CANCELLED"
    ]


@pytest.mark.slow
async def test_a_year_of_calendar_mail_ends_right_in_every_members_calendar(
    partnership: Partnership, tmp_path: Path
) -> None:
    await live_through_2027(partnership)
    year = sent_calendars(partnership)
    calendars_end_right(year, tmp_path)
    roles_are_named_by_email_not_by_calendar(partnership, year)


def calendars_end_right(
    year: dict[tuple[str, str], list[tuple[str, bytes, str]]], tmp_path: Path
) -> None:
    # calendar mail is the series and its end only: no update of one meeting, ever
    kinds = {kind for messages in year.values() for kind, _, _ in messages}
    assert kinds == {"invite", "cancel"}
    expected_utc = [when.astimezone(UTC) for when in FINAL_REFLECTION]
    finals: dict[str, bytes] = {}
    for member in [*STAYING, DEV]:
        for uid, expected in ((REFLECTION, expected_utc), (GOVERNANCE, FINAL_GOVERNANCE)):
            messages = year[member, uid]
            sent_at = [at for _, _, at in messages]
            assert len(set(sent_at)) == len(sent_at), "one calendar message per round"
            report = sabre_apply(member, [ics for _, ics, _ in messages], tmp_path / member / uid)
            sequences = [step["seq"] for step in report["steps"]]
            assert sequences == sorted(set(sequences)), (member, uid, sequences)
            for step in report["steps"]:
                assert step["returned"] == "object", step
                assert not [w for w in step["validate"] if not w.startswith("1:")], step
                assert step["stored"][0].startswith("MASTER"), (member, uid, step)
            if member == DEV:
                assert report["steps"][-1]["method"] == "CANCEL"
                assert {i["status"] for i in report["instances"]} == {"CANCELLED"}
                continue
            assert all(step["method"] == "REQUEST" for step in report["steps"])
            assert starts_of(report) == [w.astimezone(UTC) for w in expected], (member, uid)
            if uid == REFLECTION:
                (last,) = report["steps"][-1:]
                assert last["stored"][0].endswith("EXDATE=2"), last
                assert [s.split(" SEQ")[0] for s in last["stored"]] == [
                    "MASTER",
                    "RID=2027-09-21 10:30",
                ]
                assert {i["location"] for i in report["instances"]} == {"Library, room 2"}
                assert not any("Chair:" in i["desc"] for i in report["instances"])
                finals[member] = report["final_serialized"].encode()

    # the joiner's first invitation was the series as it stood when she joined
    grace = year[GRACE, REFLECTION]
    assert grace[0][2].startswith("2027-03-0")
    # what Sabre stored reads the same elsewhere
    tom = finals[TOM]
    fresh = vobject_starts(tom, until=datetime(2028, 1, 1, tzinfo=UTC))
    assert [when for when, _ in fresh] == expected_utc
    expanded = recurring_ical_events.of(Calendar.from_ical(tom)).between(
        date(2027, 1, 1), date(2028, 1, 1)
    )
    assert [e["DTSTART"].dt.astimezone(UTC) for e in expanded] == expected_utc
    with RadicaleServer(tmp_path / "radicale") as server:
        for member, ics in finals.items():
            name = member.split("@")[0].replace(".", "-")
            server.store(name, "reflection", ics)
            found = server.expand(
                name, datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
            )
            assert [when for when, _ in found] == expected_utc, member


def roles_are_named_by_email_not_by_calendar(
    partnership: Partnership, year: dict[tuple[str, str], list[tuple[str, bytes, str]]]
) -> None:
    archive = Archive(partnership.database)
    notes = archive.rows(
        "SELECT recipient, occurrence, raw FROM outbox WHERE kind = 'role_note' ORDER BY id"
    )
    named = archive.rows("SELECT * FROM occurrence_roles ORDER BY occurrence")
    archive.close()
    by_meeting: dict[str, set[str]] = defaultdict(set)
    for row in notes:
        by_meeting[row["occurrence"]].add(row["recipient"])
        msg = email.message_from_bytes(row["raw"], policy=policy.default)
        assert isinstance(msg, EmailMessage)
        assert not [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    # the chair and the note-taker of each meeting held, and nobody else, got a note
    assert {r["occurrence"]: {r["chair"], r["note_taker"]} for r in named} == dict(by_meeting)
    assert len(by_meeting) >= 5
    for messages in year.values():
        for _, ics, _ in messages:
            assert b"Chair:" not in ics
