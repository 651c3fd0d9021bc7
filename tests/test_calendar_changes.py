"""What an updated invitation says has changed, in the words a member reads."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from scheduler.compose.calendar_changes import series_changes
from scheduler.inputs.config import Meeting


def wall(*parts: int) -> datetime:
    return datetime(*parts)  # noqa: DTZ001 - meetings hold local wall-clock times


BEFORE = Meeting(
    id="reflection",
    kind="reflection",
    title="Reflection point",
    first=wall(2027, 1, 12, 10, 0),
    duration=timedelta(minutes=90),
    rrule="FREQ=WEEKLY;INTERVAL=6",
    location="Willenhall Community Hub",
)
NOW = wall(2027, 2, 1, 9, 0)


def test_a_date_called_off_changes_single_meetings_only() -> None:
    after = dataclasses.replace(BEFORE, cancelled=(wall(2027, 7, 6, 10, 0),))
    changes = series_changes(BEFORE, after, now=NOW)
    assert changes.lines == ("Called off: Tuesday 6 July.",)
    assert changes.called_off == (wall(2027, 7, 6, 10, 0),)
    assert changes.only_meetings


def test_a_meeting_moved_the_same_day_or_to_another() -> None:
    after = dataclasses.replace(
        BEFORE,
        moved=(
            (wall(2027, 3, 2, 10, 0), wall(2027, 3, 2, 10, 30)),
            (wall(2027, 4, 13, 10, 0), wall(2027, 4, 14, 15, 0)),
        ),
    )
    changes = series_changes(BEFORE, after, now=NOW)
    assert changes.lines == (
        "Moved from Tuesday 2 March 10:00 to 10:30.",
        "Moved from Tuesday 13 April 10:00 to Wednesday 14 April 15:00.",
    )
    assert changes.only_meetings and changes.called_off == ()


def test_a_move_moved_again_says_from_where_it_was() -> None:
    before = dataclasses.replace(
        BEFORE, moved=((wall(2027, 3, 2, 10, 0), wall(2027, 3, 2, 10, 30)),)
    )
    after = dataclasses.replace(BEFORE, moved=((wall(2027, 3, 2, 10, 0), wall(2027, 3, 2, 11, 0)),))
    assert series_changes(before, after, now=NOW).lines == (
        "Moved from Tuesday 2 March 10:30 to 11:00.",
    )


def test_changes_to_the_whole_series_are_not_single_meetings() -> None:
    after = dataclasses.replace(BEFORE, first=wall(2027, 1, 12, 10, 30), location="Library")
    changes = series_changes(BEFORE, after, now=NOW)
    assert changes.lines == (
        "Every meeting moved from 10:00 to 10:30.",
        "Now at Library (was Willenhall Community Hub).",
    )
    assert not changes.only_meetings


def test_what_is_past_or_undone_is_said_plainly() -> None:
    before = dataclasses.replace(BEFORE, cancelled=(wall(2027, 7, 6, 10, 0),))
    after = dataclasses.replace(BEFORE, cancelled=(wall(2027, 1, 12, 10, 0),))
    # 12 January is past: not worth a line; 6 July is back on
    assert series_changes(before, after, now=NOW).lines == ("Back on: Tuesday 6 July 10:00.",)
