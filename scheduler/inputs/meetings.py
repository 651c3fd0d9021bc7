"""The [[meeting]] tables: each series, its first date, its rule and its exceptions.

Dates are the local wall clock in the partnership's time zone. A series repeats
by ``rrule`` (RFC 5545 text) or by ``every`` and ``on`` in words, which the
calendar package turns into the same rule (``calendar.rhythm``); either way the
rule is judged by the calendar package's one reader (``calendar.rules``). A
cancelled or moved date must be one the rule really produces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from scheduler.calendar.rhythm import Misworded, rule_in_words
from scheduler.calendar.rules import is_occurrence, rrule_problem
from scheduler.inputs.config import MEETING_KINDS, Meeting, default
from scheduler.inputs.config_reader import SettingsReader
from scheduler.inputs.plain_text import quote
from scheduler.safety import has_control

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
DURATION_MINUTES = 60  # a meeting's length when [[meeting]] does not give duration_minutes


def read_meetings(r: SettingsReader, raw: object, tz_name: str) -> tuple[Meeting, ...]:
    """Every [[meeting]] that can be read; problems with the others noted in ``r``."""
    if not isinstance(raw, list):
        r.problem("", "meeting", "should be written as [[meeting]] tables.")
        return ()
    meetings: list[Meeting] = []
    seen: set[str] = set()
    r.meeting_ids = [
        m["id"]
        if isinstance(m, Mapping) and isinstance(m.get("id"), str) and _ID.fullmatch(m["id"])
        else ""
        for m in raw
    ]
    for index, m in enumerate(raw):
        if not isinstance(m, Mapping):
            continue
        meeting = _read_meeting(r, m, index, tz_name, seen)
        if meeting is not None:
            meetings.append(meeting)
    return tuple(meetings)


def _read_meeting(
    r: SettingsReader, m: Mapping[str, Any], index: int, tz_name: str, seen: set[str]
) -> Meeting | None:
    r.unknown(m, "meeting", index)
    meeting_id = _read_id(r, m, index, seen)
    kind = r.choice(m, "meeting", "kind", MEETING_KINDS, MEETING_KINDS[0], index=index)
    title = r.text(m, "meeting", "title", required=True, index=index, header=True)
    first = _local_datetime(r, m.get("first"), "first", index)
    duration = r.integer(m, "meeting", "duration_minutes", DURATION_MINUTES, minimum=1, index=index)
    rule, every, on, known = _read_rule(r, m, index, first)
    cancelled = _cancelled(r, m, index)
    moved = _moved(r, m, index)
    if known and not _rule_problem(r, index, first, rule, tz_name) and first is not None:
        # a broken rule cannot say which dates are real
        _check_dates(r, index, first, rule, tz_name, cancelled, moved)
    if first is None:
        return None
    return Meeting(
        id=meeting_id,
        kind=kind,
        title=title,
        first=first,
        duration=timedelta(minutes=duration),
        rrule=rule or None,
        every=every,
        on=on,
        location=r.text(
            m, "meeting", "location", index=index, header=True, default=default(Meeting, "location")
        ),
        description=r.text(
            m, "meeting", "description", index=index, default=default(Meeting, "description")
        ),
        cancelled=tuple(cancelled),
        moved=tuple(moved),
    )


def _read_id(r: SettingsReader, m: Mapping[str, Any], index: int, seen: set[str]) -> str:
    meeting_id = r.text(m, "meeting", "id", required=True, index=index)
    if meeting_id and not _ID.fullmatch(meeting_id):
        r.problem(
            "meeting",
            "id",
            f'"{meeting_id}" should be short lower-case words joined by "-", '
            'e.g. "governance-review". It must never change once invitations are out.',
            index,
        )
    if meeting_id in seen:
        r.problem("meeting", "id", f'"{meeting_id}" is used by two meetings.', index)
    seen.add(meeting_id)
    return meeting_id


def _cancelled(r: SettingsReader, m: Mapping[str, Any], index: int) -> list[datetime]:
    cancelled: list[datetime] = []
    for value in m.get("cancelled", []) or []:
        when = _local_datetime(r, value, "cancelled", index, what="start")
        if when is not None:
            cancelled.append(when)
    return cancelled


def _moved(r: SettingsReader, m: Mapping[str, Any], index: int) -> list[tuple[datetime, datetime]]:
    moved: list[tuple[datetime, datetime]] = []
    for move in m.get("moved", []) or []:
        if not isinstance(move, Mapping) or set(move) != {"from", "to"}:
            r.problem(
                "meeting",
                "moved",
                "each move is { from = 2027-02-23T10:00:00, to = 2027-02-24T10:00:00 }.",
                index,
            )
            continue
        src = _local_datetime(r, move["from"], "moved", index)
        dst = _local_datetime(r, move["to"], "moved", index)
        if src and dst:
            moved.append((src, dst))
    return moved


def _text(r: SettingsReader, m: Mapping[str, Any], key: str, index: int, example: str) -> str:
    value = m.get(key)
    if value is None or isinstance(value, str):
        return value or ""
    r.problem("meeting", key, f"should be text in quotes, e.g. {example}, not {value!r}.", index)
    return ""


def _read_rule(
    r: SettingsReader, m: Mapping[str, Any], index: int, first: datetime | None
) -> tuple[str | None, str, str, bool]:
    """(the rule, None for a one-off; every; on; whether the rule could be known)."""
    rule = _text(r, m, "rrule", index, 'rrule = "FREQ=WEEKLY;INTERVAL=6"') or None
    every = _text(r, m, "every", index, 'every = "6 weeks"')
    on = _text(r, m, "on", index, 'on = "Tuesday"')
    if rule and every:
        r.problem(
            "meeting",
            "every",
            "and rrule both say how this meeting repeats; keep one. Delete the rrule line "
            f'to keep every = "{every}", or delete every (and on) to keep the rrule.',
            index,
        )
        return None, every, on, False
    if on and not every:
        r.problem(
            "meeting",
            "on",
            f'"{on}" says which day, but not how often: add every, e.g. every = "2 weeks" '
            'with on = "Tuesday", or every = "month" with on = "2nd Wednesday".'
            + (" With rrule, say the day in the rule instead (BYDAY=TU)." if rule else ""),
            index,
        )
        return None, every, on, False
    if not every:
        return rule, every, on, True
    if has_control(every + on):
        key = "every" if has_control(every) else "on"
        r.problem(
            "meeting", key, "contains a line break or control character; keep it on one line.",
            index,
        )  # fmt: skip
        return None, every, on, False
    said = rule_in_words(every, on or None, first)
    if isinstance(said, Misworded):
        r.problem("meeting", said.setting, said.message, index)
        return None, every, on, False
    return said, every, on, True


def _rule_problem(
    r: SettingsReader, index: int, first: datetime | None, rule: str | None, tz_name: str
) -> bool:
    """Note what is wrong with the rule, if anything; whether anything was."""
    issue = None
    if rule and has_control(rule):
        issue = (
            f"{quote(rule)} contains a line break or control character (shown with a "
            'backslash); write the rule on one line, e.g. "FREQ=WEEKLY;INTERVAL=6".'
        )
    elif first is not None and rule:
        issue = rrule_problem(first, rule, tz_name)
        if issue and f'"{rule}"' not in issue:  # say which rule, once
            issue = f"{quote(rule)}: {issue}"
    if issue:
        r.problem("meeting", "rrule", issue, index)
    return bool(issue)


def _check_dates(
    r: SettingsReader,
    index: int,
    first: datetime,
    rule: str | None,
    tz_name: str,
    cancelled: list[datetime],
    moved: list[tuple[datetime, datetime]],
) -> None:
    """A cancelled or moved date must be one of the series' own."""
    for when in [*cancelled, *(src for src, _ in moved)]:
        if not is_occurrence(first, rule, when, tz_name):
            r.problem(
                "meeting",
                "cancelled" if when in cancelled else "moved",
                f"{when.isoformat()} is not one of this meeting's dates; copy the "
                "date and time of a real occurrence.",
                index,
            )


def _local_datetime(
    r: SettingsReader, value: object, key: str, index: int, *, what: str = "start"
) -> datetime | None:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            r.problem(
                "meeting",
                key,
                f"{value.isoformat()} carries a UTC offset; write the local wall-clock "
                f"{what} without one, e.g. 2027-01-12T10:00:00. It is read in the "
                "partnership's time zone.",
                index,
            )
            return None
        return value
    if isinstance(value, date):
        r.problem("meeting", key, f"{value} has no time; write e.g. {value}T10:00:00.", index)
        return None
    r.problem(
        "meeting",
        key,
        f"{value!r} is not a date and time; write e.g. 2027-01-12T10:00:00 (no quotes).",
        index,
    )
    return None
