"""Calendar replies: each attendee's answer (METHOD:REPLY), and a proposal of
another time (METHOD:COUNTER), read from a message's text/calendar parts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from email.message import Message

import icalendar

from .mime import ReadNotes, decode_text, part_bytes, part_text
from .types import Rsvp


def _aware(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    return None


def rsvps_of(
    leaves: list[Message], notes: ReadNotes, *, method: str = "REPLY"
) -> tuple[Rsvp, ...] | None:
    """RSVPs from the first ``text/calendar`` part with METHOD:REPLY, or None.

    With ``method="COUNTER"``, the attendees' counter-proposals instead.
    """
    for part in leaves:
        is_calendar = part.get_content_type() in {"text/calendar", "application/ics"}
        name = ""
        try:
            name = (part.get_filename() or "").lower()
        except Exception:  # a broken filename parameter must not stop us
            name = ""
        if not (is_calendar or name.endswith(".ics")):
            continue
        text = (
            part_text(part, notes)
            if is_calendar
            else decode_text(part_bytes(part, notes), "utf-8", notes)
        )
        if f"METHOD:{method}" not in text.upper().replace(" ", ""):
            continue
        try:
            calendars = icalendar.Calendar.from_ical(text[:1_000_000], multiple=True)
        except Exception as exc:
            notes.add(f"an RSVP calendar part could not be read ({type(exc).__name__})")
            continue
        found: list[Rsvp] = []
        for cal in calendars:
            if str(cal.get("METHOD", "")).upper() != method:
                continue
            for event in cal.walk("VEVENT")[:100]:
                found.extend(_event_rsvps(event, notes))
        if found:
            return tuple(found)
    return None


def _event_rsvps(event: icalendar.cal.Component, notes: ReadNotes) -> list[Rsvp]:
    uid = str(event.get("UID", ""))
    attendees = event.get("ATTENDEE")
    if attendees is None:
        notes.add("an RSVP event has no ATTENDEE")
        return []
    if not isinstance(attendees, list):
        attendees = [attendees]
    recurrence = None
    rid = event.get("RECURRENCE-ID")
    if rid is not None:
        recurrence = _aware(getattr(rid, "dt", None))
    try:
        sequence = int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        sequence = 0
    comment = str(event.get("COMMENT", "") or "")
    result: list[Rsvp] = []
    for attendee in attendees:
        address = str(attendee).strip()
        if address.lower().startswith("mailto:"):
            address = address[7:]
        params = getattr(attendee, "params", {})
        partstat = str(params.get("PARTSTAT", "NEEDS-ACTION")).upper()
        note = comment or str(params.get("X-RESPONSE-COMMENT", "") or "")
        result.append(Rsvp(uid, address.strip().lower(), partstat, recurrence, sequence, note))
    return result


def summarise_rsvps(rsvps: tuple[Rsvp, ...]) -> str:
    """One line per RSVP, e.g. ``aisha@example.org ACCEPTED (2027-01-12 10:00 UTC)``."""
    lines = []
    for rsvp in rsvps:
        when = f" ({rsvp.recurrence_id:%Y-%m-%d %H:%M %Z})" if rsvp.recurrence_id else ""
        lines.append(f"{rsvp.attendee} {rsvp.partstat}{when}")
    return "\n".join(lines)
