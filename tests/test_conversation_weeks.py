"""One-to-one conversations over ten simulated weeks with a newcomer, through the real
service: daily ticks, the invitations read back from the outbox Maildir by icalendar,
and a move asked for by reply updating both people's invitation."""

from __future__ import annotations

import asyncio
import itertools
import mailbox
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from icalendar import Calendar
from support.partnership import Partnership

from scheduler.app.services import build_services

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 11, 23, 9, tzinfo=UTC)
MEMBERS = """\
name,email,organisation,sector,role,joined,left
Priya Shah,priya.shah@grapevine.example.org,Grapevine,vcse,Convenor,2026-09-01,
Tom Okafor,tom.okafor@council.example.gov.uk,City Council,local_authority,Public health lead,2026-09-01,
Aoife O'Brien,aoife.obrien@pcc.example.nhs.uk,Primary Care Centre,primary_care,Practice manager,2026-09-01,
Dev Mistry,dev.mistry@trust.example.nhs.uk,Partnership Trust,nhs,Mental health lead,2026-09-01,
Grace Adeyemi,grace@foodbank.example.org,Food Bank,vcse,Coordinator,2026-09-01,
Kwame Mensah,kwame@residents.example.net,Residents,community,Researcher,2026-09-01,
Sam Newby,sam@clinic.example.nhs.uk,Clinic,nhs,Receptionist,2026-12-09,
"""


def tick_days(p: Partnership, start: datetime, days: int) -> None:
    for day in range(days):
        services = build_services(p.config)
        try:
            asyncio.run(services.tick(start + timedelta(days=day)))
        finally:
            services.close()


def invitations(p: Partnership) -> list[tuple[EmailMessage, str, int, datetime, frozenset[str]]]:
    """(message, UID, SEQUENCE, start, both attendees) of each conversation invitation."""
    box = mailbox.Maildir(p.outbox, create=False)
    found = []
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        if str(msg["X-Reflect-Kind"]) != "conversation":
            continue
        part = next(q for q in msg.walk() if q.get_content_type() == "text/calendar")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        event = next(iter(Calendar.from_ical(payload).walk("VEVENT")))
        people = frozenset(str(a).lower().removeprefix("mailto:") for a in event.get("ATTENDEE"))
        found.append(
            (
                msg,
                str(event["UID"]),
                int(event.get("SEQUENCE", 0)),
                event.decoded("DTSTART"),
                people,
            )
        )
    return found


def latest(
    found: list[tuple[EmailMessage, str, int, datetime, frozenset[str]]],
) -> dict[str, tuple[datetime, frozenset[str]]]:
    best: dict[str, tuple[int, datetime, frozenset[str]]] = {}
    for _msg, uid, sequence, start, people in found:
        if uid not in best or sequence > best[uid][0]:
            best[uid] = (sequence, start, people)
    return {uid: (start, people) for uid, (_s, start, people) in best.items()}


def test_ten_weeks_with_a_newcomer_fit_a_working_week(partnership: Partnership) -> None:
    partnership.write_members(MEMBERS)
    partnership.write_config(
        partnership.config.read_text().replace("relationship_weeks = 0", "relationship_weeks = 10")
    )
    tick_days(partnership, START, 70)
    talks = latest(invitations(partnership))
    newcomer = [uid for uid, (_s, people) in talks.items() if "sam@clinic.example.nhs.uk" in people]
    assert len(newcomer) >= 3 + 4  # the newcomer's own three, and weekly rounds since joining
    diary: dict[str, list[datetime]] = defaultdict(list)
    for start, people in talks.values():
        for who in people:
            diary[who].append(start)
    for who, starts in diary.items():
        starts.sort()
        for one, two in itertools.pairwise(starts):
            assert two - one >= timedelta(minutes=30), f"{who} double-booked at {one}"
    local = [start.astimezone(LONDON) for start, _p in talks.values()]
    assert all(s.weekday() < 5 and 9 <= s.hour < 17 for s in local)
    assert len({s.weekday() for s in local}) >= 3
    assert len({s.time() for s in local}) >= 4
    reflection = datetime(2027, 1, 12, 10, tzinfo=LONDON)  # the reflection point, 90 minutes
    for s in local:
        assert not (reflection - timedelta(minutes=30) < s < reflection + timedelta(minutes=120))


def test_a_move_by_reply_updates_both(partnership: Partnership) -> None:
    partnership.write_members(MEMBERS)
    partnership.write_config(
        partnership.config.read_text().replace("relationship_weeks = 0", "relationship_weeks = 2")
    )
    tick_days(partnership, START, 1)
    found = invitations(partnership)
    msg, uid, sequence, _start, people = found[0]
    me = msg["To"].addresses[0].addr_spec.lower()
    assert sequence == 0
    reply = (
        f"From: {me}\r\nTo: reflect@reflect.example.org\r\nSubject: Re: {msg['Subject']}\r\n"
        f"In-Reply-To: {msg['Message-ID']}\r\nMessage-ID: <move-1@members.example>\r\n"
        "Date: Mon, 23 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Could we do Thursday 14:00 instead? Wednesday is full for me.\r\n"
    ).encode()
    mailbox.Maildir(partnership.inbox, create=True).add(reply)
    tick_days(partnership, START + timedelta(hours=4), 2)
    updates = [f for f in invitations(partnership) if f[1] == uid and f[2] > 0]
    assert sorted(f[0]["To"].addresses[0].addr_spec.lower() for f in updates) == sorted(people)
    for update_msg, _uid, seq, new_start, both in updates:
        assert seq == 1 and both == people
        assert new_start.astimezone(LONDON) == datetime(2026, 11, 26, 14, tzinfo=LONDON)
        text = update_msg.get_body(("plain",)).get_content()
        assert "has moved" in text and "Thursday 26 November" in text
