"""What ``reflect check`` shows of each meeting series: its next dates, in words.

The dates are the planner's own occurrences (``plan.occurrences``), cancelled
ones left out and moved ones where they now are, on the wall clock of the
partnership's time zone: what the convenor reads is what invitations and
prompts will be sent for, whether the series was written as ``rrule`` or as
``every`` and ``on``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduler.calendar.rhythm import in_words
from scheduler.inputs.config import Config, Meeting
from scheduler.plan.occurrences import occurrences_between
from scheduler.safety import printable

_LOOK_AHEAD = timedelta(days=366 * 30)  # far enough for three meetings of any rhythm allowed


def _how_it_repeats(meeting: Meeting) -> str:
    """The series' rhythm as the config wrote it: 'every 6 weeks, on Tuesday', or its rule."""
    if meeting.every:
        return f"every {meeting.every}" + (f", on {meeting.on}" if meeting.on else "")
    return f'rrule = "{meeting.rrule}"' if meeting.rrule else "once"


def next_dates(config: Config, now: datetime, count: int = 3) -> list[str]:
    """Lines saying each series' next ``count`` meetings after ``now``, in words."""
    tz = config.partnership.timezone
    lines = [f"Next meetings ({tz} time):"]
    for meeting in config.meetings:
        upcoming = occurrences_between(meeting, tz, now, now + _LOOK_AHEAD)[:count]
        lines.append(f'  "{printable(meeting.id)}" ({printable(_how_it_repeats(meeting))}):')
        lines.extend(f"    {in_words(occurrence.start)}" for occurrence in upcoming)
        if not upcoming:
            lines.append(f"    none after {in_words(now.astimezone(config.partnership.zone))}")
    return lines
