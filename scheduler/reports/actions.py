"""What meetings agreed and what became of it: ``reflect actions``, the line in
``reflect status``, the report's section with the follow-through rate (actions
done of those agreed, over time and by the sector of the owner's organisation),
and the rows and Markdown the export adds.

Dates are the partnership's local days; "overdue" is an open action whose due
day has passed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from scheduler.archive.action_store import ActionStore
from scheduler.archive.database import Archive
from scheduler.inputs.sectors import SECTOR_SHORT
from scheduler.plan.state import AgreedItem
from scheduler.safety import printable

__all__ = ["actions_text", "export_rows", "follow_through", "log_lines", "report_section",
           "status_line"]  # fmt: skip

STATUS_WORDS = {
    "open": "open",
    "not_yet": "not yet done",
    "done": "done",
    "dropped": "dropped",
    "recorded": "",
}


def _day(when: date | None) -> str:
    return f"{when:%a} {when.day} {when:%b %Y}" if when else ""


def _meeting(item: AgreedItem, titles: dict[str, str], zone: tzinfo) -> str:
    when = item.occurrence.astimezone(zone)
    return f"{titles.get(item.meeting_id, item.meeting_id)}, {when.day} {when:%b %Y}"


def actions_text(
    archive: Archive, *, zone: tzinfo, today: date, show: str = "open", meeting: str | None = None
) -> str:
    """``reflect actions``: each meeting's decisions and actions (``show``: open, all)."""
    store = ActionStore(archive)
    titles = store.meeting_titles()
    kinds = ("decision", "action") if show == "open" else ("decision", "action", "note")
    items = store.items(meeting_id=meeting, kinds=kinds)
    if show == "open":
        items = [i for i in items if i.is_open]
    if not items:
        return "Nothing open." if show == "open" else "Nothing recorded yet."
    out: list[str] = []
    current = ""
    for item in items:
        heading = _meeting(item, titles, zone)
        if heading != current:
            out += [""] if out else []
            out.append(printable(heading))
            current = heading
        out.append(f"  #{item.id} {item.kind}: {printable(item.text, 300)}")
        if item.kind == "action":
            due = _day(item.due) or (item.due_text and f"{item.due_text} (no date)") or "no date"
            late = " OVERDUE" if item.is_open and item.due and item.due < today else ""
            line = f"      owner: {printable(item.owner) or 'nobody named'}; due: {due}; "
            line += f"{STATUS_WORDS[item.status]}{late}"
            if item.status_note:
                line += f" ({printable(item.status_note, 200)})"
            out.append(line)
    return "\n".join(out)


def status_line(archive: Archive, today: date) -> str:
    counts = ActionStore(archive).counts(today)
    return (
        f"Actions agreed at meetings: {counts['open']} open ({counts['overdue']} overdue), "
        f"{counts['done']} done, {counts['dropped']} dropped; {counts['decisions']} decision(s)."
    )


def _rate(actions: Sequence[AgreedItem]) -> dict[str, Any]:
    done = sum(1 for a in actions if a.status == "done")
    return {
        "agreed": len(actions),
        "done": done,
        "rate": f"{round(100 * done / len(actions))}%" if actions else "",
    }


def follow_through(
    items: Sequence[AgreedItem], titles: dict[str, str], zone: tzinfo
) -> dict[str, list[dict[str, Any]]]:
    """Done of agreed, per meeting (oldest first) and by the owner's sector."""
    actions = [i for i in items if i.kind == "action"]
    by_meeting: dict[str, list[AgreedItem]] = defaultdict(list)
    by_sector: dict[str, list[AgreedItem]] = defaultdict(list)
    for action in actions:
        by_meeting[_meeting(action, titles, zone)].append(action)
        by_sector[action.owner_sector or ""].append(action)
    return {
        "overall": [{"label": "All", **_rate(actions)}],
        "meetings": [{"label": label, **_rate(group)} for label, group in by_meeting.items()],
        "sectors": [
            {"label": SECTOR_SHORT.get(sector, sector) or "No organisation named", **_rate(group)}
            for sector, group in sorted(by_sector.items(), key=lambda kv: (not kv[0], kv[0]))
        ],
    }


def report_section(archive: Archive, zone: tzinfo, *, anonymise: bool) -> dict[str, Any]:
    """The report's "What we agreed" section: per meeting, and the follow-through rate."""
    store = ActionStore(archive)
    titles = store.meeting_titles()
    items = store.items(kinds=("decision", "action"))
    meetings: dict[str, list[dict[str, str]]] = defaultdict(list)
    for item in items:
        owner = item.owner_organisation if anonymise else item.owner
        meetings[_meeting(item, titles, zone)].append({
            "kind": item.kind,
            "text": item.text,
            "owner": owner or ("" if item.kind == "decision" else "nobody named"),
            "due": _day(item.due),
            "status": STATUS_WORDS[item.status],
            "note": item.status_note,
        })  # fmt: skip
    return {
        "agreed_meetings": [{"title": t, "lines": rows} for t, rows in meetings.items()],
        "follow_through": follow_through(items, titles, zone),
    }


def export_rows(archive: Archive, zone: tzinfo) -> list[dict[str, Any]]:
    """Decisions, actions and meeting notes as export rows (the answers' columns, and more)."""
    store = ActionStore(archive)
    titles = store.meeting_titles()
    return [
        {
            "received_at": item.recorded_at.isoformat() if item.recorded_at else "",
            "kind": "meeting_note" if item.kind == "note" else item.kind,
            "question_id": "",
            "question": "",
            "cycle": _meeting(item, titles, zone),
            "meeting_id": item.meeting_id,
            "occurrence": item.occurrence.isoformat(),
            "member": item.owner_name or item.owner_text,
            "email": item.owner_email,
            "organisation": item.owner_organisation,
            "sector": item.owner_sector,
            "text": item.text,
            "due": item.due.isoformat() if item.due else "",
            "status": item.status if item.kind == "action" else "",
            "status_note": item.status_note,
        }
        for item in store.items()
    ]


def log_lines(archive: Archive, zone: tzinfo, escape: Any, hide: Any) -> list[str]:
    """The learning log's "What we agreed" section (``hide`` takes names out of a text)."""
    store = ActionStore(archive)
    titles = store.meeting_titles()
    items = store.items(kinds=("decision", "action"))
    if not items:
        return []
    lines = ["## What we agreed, and what became of it", ""]
    current = ""
    for item in items:
        heading = _meeting(item, titles, zone)
        if heading != current:
            lines += [f"### {escape(heading)}", ""]
            current = heading
        text = escape(hide(item.text))
        if item.kind == "decision":
            lines.append(f"- Decision: {text}")
            continue
        owner = f" ({escape(item.owner_organisation)})" if item.owner_organisation else ""
        status = STATUS_WORDS[item.status] + (f": {escape(hide(item.status_note))}"
                                              if item.status_note else "")  # fmt: skip
        lines.append(f"- Action{owner}: {text}, {status}")
    return [*lines, ""]


def today_in(zone: tzinfo, now: datetime) -> date:
    return now.astimezone(zone).date()
