"""Relationship weeks, newcomers' conversations and rotating roles, through the real service."""

from __future__ import annotations

import mailbox
from collections import Counter
from datetime import UTC, datetime, time
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import recurring_ical_events
import vobject
from conftest import Partnership
from icalendar import Calendar
from mailmaker import rsvp_email

from scheduler.app.services import build_services
from scheduler.clock import FixedClock

LONDON = ZoneInfo("Europe/London")
SIX = """\
name,email,organisation,sector,role,joined,left
Priya Shah,priya@grapevine.example.org,Grapevine,vcse,Convenor,2026-09-01,
Grace Adeyemi,grace@foodbank.example.org,Food Bank,vcse,Coordinator,2026-09-01,
Kwame Mensah,kwame@residents.example.net,Residents,community,Researcher,2026-09-01,
Tom Okafor,tom@council.example.gov.uk,City Council,local_authority,Public health,2026-09-01,
Aoife Byrne,aoife@pcc.example.nhs.uk,Primary Care Centre,primary_care,Practice manager,2026-09-01,
Dev Mistry,dev@trust.example.nhs.uk,NHS Trust,nhs,Mental health lead,2026-09-01,
"""
SECTOR = {
    "priya@grapevine.example.org": "vcse",
    "grace@foodbank.example.org": "vcse",
    "kwame@residents.example.net": "community",
    "tom@council.example.gov.uk": "statutory",
    "aoife@pcc.example.nhs.uk": "statutory",
    "dev@trust.example.nhs.uk": "statutory",
}


def with_settings(p: Partnership, text: str) -> None:
    p.write_config(p.config.read_text().replace("relationship_weeks = 0", text))


def messages(p: Partnership, kind: str) -> list[EmailMessage]:
    box = mailbox.Maildir(p.outbox, create=False)
    found = []
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        if str(msg["X-Reflect-Kind"]) == kind:
            found.append(msg)
    return sorted(found, key=lambda m: (m["Date"].datetime, str(m["To"])))


def pair_of(msg: EmailMessage) -> tuple[frozenset[str], datetime]:
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    vcal = vobject.readOne(payload.decode())
    attendees = frozenset(
        a.value.lower().removeprefix("mailto:") for a in vcal.vevent.attendee_list
    )
    event = next(iter(Calendar.from_ical(payload).walk("VEVENT")))
    return attendees, event["DTSTART"].dt


async def run(p: Partnership, start: datetime, days: int, *, rebuild: bool = False) -> None:
    clock = FixedClock(start)
    services = build_services(p.config)
    for _ in range(days):
        await services.tick(clock.now())
        if rebuild:  # a restart between ticks changes nothing
            services.close()
            services = build_services(p.config)
        clock.advance(days=1)
    services.close()


async def test_relationship_weeks_pair_everyone_across_sectors_without_repeats(
    partnership: Partnership,
) -> None:
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 3")
    await run(partnership, datetime(2026, 11, 23, 9, tzinfo=UTC), days=35, rebuild=True)
    sent = messages(partnership, "conversation")
    pairs = Counter(pair_of(m)[0] for m in sent)
    # three weekly rounds of three pairs; each pair told twice (once each), never repeated
    assert len(sent) == 18 and len(pairs) == 9 and set(pairs.values()) == {2}
    slots = sorted({pair_of(m)[1] for m in sent})
    # the first week bridges the sectors: each pair is voluntary/community with statutory
    # (with three on each side, a round-robin in which nobody meets anyone twice before
    # meeting everyone cannot make every week like this)
    for people, slot in map(pair_of, sent):
        if slot == slots[0]:
            assert len({SECTOR[x] == "statutory" for x in people}) == 2, people
    assert all(s.astimezone(LONDON).time() == time(12, 30) and s.weekday() == 2 for s in slots)
    # everyone's own copy lists both people, and says who the other is
    first = sent[0]
    people, _ = pair_of(first)
    me = first["To"].addresses[0].addr_spec
    assert me in people
    assert str(first["Subject"]).startswith("A conversation with ")


