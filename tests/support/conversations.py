"""Six members across sectors with relationship weeks on, ticked a day at a time, and the
one-to-one conversation invitations they were sent."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from scheduler.app.services import build_services
from scheduler.clock import FixedClock
from support.outbox import messages
from support.partnership import Partnership

SIX = """\
name,email,organisation,sector,role,joined,left
Priya Shah,priya@grapevine.example.org,Grapevine,vcse,Convenor,2026-09-01,
Grace Adeyemi,grace@foodbank.example.org,Food Bank,vcse,Coordinator,2026-09-01,
Kwame Mensah,kwame@residents.example.net,Residents,community,Researcher,2026-09-01,
Tom Okafor,tom@council.example.gov.uk,City Council,local_authority,Public health,2026-09-01,
Aoife Byrne,aoife@pcc.example.nhs.uk,Primary Care Centre,primary_care,Practice manager,2026-09-01,
Dev Mistry,dev@trust.example.nhs.uk,NHS Trust,nhs,Mental health lead,2026-09-01,
"""
NAMES = {line.split(",")[1]: line.split(",")[0] for line in SIX.splitlines()[1:]}
START = datetime(2026, 11, 23, 9, tzinfo=UTC)


def with_settings(p: Partnership, text: str) -> None:
    """Replace the example config's ``relationship_weeks = 0`` line with ``text``."""
    p.write_config(p.config.read_text().replace("relationship_weeks = 0", text))


async def run_days(p: Partnership, start: datetime, days: int) -> datetime:
    """Tick once a day from ``start``; returns the moment after the last tick."""
    clock = FixedClock(start)
    services = build_services(p.config)
    for _ in range(days):
        await services.tick(clock.now())
        clock.advance(days=1)
    services.close()
    return clock.now()


def conversation_invites(p: Partnership) -> list[tuple[str, str, frozenset[str]]]:
    """(recipient, UID, both attendees) of each conversation invitation sent."""
    found = []
    for msg in messages(p, "conversation"):
        part = next(q for q in msg.walk() if q.get_content_type() == "text/calendar")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        event = next(iter(Calendar.from_ical(payload).walk("VEVENT")))
        attendees = event.get("ATTENDEE")
        people = frozenset(str(a).lower().removeprefix("mailto:") for a in attendees)
        found.append((msg["To"].addresses[0].addr_spec.lower(), str(event["UID"]), people))
    return found
