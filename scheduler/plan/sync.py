"""What changed between the convenor's files and what the archive remembers (pure).

``sync_membership`` compares the spreadsheet with the archived members as of a
day; ``reconcile_meetings`` compares the configured series with the stored
ones, raising a series' SEQUENCE whenever anything a calendar shows changes.
The services apply what these return.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from scheduler.inputs.config import Meeting
from scheduler.inputs.membership import Member
from scheduler.plan.state import MeetingState, MemberState


@dataclass(frozen=True)
class MembershipChange:
    kind: str  # joined | left | rejoined | changed | pending
    member: Member | None
    email: str
    on: date


def sync_membership(
    rows: Sequence[Member],
    archived: Mapping[str, MemberState],
    today: date,
    *,
    held: Collection[str] = (),
    complete: bool = True,
) -> list[MembershipChange]:
    """What changed between the spreadsheet and the archive, as of ``today``.

    ``held``: addresses whose rows could not be read this time; they stay as the
    archive knows them. ``complete`` is False when a row's address could not be
    read at all: then no member counts as removed from the file, since the
    unreadable row may be theirs (their ``left`` dates still count).
    """
    changes: list[MembershipChange] = []
    listed = {m.email: m for m in rows if m.email not in held}
    for email, member in listed.items():
        known = archived.get(email)
        active = member.is_active(today)
        if known is None:
            if active:
                changes.append(MembershipChange("joined", member, email, member.joined or today))
            elif member.left is None or member.left > today:
                changes.append(MembershipChange("pending", member, email, today))
            continue
        if active and known.status == "pending":
            changes.append(MembershipChange("joined", member, email, member.joined or today))
        elif active and known.status == "left":
            changes.append(MembershipChange("rejoined", member, email, today))
        elif not active and known.status == "active":
            changes.append(MembershipChange("left", member, email, member.left or today))
        elif (known.name, known.organisation, known.sector, known.role) != (
            member.name,
            member.organisation,
            member.sector,
            member.role,
        ) or (known.share_introduction, known.preferred_name, known.leaving_on) != (
            member.share_introduction,
            member.preferred_name,
            member.left if active else None,  # a last day written ahead of time, or taken back
        ):
            changes.append(MembershipChange("changed", member, email, today))
    for email, known in archived.items():
        if email in listed or email in held or not complete:
            continue
        if known.status in ("active", "pending"):
            changes.append(MembershipChange("left", None, email, today))
    return changes


def meeting_definition(meeting: Meeting) -> dict[str, object]:
    """Everything about a series that, when changed, needs an update sent."""
    return {
        "title": meeting.title,
        "kind": meeting.kind,
        "first": meeting.first.isoformat(),
        "duration_minutes": int(meeting.duration.total_seconds() // 60),
        "rrule": meeting.rrule,
        "location": meeting.location,
        "description": meeting.description,
        "cancelled": [c.isoformat() for c in meeting.cancelled],
        "moved": [[a.isoformat(), b.isoformat()] for a, b in meeting.moved],
    }


def meeting_fingerprint(meeting: Meeting, tz_name: str) -> str:
    payload = json.dumps({**meeting_definition(meeting), "tz": tz_name}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class MeetingChange:
    kind: str  # added | changed | removed
    meeting_id: str
    fingerprint: str
    sequence: int


def reconcile_meetings(
    meetings: Sequence[Meeting], stored: Mapping[str, MeetingState], tz_name: str
) -> list[MeetingChange]:
    changes = []
    for meeting in meetings:
        fp = meeting_fingerprint(meeting, tz_name)
        known = stored.get(meeting.id)
        if known is None:
            changes.append(MeetingChange("added", meeting.id, fp, 0))
        elif known.status == "removed" or known.fingerprint != fp:
            changes.append(MeetingChange("changed", meeting.id, fp, known.sequence + 1))
    current = {m.id for m in meetings}
    for meeting_id, known in stored.items():
        if meeting_id not in current and known.status == "active":
            changes.append(
                MeetingChange("removed", meeting_id, known.fingerprint, known.sequence + 1)
            )
    return changes
