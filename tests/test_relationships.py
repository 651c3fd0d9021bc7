"""Relationship weeks, newcomers' conversations and rotating roles, through the real service."""

from __future__ import annotations

import mailbox
from collections import Counter
from datetime import UTC, datetime, time
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import vobject
from icalendar import Calendar
from support.conversations import SIX, with_settings
from support.mailmaker import rsvp_email
from support.outbox import messages
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.clock import FixedClock

LONDON = ZoneInfo("Europe/London")
SECTOR = {
    "priya@grapevine.example.org": "vcse",
    "grace@foodbank.example.org": "vcse",
    "kwame@residents.example.net": "community",
    "tom@council.example.gov.uk": "statutory",
    "aoife@pcc.example.nhs.uk": "statutory",
    "dev@trust.example.nhs.uk": "statutory",
}


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
    first_sent = min(m["Date"].datetime for m in sent)
    # the first week bridges the sectors: each pair is voluntary/community with statutory
    # (with three on each side, a round-robin in which nobody meets anyone twice before
    # meeting everyone cannot make every week like this)
    for msg in sent:
        people, _slot = pair_of(msg)
        if msg["Date"].datetime == first_sent:
            assert len({SECTOR[x] == "statutory" for x in people}) == 2, people
    # slots in working hours on working days (tests/test_conversation_weeks.py: the rest)
    for _people, slot in map(pair_of, sent):
        local = slot.astimezone(LONDON)
        assert local.weekday() < 5 and time(9, 30) <= local.time() <= time(16, 0), local
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


CHAIRS_LINE = " chairs this one and "


def roles_line(msg: EmailMessage) -> str:
    """The question email's sentence naming the chair and the note-taker."""
    text = msg.get_body(("plain",)).get_content()
    return next(x for x in text.splitlines() if CHAIRS_LINE in x)


