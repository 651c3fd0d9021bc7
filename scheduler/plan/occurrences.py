"""When a configured meeting actually happens: its held occurrences in a window (pure).

An occurrence's identity is its original start, even after a one-off move;
cancelled ones are skipped and not counted, so the questions cycle in order
across the meetings that are held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.calendar.rules import local_starts, localize
from scheduler.inputs.config import Config, Meeting


@dataclass(frozen=True)
class Occurrence:
    meeting_id: str
    original: datetime  # aware local original start: the occurrence's identity
    start: datetime  # aware local start after any move
    index: int  # 0-based among the series' held (not cancelled) occurrences


def occurrences_between(
    meeting: Meeting, tz_name: str, start: datetime, end: datetime
) -> list[Occurrence]:
    """Held occurrences whose (possibly moved) start is in [start, end), in order."""
    moves = dict(meeting.moved)
    cancelled = set(meeting.cancelled)
    # moved occurrences may land inside the window from outside it: widen by the moves
    spread = max((abs(b - a) for a, b in meeting.moved), default=timedelta(0))
    local_start = start.astimezone(localize(meeting.first, tz_name).tzinfo).replace(tzinfo=None)
    local_end = end.astimezone(localize(meeting.first, tz_name).tzinfo).replace(tzinfo=None)
    originals = local_starts(
        meeting.first, meeting.rrule, local_start - spread, local_end + spread, tz_name
    )
    if not originals:
        return []
    before = local_starts(meeting.first, meeting.rrule, meeting.first, originals[0], tz_name)
    index = len([d for d in before if d not in cancelled])
    found = []
    for original in originals:
        if original in cancelled:
            continue
        actual = localize(moves.get(original, original), tz_name)
        if start <= actual < end:
            found.append(Occurrence(meeting.id, localize(original, tz_name), actual, index))
        index += 1
    return found


def next_occurrences(
    config: Config, now: datetime, *, count: int = 3, horizon_days: int = 400
) -> list[tuple[Meeting, Occurrence]]:
    """The next few occurrences of every series, soonest first."""
    tz = config.partnership.timezone
    found: list[tuple[Meeting, Occurrence]] = []
    for meeting in config.meetings:
        upcoming = occurrences_between(meeting, tz, now, now + timedelta(days=horizon_days))
        found.extend((meeting, occ) for occ in upcoming[:count])
    return sorted(found, key=lambda pair: pair[1].start)
