"""``reflect status``: what a convenor wants to know at a glance.

Each part of the page is one function of its own: the coming meetings (with
their roles and calendar replies), the outbox, the replies awaited, who is
replying, and the quarantine. All of them read through ``StatusStore``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from scheduler.archive.convenor_store import ConvenorStore
from scheduler.archive.database import Archive, utc_text
from scheduler.archive.request_store import RequestStore
from scheduler.archive.state import load_members
from scheduler.archive.status_queries import StatusStore
from scheduler.inputs.config import Config, Meeting
from scheduler.plan.controls import standings
from scheduler.plan.occurrences import Occurrence, next_occurrences
from scheduler.plan.state import Request
from scheduler.reports.actions import status_line
from scheduler.reports.participation import participation
from scheduler.reports.participation_words import status_lines
from scheduler.safety import printable
from scheduler.vocabulary import OutboxStatus

# what a held message seems to be, by ``inbound.held``'s kinds (the ``--kind`` values)
HELD_KINDS = {
    "answer": "an answer",
    "rsvp": "a calendar reply",
    "bounce": "a delivery report",
    "other": "other",
}


def status_text(
    config: Config, archive: Archive, now: datetime, *, seems: Mapping[int, str] | None = None
) -> str:
    zone = config.partnership.zone
    store = StatusStore(archive)
    out = [f"{config.partnership.name}: status at {now.astimezone(zone):%Y-%m-%d %H:%M %Z}", ""]
    out += coming_meetings(config, store, now)
    out.append("")
    out += outbox_health(store)
    out.append("")
    out += replies_awaited(store, now)
    out.append("")
    out += members_requests(config, archive, now)
    out.append("")
    settings = config.digest
    picture = participation(
        archive,
        anonymise=settings.anonymise,
        min_group=settings.min_group,
        quiet_cycles=settings.quiet_cycles,
        zone=zone,
    )
    out.append("Who is replying:")
    out.extend(f"  {line}" for line in status_lines(picture, zone=zone) or ["no cycles yet"])
    out.append("")
    out += forwarded(archive, now)
    out.append(status_line(archive, now.astimezone(zone).date()))
    out.append("")
    out.append(list_quarantine(archive, seems=seems))
    return "\n".join(out)


FORWARDED_SHOWN = timedelta(days=30)


def forwarded(archive: Archive, now: datetime, *, limit: int = 5) -> list[str]:
    """People's replies to what asked nothing, passed on to the convenor lately."""
    rows = ConvenorStore(archive).forwarded_since(now - FORWARDED_SHOWN)
    if not rows:
        return []
    out = [f"Forwarded to you in the last {FORWARDED_SHOWN.days} days: {len(rows)}"]
    for row in rows[:limit]:
        subject = printable(row["subject"] or "", 60)
        out.append(f"  #{row['id']} from {printable(row['from_address'] or '?', 80)}: {subject}")
    if len(rows) > limit:
        out.append(f"  ... and {len(rows) - limit} more")
    return [*out, ""]


def coming_meetings(config: Config, store: StatusStore, now: datetime) -> list[str]:
    """The next meetings with their chair and note-taker, and the next one's calendar replies."""
    zone = config.partnership.zone
    out = ["Coming meetings:"]
    upcoming = next_occurrences(config, now, count=2)
    if not upcoming:
        out.append("  none scheduled")
    roles = store.roles_from(now)
    for meeting, occ in upcoming[:6]:
        out.append(f"  {occ.start.astimezone(zone):%a %d %b %Y %H:%M}  {meeting.title}")
        named = roles.get((meeting.id, utc_text(occ.original)))
        if named is not None:
            out.append(f"    chair: {named[0]}; notes: {named[1]}")
    if upcoming:
        out.append(calendar_replies(store, *upcoming[0]))
    talks = conversation_replies(store)
    if talks:
        out.append(talks)
    return out


def conversation_replies(store: StatusStore) -> str | None:
    """One line: how many of the latest round's people accepted their conversation."""
    latest = store.latest_conversations()
    if latest is None:
        return None
    people, answers = latest
    others = ", ".join(f"{answers[k]} {k}" for k in ("tentative", "declined") if answers.get(k))
    return f"  Conversations this round: {answers.get('accepted', 0)} of {people} accepted" + (
        f" ({others})" if others else ""
    )


def calendar_replies(store: StatusStore, meeting: Meeting, occ: Occurrence) -> str:
    """One line: who is coming to this occurrence, and how many are unsure or not."""
    answers: dict[str, str] = {}
    for row in store.calendar_replies(meeting.id, utc_text(occ.original)):
        answers[row["name"]] = row["partstat"].lower()  # a later answer replaces an earlier
    if not answers:
        return f"  No calendar replies yet for the next {meeting.title}."
    coming = sorted(n for n, p in answers.items() if p == "accepted")
    return (
        f"  Replies for the next {meeting.title}: {len(coming)} coming"
        + (f" ({', '.join(coming)})" if coming else "")
        + "; "
        + ", ".join(
            f"{sum(1 for p in answers.values() if p == k)} {k}" for k in ("tentative", "declined")
        )
    )