async def test_a_newcomer_gets_three_conversations_and_nobody_else_is_disturbed(
    partnership: Partnership,
) -> None:
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 1")
    await run(partnership, datetime(2026, 11, 23, 9, tzinfo=UTC), days=10)
    before = len(messages(partnership, "conversation"))
    partnership.write_members(
        SIX + "Rosa Lind,rosa@trust.example.nhs.uk,NHS Trust,nhs,Nurse,2026-12-10,\n"
    )
    await run(partnership, datetime(2026, 12, 3, 9, tzinfo=UTC), days=20, rebuild=True)
    new = messages(partnership, "conversation")[before:]
    to_rosa = [m for m in new if "rosa@" in str(m["To"])]
    assert len(to_rosa) == 3 and len(new) == 6
    partners = {next(iter(pair_of(m)[0] - {"rosa@trust.example.nhs.uk"})) for m in to_rosa}
    assert len(partners) == 3
    assert "dev@trust.example.nhs.uk" not in partners  # not her own organisation
    body = to_rosa[0].get_body(("plain",)).get_content()
    assert "To help you find your feet" in body


async def test_chair_and_note_taker_rotate_across_organisations(partnership: Partnership) -> None:
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 0\n\n[leadership]\nrotate_roles = true")
    # five reflection points: 12 Jan, 23 Feb, 6 Apr, 18 May, 29 Jun 2027
    await run(partnership, datetime(2027, 1, 1, 9, tzinfo=UTC), days=180, rebuild=False)
    prompts = [m for m in messages(partnership, "prompt") if "Question" in str(m["Subject"])]
    chairs: dict[str, set[str]] = {}
    for msg in prompts:
        text = msg.get_body(("plain",)).get_content()
        line = next(x for x in text.splitlines() if " chairs this one and " in x)
        chairs.setdefault(str(msg["Subject"]), set()).add(line)
    # everyone is told the same roles for a meeting
    assert all(len(lines) == 1 for lines in chairs.values()) and len(chairs) == 5
    chair_orgs = [next(iter(lines)).split(" chairs ")[0] for lines in chairs.values()]
    assert len(set(chair_orgs)) == 5, "five meetings, five different organisations chair"


SERIES_DOMAIN = "willenhall-together@reflect.example.org"


def calendar_of(msg: EmailMessage) -> vobject.base.Component:
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return vobject.readOne(payload.decode())


def to(msg: EmailMessage) -> str:
    return str(msg["To"].addresses[0].addr_spec)


async def test_each_meetings_calendar_entry_names_its_chair(partnership: Partnership) -> None:
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 0\n\n[leadership]\nrotate_roles = true")
    # reflection points on 12 Jan and 23 Feb 2027, each named a week before
    await run(partnership, datetime(2027, 1, 1, 9, tzinfo=UTC), days=60, rebuild=True)
    invites = {
        (to(m), calendar_of(m).vevent.uid.value): calendar_of(m)
        for m in messages(partnership, "invite")
    }
    updates = messages(partnership, "roles")
    prompts = [m for m in messages(partnership, "prompt") if "Question" in str(m["Subject"])]

    # everyone is told once per meeting, when the question for it goes out
    assert Counter(to(m) for m in updates) == {email: 2 for email in SECTOR}
    assert {m["Date"].datetime for m in updates} == {m["Date"].datetime for m in prompts}
    said_in_prompts = {
        next(x for x in m.get_body(("plain",)).get_content().splitlines() if " chairs " in x)
        for m in prompts
    }
    notes: dict[datetime, set[str]] = {}
    for msg in updates:
        card = calendar_of(msg)
        (event,) = card.vevent_list  # this meeting only, not the series again
        series = invites[to(msg), event.uid.value].vevent
        assert event.uid.value.startswith("reflection.")
        assert card.method.value == "REQUEST"
        assert event.uid.value == series.uid.value
        assert int(event.sequence.value) > int(series.sequence.value)
        assert not hasattr(event, "rrule")
        when = event.recurrence_id.value
        assert event.dtstart.value == when and when.tzinfo is not None
        notes.setdefault(when, set()).add(event.description.value.splitlines()[0])
    assert sorted(notes) == [
        datetime(2027, 1, 12, 10, tzinfo=LONDON),
        datetime(2027, 2, 23, 10, tzinfo=LONDON),
    ]
    assert all(len(said) == 1 for said in notes.values()), "everyone is told the same"
    # the calendar says what the question email said: "X (Org) chairs this one and Y (Org) ..."
    for (note,) in notes.values():
        chair, notes_by = note.removeprefix("Chair: ").removesuffix(".").split(". Notes: ")
        assert f"{chair} chairs this one and {notes_by} takes the notes." in said_in_prompts
    # the chair's own email says so plainly
    chairs = [m for m in updates if str(m["Subject"]).startswith("You chair the ")]
    assert len(chairs) == 2
    assert str(chairs[0]["Subject"]) == (
        "You chair the Reflection point on Tue 12 Jan (Willenhall Together)"
    )
    # a calendar holding the series and the update shows the chair on that date alone
    tom = "tom@council.example.gov.uk"
    calendar = Calendar.from_ical(invites[tom, "reflection." + SERIES_DOMAIN].serialize())
    for msg in updates:
        if to(msg) == tom:
            calendar.add_component(
                Calendar.from_ical(calendar_of(msg).serialize()).walk("VEVENT")[0]
            )
    held = recurring_ical_events.of(calendar).between((2027, 1, 1), (2027, 4, 1))
    described = [str(e["DESCRIPTION"]).split("\n")[0] for e in held]
    assert [d.startswith("Chair: ") for d in described] == [True, True]


