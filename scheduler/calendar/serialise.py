"""Writing a calendar's bytes, each shared VTIMEZONE's lines only once."""

from __future__ import annotations

import icalendar

_ZONE_LINES: dict[int, tuple[icalendar.Component, bytes]] = {}


_END = b"END:VCALENDAR\r\n"


def serialise(calendar: icalendar.Calendar) -> bytes:
    """``calendar.to_ical()``, writing each shared VTIMEZONE only once.

    ``vtimezone_for`` caches its components and they are read-only, so their
    lines are the same in every message, and writing them was half the cost
    of an invitation. Content lines are written one by one, so the calendar's
    bytes are its own lines with each subcomponent's bytes in place.
    """
    parts = calendar.subcomponents
    if not any(part.name == "VTIMEZONE" for part in parts):
        data: bytes = calendar.to_ical()
        return data
    calendar.subcomponents = []
    try:
        shell: bytes = calendar.to_ical()
    finally:
        calendar.subcomponents = parts
    if not shell.endswith(_END):  # pragma: no cover - icalendar always ends so
        whole: bytes = calendar.to_ical()
        return whole
    body = b"".join(_zone_lines(p) if p.name == "VTIMEZONE" else p.to_ical() for p in parts)
    return shell[: -len(_END)] + body + _END


def _zone_lines(zone: icalendar.Component) -> bytes:
    known = _ZONE_LINES.get(id(zone))
    if known is not None and known[0] is zone:
        return known[1]
    if len(_ZONE_LINES) > 64:
        _ZONE_LINES.clear()
    data: bytes = zone.to_ical()
    _ZONE_LINES[id(zone)] = (zone, data)  # keeping the zone keeps its id unique
    return data
