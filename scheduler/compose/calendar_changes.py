"""What changed between the series a member holds and the series we send now, in words.

Pure: given the two ``Meeting``s (naive local wall-clock times) and the local
time now, ``series_changes`` lists what a member should be told ("Moved from
Tuesday 2 March 10:00 to 10:30", "Called off: Tuesday 6 July") and whether
only single meetings changed, so the update can keep the member's answer.
Imports only ``config`` (for ``Meeting``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.inputs.config import Meeting

__all__ = ["SeriesChanges", "series_changes"]


@dataclass(frozen=True)
class SeriesChanges:
    lines: tuple[str, ...]  # one sentence per change, for the email
    called_off: tuple[datetime, ...]  # dates newly called off (naive local), still to come
    only_meetings: bool  # nothing changed but single meetings (called off, moved, restored)


def _day(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B}"


def _at(moment: datetime) -> str:
    return f"{_day(moment)} {moment:%H:%M}"


def _span(meeting: Meeting) -> str:
    end = meeting.first + meeting.duration
    return f"{meeting.first:%H:%M}–{end:%H:%M}"


def _series_lines(before: Meeting, after: Meeting) -> list[str]:
    lines = []
    if before.title != after.title:
        lines.append(f"Now called {after.title} (was {before.title}).")
    same_pattern = before.rrule == after.rrule and before.first.date() == after.first.date()
    if not same_pattern:
        lines.append(
            f"New pattern: first meeting {_at(after.first)}, repeating {after.rrule or 'never'} "
            f"(was from {_at(before.first)}, {before.rrule or 'once'})."
        )
    elif _span(before) != _span(after):
        if before.duration == after.duration:
            lines.append(f"Every meeting moved from {before.first:%H:%M} to {after.first:%H:%M}.")
        else:
            lines.append(f"Every meeting now {_span(after)} (was {_span(before)}).")
    if before.location != after.location:
        was = before.location or "no place given"
        lines.append(f"Now at {after.location or 'a place to be confirmed'} (was {was}).")
    if before.description != after.description:
        lines.append("The description has changed.")
    return lines


def series_changes(before: Meeting, after: Meeting, *, now: datetime) -> SeriesChanges:
    """What is new in ``after`` compared with ``before``, about meetings after ``now``.

    ``now`` is naive local time, like the meetings' times.
    """
    series_lines = _series_lines(before, after)
    lines = list(series_lines)
    old_off, new_off = set(before.cancelled), set(after.cancelled)
    old_moves, new_moves = dict(before.moved), dict(after.moved)
    called_off = tuple(sorted(when for when in new_off - old_off if when >= now))
    for original, target in sorted(new_moves.items()):
        if old_moves.get(original) == target or max(original, target) < now:
            continue
        was = old_moves.get(original, original)
        same_day = was.date() == target.date()
        lines.append(
            f"Moved from {_at(was)} to {target:%H:%M}."
            if same_day
            else f"Moved from {_at(was)} to {_at(target)}."
        )
    for original in sorted(set(old_moves) - set(new_moves)):
        if original >= now and original not in new_off:
            lines.append(f"Back at its usual time: {_at(original)}.")
    lines.extend(f"Called off: {_day(when)}." for when in called_off)
    lines.extend(f"Back on: {_at(when)}." for when in sorted(old_off - new_off) if when >= now)
    return SeriesChanges(
        lines=tuple(lines),
        called_off=called_off,
        only_meetings=not series_lines and before.rrule == after.rrule,
    )