async def roles_named_for_6_april(p: Partnership) -> tuple[str, int]:
    """Run until 6 April's roles are named (on 30 March): the note and its SEQUENCE."""
    p.write_members(SIX)
    with_settings(p, "relationship_weeks = 0\n\n[leadership]\nrotate_roles = true")
    await run(p, datetime(2027, 3, 29, 9, tzinfo=UTC), days=3)
    updates = [calendar_of(m).vevent for m in messages(p, "roles")]
    (named,) = {event.description.value.splitlines()[0] for event in updates}
    return named, max(int(event.sequence.value) for event in updates)


async def test_a_named_chair_survives_a_change_to_the_series(partnership: Partnership) -> None:
    named, _ = await roles_named_for_6_april(partnership)
    text = partnership.config.read_text()
    partnership.write_config(
        text.replace('location = "Willenhall Community Hub, or online"', 'location = "Town Hall"')
    )
    await run(partnership, datetime(2027, 4, 1, 9, tzinfo=UTC), days=1)
    updated = [m for m in messages(partnership, "invite") if "Reflection" in str(m["Subject"])]
    updated = [m for m in updated if calendar_of(m).vevent.location.value == "Town Hall"]
    assert len(updated) == len(SECTOR)
    for msg in updated:
        # the series sent again still says who chairs 6 April (or Outlook would forget it)
        (override,) = [e for e in calendar_of(msg).vevent_list if hasattr(e, "recurrence_id")]
        assert override.recurrence_id.value == datetime(2027, 4, 6, 10, tzinfo=LONDON)
        assert override.description.value.splitlines()[0] == named
        assert override.location.value == "Town Hall"


async def test_calling_off_a_meeting_whose_chair_was_named_outranks_that_update(
    partnership: Partnership,
) -> None:
    _, roles_sequence = await roles_named_for_6_april(partnership)
    partnership.write_config(
        partnership.config.read_text().replace(
            'location = "Willenhall Community Hub, or online"',
            'location = "Willenhall Community Hub, or online"\ncancelled = [2027-04-06T10:00:00]',
        )
    )
    await run(partnership, datetime(2027, 4, 2, 9, tzinfo=UTC), days=1)
    called_off = messages(partnership, "cancel_occurrence")
    assert len(called_off) == len(SECTOR)
    for msg in called_off:
        event = calendar_of(msg).vevent
        assert event.recurrence_id.value == datetime(2027, 4, 6, 10, tzinfo=LONDON)
        # above the update that named the chair, or Outlook may keep the meeting
        assert int(event.sequence.value) > roles_sequence


