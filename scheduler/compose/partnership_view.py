"""The partnership as a newcomer's pack shows it: who is in it, and its meetings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scheduler.compose.wording import describe_rhythm, spoken_when
from scheduler.inputs.config import Config
from scheduler.inputs.sectors import SECTOR_LABELS, SECTORS
from scheduler.plan.occurrences import next_occurrences
from scheduler.plan.state import MemberState


def meetings_summary(config: Config, now: datetime) -> list[dict[str, str]]:
    """Each series once, with its rhythm and next date, as a newcomer's pack lists them."""
    summary = []
    seen: set[str] = set()
    for meeting, occ in next_occurrences(config, now, count=1):
        if meeting.id in seen:
            continue
        seen.add(meeting.id)
        summary.append(
            {
                "title": meeting.title,
                "rhythm": describe_rhythm(meeting),
                "next": spoken_when(occ.start, config.partnership.zone),
                "location": meeting.location,
            }
        )
    return summary


def people_by_sector(members: Mapping[str, MemberState]) -> list[dict[str, Any]]:
    """The active members by sector, then organisation, as a newcomer's pack lists them."""
    groups = []
    active = [m for m in members.values() if m.status == "active"]
    for sector in SECTORS:
        in_sector = [m for m in active if m.sector == sector]
        if not in_sector:
            continue
        orgs: dict[str, list[dict[str, str]]] = {}
        for m in sorted(in_sector, key=lambda m: (m.organisation.lower(), m.name.lower())):
            orgs.setdefault(m.organisation, []).append({"name": m.name, "role": m.role})
        groups.append(
            {
                "sector_label": SECTOR_LABELS[sector],
                "organisations": [{"name": k, "people": v} for k, v in orgs.items()],
            }
        )
    return groups