async def test_the_two_whose_turn_it_is_hear_by_email_and_calendars_stay(
    partnership: Partnership,
) -> None:
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 0\n\n[leadership]\nrotate_roles = true")
    # reflection points on 12 Jan and 23 Feb 2027, each named a week before
    await run(partnership, datetime(2027, 1, 1, 9, tzinfo=UTC), days=60, rebuild=True)
    notes = messages(partnership, "role_note")
    prompts = [m for m in messages(partnership, "prompt") if "Question" in str(m["Subject"])]
    assert messages(partnership, "roles") == []
    # naming a chair changes no meeting: nobody's calendar is sent anything for it
    # (each member's two invitations came in their first days, one a day, and none since)
    invites = messages(partnership, "invite")
    assert len(invites) == 2 * 6
    assert all(m["Date"].datetime < datetime(2027, 1, 4, tzinfo=UTC) for m in invites)
    # two notes per meeting, by email only, with the question that names the roles
    assert len(notes) == 4
    assert {m["Date"].datetime for m in notes} == {m["Date"].datetime for m in prompts}
    for msg in notes:
        assert not [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    said = {roles_line(m) for m in prompts}
    assert len(said) == 2, "everyone is told the same roles for a meeting"
    chairs = [m for m in notes if str(m["Subject"]).startswith("You chair the ")]
    takers = [m for m in notes if str(m["Subject"]).startswith("You take the notes at the ")]
    assert len(chairs) == len(takers) == 2
    assert str(chairs[0]["Subject"]) == (
        "You chair the Reflection point on Tue 12 Jan (Willenhall Together)"
    )
    for msg in chairs:
        (line,) = [x for x in said if x.startswith(msg["To"].addresses[0].display_name)]
        assert "your calendar stays as it is" in msg.get_body(("plain",)).get_content()
        assert line


async def roles_named_for_6_april(p: Partnership) -> str:
    """Run until 6 April's roles are named (on 30 March): the question email's sentence."""
    p.write_members(SIX)
    with_settings(p, "relationship_weeks = 0\n\n[leadership]\nrotate_roles = true")
    await run(p, datetime(2027, 3, 29, 9, tzinfo=UTC), days=3)
    prompts = [m for m in messages(p, "prompt") if "Question" in str(m["Subject"])]
    (named,) = {roles_line(m) for m in prompts if m["Date"].datetime.month == 3}
    return named


async def test_a_change_after_the_chair_is_named_sends_the_series_alone(
    partnership: Partnership,
) -> None:
    await roles_named_for_6_april(partnership)
    text = partnership.config.read_text()
    partnership.write_config(
        text.replace('location = "Willenhall Community Hub, or online"', 'location = "Town Hall"')
    )
    await run(partnership, datetime(2027, 4, 1, 9, tzinfo=UTC), days=1)
    updated = [m for m in messages(partnership, "invite") if "Reflection" in str(m["Subject"])]
    updated = [m for m in updated if calendar_of(m).vevent.location.value == "Town Hall"]
    assert len(updated) == len(SECTOR)
    for msg in updated:
        # the series, and no per-meeting override carrying a chair's name
        (event,) = calendar_of(msg).vevent_list
        assert not hasattr(event, "recurrence_id")
        assert "Chair:" not in event.description.value


async def test_calling_off_a_meeting_whose_chair_was_named_keeps_the_series(
    partnership: Partnership,
) -> None:
    await roles_named_for_6_april(partnership)
    held = {
        to(m): int(calendar_of(m).vevent.sequence.value)
        for m in messages(partnership, "invite")
        if "Reflection" in str(m["Subject"])
    }
    partnership.write_config(
        partnership.config.read_text().replace(
            'location = "Willenhall Community Hub, or online"',
            'location = "Willenhall Community Hub, or online"\ncancelled = [2027-04-06T10:00:00]',
        )
    )
    await run(partnership, datetime(2027, 4, 2, 9, tzinfo=UTC), days=1)
    assert messages(partnership, "cancel_occurrence") == []
    called_off = [
        m
        for m in messages(partnership, "invite")
        if str(m["Subject"]).startswith("Called off on Tuesday 6 April 2027")
    ]
    assert len(called_off) == len(SECTOR)
    for msg in called_off:
        (event,) = calendar_of(msg).vevent_list
        assert list(event.exdate.value) == [datetime(2027, 4, 6, 10, tzinfo=LONDON)]
        assert int(event.sequence.value) > held[to(msg)]


async def test_an_update_of_single_meetings_keeps_what_each_member_answered(
    partnership: Partnership,
) -> None:
    partnership.write_members(SIX)
    with_settings(partnership, "relationship_weeks = 0\n\n[leadership]\nrotate_roles = true")
    await run(partnership, datetime(2027, 1, 1, 9, tzinfo=UTC), days=3)  # invitations out
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
    await run(partnership, datetime(2027, 1, 4, 9, tzinfo=UTC), days=1)
    partnership.write_config(
        partnership.config.read_text().replace(
            'location = "Willenhall Community Hub, or online"',
            'location = "Willenhall Community Hub, or online"\n'
            "moved = [{ from = 2027-04-06T10:00:00, to = 2027-04-06T10:30:00 }]",
        )
    )
    await run(partnership, datetime(2027, 1, 5, 9, tzinfo=UTC), days=1)
    moved = [
        m
        for m in messages(partnership, "invite")
        if m["Date"].datetime.date().isoformat() == "2027-01-05"
        and "Reflection" in str(m["Subject"])
    ]
    answered = {to(m): calendar_of(m).vevent.attendee.params for m in moved}
    assert answered["tom@council.example.gov.uk"]["PARTSTAT"] == ["ACCEPTED"]
    assert "RSVP" not in answered["tom@council.example.gov.uk"]
    # an answer to one meeting is not an answer to the series
    assert answered["dev@trust.example.nhs.uk"]["PARTSTAT"] == ["NEEDS-ACTION"]
    assert answered["dev@trust.example.nhs.uk"]["RSVP"] == ["TRUE"]
    text = moved[0].get_body(("plain",)).get_content()
    assert "- Moved from Tuesday 6 April 10:00 to 10:30." in text


async def test_a_joiner_after_the_chair_is_named_gets_the_series_alone(
    partnership: Partnership,
) -> None:
    await roles_named_for_6_april(partnership)  # named on 30 March
    partnership.write_members(
        SIX + "Rosa Lind,rosa@food.example.org,Food Co-op,vcse,Organiser,2027-04-01,\n"
    )
    await run(partnership, datetime(2027, 4, 1, 9, tzinfo=UTC), days=2)
    to_rosa = {
        kind: [m for m in messages(partnership, kind) if to(m) == "rosa@food.example.org"]
        for kind in ("invite", "role_note")
    }
    (reflection,) = [m for m in to_rosa["invite"] if "Reflection" in str(m["Subject"])]
    (event,) = calendar_of(reflection).vevent_list
    assert not hasattr(event, "recurrence_id")
    assert to_rosa["role_note"] == []  # a newcomer takes no role


async def test_status_shows_who_chairs_the_coming_meeting(partnership: Partnership) -> None:
    from scheduler.reports.status import status_text

    named = await roles_named_for_6_april(partnership)
    chair, notes_by = named.removesuffix(" takes the notes.").split(CHAIRS_LINE)
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
    prompts = [m for m in messages(partnership, "prompt") if "Question" in str(m["Subject"])]
    named: dict[str, set[str]] = {}
    for msg in prompts:
        named.setdefault(msg["Date"].datetime.date().isoformat(), set()).add(roles_line(msg))
    # the questions (and the roles) go out a week before 12 Jan, 23 Feb and 6 Apr
    assert [day[:7] for day in sorted(named)] == ["2027-01", "2027-02", "2027-03"]
    (february,) = next(lines for day, lines in named.items() if day.startswith("2027-02"))
    assert "Rosa Lind" not in february  # three weeks after she joined
    notes = [m for m in messages(partnership, "role_note") if to(m) == "rosa@food.example.org"]
    assert [str(m["Subject"]) for m in notes if "23 Feb" in str(m["Subject"])] == []
