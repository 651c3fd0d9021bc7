"""Relationship weeks, newcomers' conversations and rotating roles, through the real service."""

from __future__ import annotations

import mailbox
from collections import Counter
from datetime import UTC, datetime, time
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import vobject
from conftest import Partnership
from icalendar import Calendar

from scheduler.clock import FixedClock
from scheduler.services import build_services

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