def members_requests(config: Config, archive: Archive, now: datetime) -> list[str]:
    """What members asked by reply (paused, away, skipping, stopping), and last days
    written ahead of time."""
    zone = config.partnership.zone
    today = now.astimezone(zone).date()
    requests = RequestStore(archive).all()
    members = load_members(archive)
    latest: dict[str, Request] = {}
    skips: dict[str, list[Request]] = {}
    for request in requests:
        if request.word == "skip":
            skips.setdefault(request.email, []).append(request)
        else:
            latest[request.email] = request
    lines = []
    for email, standing in standings(requests).items():
        member = members.get(email)
        why = standing.resting(today)
        if member is None or member.status != "active" or why is None:
            continue
        since = f"{latest[email].at.astimezone(zone):%d %b %Y}" if email in latest else ""
        what = f"{why} (since {since})" if why == "paused" else why
        if why == "asked to stop":
            what += f" on {since}: put their last day in the left column of {config.partnership.members.name}"
        lines.append(f"{printable(member.name)} <{email}>: {what}")
    for email, asked in skips.items():
        member = members.get(email)
        coming = [r for r in asked if r.occurrence is None or r.occurrence > now]
        if member is None or member.status != "active" or not coming:
            continue
        meeting = config.meeting(coming[-1].meeting_id or "")
        cycle = (
            f"the {meeting.title} of {coming[-1].occurrence.astimezone(zone):%d %b %Y}"
            if meeting and coming[-1].occurrence
            else "the next meeting's questions"
        )
        lines.append(f"{printable(member.name)} <{email}>: skipping {cycle}")
    for member in sorted(members.values(), key=lambda m: m.name.casefold()):
        if member.status == "active" and member.leaving_on is not None:
            lines.append(
                f"{printable(member.name)} <{member.email}>: leaving, last day "
                f"{member.leaving_on:%d %b %Y}"
            )
    return ["Members' own requests:"] + [f"  {line}" for line in lines or ["none"]]


def outbox_health(store: StatusStore) -> list[str]:
    """The outbox by status, what failed, what is being retried, and failing addresses."""
    counts = store.outbox_counts()
    waiting = store.next_attempt()
    out = [
        "Outbox: "
        + ", ".join(
            f"{counts.get(k, 0)} {k}"
            for k in (
                OutboxStatus.QUEUED,
                OutboxStatus.SENDING,
                OutboxStatus.SENT,
                OutboxStatus.FAILED,
            )
        )
        + (f"; next attempt {waiting[:16]} UTC" if waiting else "")
    ]
    for row in store.failed(limit=10):
        out.append(f"  failed {row['kind']} to {row['recipient']}: {printable(row['last_error'])}")
    for row in store.retrying(limit=10):
        out.append(
            f"  retrying {row['kind']} to {row['recipient']} at {row['next_attempt_at'][:16]} UTC: "
            f"{printable(row['last_error'])}"
        )
    for row in store.failing_addresses():
        out.append(
            f"  address failing: {printable(row['name'])} <{row['email']}> "
            f"{printable(row['failing_reason'] or '')}"
        )
    return out


def replies_awaited(store: StatusStore, now: datetime) -> list[str]:
    """Questions for meetings still to come, and how many have been answered."""
    awaited = store.awaited_questions(now)
    out = ["Replies awaited:"]
    if not awaited:
        out.append("  none")
    for row in awaited:
        out.append(f"  {row['answered']}/{row['sent']} answered: {row['question_text'][:70]}")
    return out


def list_quarantine(
    archive: Archive, *, seems: Mapping[int, str] | None = None, kind: str | None = None
) -> str:
    """Everything held back, one entry each; ``seems`` says what each seems to be
    (``inbound.held.seems_held``), ``kind`` keeps only those that seem that."""
    seems = seems or {}
    rows = [
        row
        for row in StatusStore(archive).quarantined()
        if kind is None or seems.get(row["id"]) == kind
    ]
    if not rows:
        return (
            "Quarantine is empty."
            if kind is None
            else f"Nothing held back seems to be {HELD_KINDS[kind]}."
        )
    lines = [f"{len(rows)} message(s) held back:"]
    for row in rows:
        what = f"  {HELD_KINDS[seems[row['id']]]}" if row["id"] in seems else ""
        lines.append(
            f"  #{row['id']}  {row['received_at'][:16]}{what}"
            f"  from {printable(row['from_address'] or '?', 80)}"
            f'  "{printable(row["subject"] or "", 50)}"\n        why: {printable(row["reason"])}'
        )
    lines.append(
        "Decide with: reflect quarantine accept N [N ...]   or: reflect quarantine reject N [N ...]"
        "   (or --all, or --kind rsvp|answer|bounce|other instead of numbers)"
    )
    return "\n".join(lines)
