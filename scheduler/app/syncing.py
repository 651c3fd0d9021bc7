"""Stage 1, sync: joins and leaves from the membership file, changes to the meeting series."""

from __future__ import annotations

import logging
from datetime import datetime

from scheduler.app.report import TickReport
from scheduler.app.wiring import read_membership
from scheduler.archive.database import Archive
from scheduler.archive.state import apply_meetings, apply_membership, load_meetings, load_members
from scheduler.errors import InputError, ReflectError
from scheduler.inputs.config import Config
from scheduler.inputs.membership import Membership
from scheduler.plan.sync import reconcile_meetings, sync_membership

log = logging.getLogger("reflect")


def sync(archive: Archive, config: Config, now: datetime, report: TickReport) -> None:
    """Record joins and leaves, and changes to the meeting series."""
    try:
        membership = read_membership(config)
    except (InputError, ReflectError) as exc:
        # A broken spreadsheet must never read as "everyone left".
        report.problems.append(f"membership not synced: {exc}")
        log.error("membership not synced, nothing changed: %s", exc)
    else:
        sync_members(archive, config, membership, now, report)
    sync_meetings(archive, config, now)


def sync_members(
    archive: Archive, config: Config, membership: Membership, now: datetime, report: TickReport
) -> None:
    for problem in membership.problems:
        # One bad row holds up only its own member: the others are synced.
        report.problems.append(f"row left out: {problem}")
        log.error("membership row left out, that member unchanged: %s", problem)
    if membership.unreadable:
        log.warning(
            "%s row(s) without a readable address: nobody is taken as removed "
            "from the file until they are fixed",
            membership.unreadable,
        )
    today = now.astimezone(config.partnership.zone).date()
    archived = load_members(archive)
    changes = sync_membership(
        membership.members,
        archived,
        today,
        held=membership.held,
        complete=not membership.unreadable,
    )
    apply_membership(
        archive,
        changes,
        now,
        first_run=not archived,
        existing_members=config.induction.existing_members,
    )
    for change in changes:
        if change.kind in ("joined", "rejoined"):
            report.joined += 1
            log.info("member %s: %s", change.kind, change.email)
        elif change.kind == "left":
            report.left += 1
            log.info("member left: %s", change.email)


def sync_meetings(archive: Archive, config: Config, now: datetime) -> None:
    stored = load_meetings(archive)
    meeting_changes = reconcile_meetings(config.meetings, stored, config.partnership.timezone)
    if meeting_changes:
        apply_meetings(archive, meeting_changes, config, now)
        for series_change in meeting_changes:
            log.info(
                "series %s %s (sequence %s)",
                series_change.meeting_id,
                series_change.kind,
                series_change.sequence,
            )
