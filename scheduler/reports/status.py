"""``reflect status``: what a convenor wants to know at a glance."""

from __future__ import annotations

from datetime import datetime

from scheduler.archive.database import Archive, utc_text
from scheduler.inputs.config import Config
from scheduler.plan.occurrences import next_occurrences
from scheduler.reports.participation import participation, status_lines
from scheduler.safety import printable


def status_text(config: Config, archive: Archive, now: datetime) -> str:
    zone = config.partnership.zone
    out = [f"{config.partnership.name}: status at {now.astimezone(zone):%Y-%m-%d %H:%M %Z}", ""]

    out.append("Coming meetings:")
    upcoming = next_occurrences(config, now, count=2)
    if not upcoming:
        out.append("  none scheduled")
    roles = {
        (row["meeting_id"], row["occurrence"]): (row["chair"], row["note_taker"])
        for row in archive.rows(
            """SELECT r.meeting_id, r.occurrence, c.name || ' (' || c.organisation || ')' AS chair,
                      n.name || ' (' || n.organisation || ')' AS note_taker
               FROM occurrence_roles r JOIN members c ON c.email = r.chair
                    JOIN members n ON n.email = r.note_taker
               WHERE r.occurrence >= ?""",
            (utc_text(now),),
        )
    }
    for meeting, occ in upcoming[:6]:
        out.append(f"  {occ.start.astimezone(zone):%a %d %b %Y %H:%M}  {meeting.title}")
        named = roles.get((meeting.id, utc_text(occ.original)))
        if named is not None:
            out.append(f"    chair: {named[0]}; notes: {named[1]}")
    if upcoming:
        meeting, occ = upcoming[0]
        rows = archive.rows(
            """SELECT m.name, r.partstat FROM rsvps r JOIN members m ON m.id = r.member_id
               WHERE r.meeting_id = ? AND (r.recurrence_id IS NULL OR r.recurrence_id = ?)
                 AND m.status = 'active' ORDER BY r.id""",
            (meeting.id, utc_text(occ.original)),
        )
        answers: dict[str, str] = {}
        for row in rows:
            answers[row["name"]] = row["partstat"].lower()
        if answers:
            coming = sorted(n for n, p in answers.items() if p == "accepted")
            out.append(
                f"  Replies for the next {meeting.title}: {len(coming)} coming"
                + (f" ({', '.join(coming)})" if coming else "")
                + "; "
                + ", ".join(
                    f"{sum(1 for p in answers.values() if p == k)} {k}"
                    for k in ("tentative", "declined")
                )
            )
        else:
            out.append(f"  No calendar replies yet for the next {meeting.title}.")
    out.append("")

    counts = dict(
        archive.conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall()
    )
    waiting = archive.scalar("SELECT min(next_attempt_at) FROM outbox WHERE status = 'queued'")
    out.append(
        "Outbox: "
        + ", ".join(f"{counts.get(k, 0)} {k}" for k in ("queued", "sending", "sent", "failed"))
        + (f"; next attempt {waiting[:16]} UTC" if waiting else "")
    )
    for row in archive.rows(
        "SELECT kind, recipient, last_error FROM outbox WHERE status = 'failed' ORDER BY id DESC LIMIT 10"
    ):
        out.append(f"  failed {row['kind']} to {row['recipient']}: {printable(row['last_error'])}")
    for row in archive.rows(
        "SELECT kind, recipient, last_error, next_attempt_at FROM outbox "
        "WHERE status = 'queued' AND last_error IS NOT NULL ORDER BY id LIMIT 10"
    ):
        out.append(
            f"  retrying {row['kind']} to {row['recipient']} at {row['next_attempt_at'][:16]} UTC: "
            f"{printable(row['last_error'])}"
        )
    failing = archive.rows(
        "SELECT name, email, failing_reason FROM members WHERE address_failing = 1"
    )
    for row in failing:
        out.append(
            f"  address failing: {printable(row['name'])} <{row['email']}> "
            f"{printable(row['failing_reason'] or '')}"
        )
    out.append("")

    awaited = archive.rows(
        """SELECT p.question_text, count(*) AS sent, sum(p.answered) AS answered
           FROM prompts p JOIN outbox o ON o.id = p.outbox_id
           WHERE o.status = 'sent' AND (p.occurrence IS NULL OR p.occurrence > ?)
           GROUP BY p.meeting_id, p.occurrence, p.question_id ORDER BY min(o.id)""",
        (utc_text(now),),
    )
    out.append("Replies awaited:")
    if not awaited:
        out.append("  none")
    for row in awaited:
        out.append(f"  {row['answered']}/{row['sent']} answered: {row['question_text'][:70]}")
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
    out.append(list_quarantine(archive))
    return "\n".join(out)


def list_quarantine(archive: Archive) -> str:
    rows = archive.rows(
        """SELECT id, received_at, from_address, subject, reason FROM inbound
           WHERE status = 'quarantined' ORDER BY id"""
    )
    if not rows:
        return "Quarantine is empty."
    lines = [f"{len(rows)} message(s) held back:"]
    for row in rows:
        lines.append(
            f"  #{row['id']}  {row['received_at'][:16]}  from {printable(row['from_address'] or '?', 80)}"
            f'  "{printable(row["subject"] or "", 50)}"\n        why: {printable(row["reason"])}'
        )
    lines.append(
        "Accept one with: reflect quarantine accept N   Reject: reflect quarantine reject N"
    )
    return "\n".join(lines)