async def test_a_meetings_update_keeps_what_each_member_answered(partnership: Partnership) -> None:
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 0\n\n[leadership]\nrotate_roles = true")
    await run(partnership, datetime(2027, 1, 1, 9, tzinfo=UTC), days=1)
    inbox = mailbox.Maildir(partnership.inbox, create=True)
    uid = "reflection." + SERIES_DOMAIN
    # Tom accepts the whole series in Outlook; Dev declines 23 February alone in Google
    inbox.add(
        rsvp_email(
            uid=uid,
            attendee="tom@council.example.gov.uk",
            name="Tom Okafor",
            partstat="ACCEPTED",
            style="outlook",
        )
    )
    inbox.add(
        rsvp_email(
            uid=uid,
            attendee="dev@trust.example.nhs.uk",
            name="Dev Mistry",
            partstat="DECLINED",
            style="google",
            occurrence="20270223T100000",
        )
    )
    await run(partnership, datetime(2027, 1, 2, 9, tzinfo=UTC), days=50)
    answered: dict[tuple[str, datetime], str] = {}
    for msg in messages(partnership, "roles"):
        event = calendar_of(msg).vevent
        answered[to(msg), event.recurrence_id.value] = event.attendee.params["PARTSTAT"][0]
    january, february = (
        datetime(2027, 1, 12, 10, tzinfo=LONDON),
        datetime(2027, 2, 23, 10, tzinfo=LONDON),
    )
    assert answered["tom@council.example.gov.uk", january] == "ACCEPTED"
    assert answered["tom@council.example.gov.uk", february] == "ACCEPTED"
    assert answered["dev@trust.example.nhs.uk", january] == "NEEDS-ACTION"
    assert answered["dev@trust.example.nhs.uk", february] == "DECLINED"
    assert answered["grace@foodbank.example.org", february] == "NEEDS-ACTION"


async def test_a_joiner_after_the_chair_is_named_finds_it_in_their_invitation(
    partnership: Partnership,
) -> None:
    named, _ = await roles_named_for_6_april(partnership)  # named on 30 March
    partnership.write_members(
        SIX + "Rosa Lind,rosa@food.example.org,Food Co-op,vcse,Organiser,2027-04-01,\n"
    )
    await run(partnership, datetime(2027, 4, 1, 9, tzinfo=UTC), days=2)
    to_rosa = {
        kind: [m for m in messages(partnership, kind) if to(m) == "rosa@food.example.org"]
        for kind in ("invite", "roles")
    }
    (reflection,) = [m for m in to_rosa["invite"] if "Reflection" in str(m["Subject"])]
    (override,) = [e for e in calendar_of(reflection).vevent_list if hasattr(e, "recurrence_id")]
    assert override.recurrence_id.value == datetime(2027, 4, 6, 10, tzinfo=LONDON)
    assert override.description.value.splitlines()[0] == named
    assert to_rosa["roles"] == []  # her invitation says it already: no second email


async def test_status_shows_who_chairs_the_coming_meeting(partnership: Partnership) -> None:
    from scheduler.reports.status import status_text

    named, _ = await roles_named_for_6_april(partnership)
    chair, notes_by = named.removeprefix("Chair: ").removesuffix(".").split(". Notes: ")
    services = build_services(partnership.config)
    text = status_text(services.config, services.archive, datetime(2027, 4, 1, 9, tzinfo=UTC))
    services.close()
    lines = text.splitlines()
    at = lines.index("  Tue 06 Apr 2027 10:00  Reflection point")
    assert lines[at + 1] == f"    chair: {chair}; notes: {notes_by}"


async def test_a_newcomer_takes_no_role_in_their_first_four_weeks(partnership: Partnership) -> None:
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 0\n\n[leadership]\nrotate_roles = true")
    await run(partnership, datetime(2027, 1, 1, 9, tzinfo=UTC), days=20)
    # Rosa is listed now and joins on 1 February, three weeks before the next meeting
    partnership.write_members(
        SIX + "Rosa Lind,rosa@food.example.org,Food Co-op,vcse,Organiser,2027-02-01,\n"
    )
    await run(partnership, datetime(2027, 1, 21, 9, tzinfo=UTC), days=80)
    named = {
        calendar_of(m).vevent.recurrence_id.value.date().isoformat(): calendar_of(
            m
        ).vevent.description.value.splitlines()[0]
        for m in messages(partnership, "roles")
    }
    assert sorted(named) == ["2027-01-12", "2027-02-23", "2027-04-06"]
    assert "Rosa Lind" not in named["2027-02-23"]  # three weeks after she joined
    assert named["2027-02-23"].startswith("Chair: ") and " Notes: " in named["2027-02-23"]
