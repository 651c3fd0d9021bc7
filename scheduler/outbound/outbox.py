"""The outbox: every intended message is a row before anything is sent.

A row's key is unique, so planning the same message twice queues it once. Its
Message-ID is fixed when it is queued, so a retry carries the same one. Rows
are claimed for sending inside ``BEGIN IMMEDIATE``: two ticks at once never
take the same row. A row left ``sending`` by a crash is taken again after a
while; whether the server had it is then unknown, and it goes again with the
same Message-ID (the one case where a member may see a message twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scheduler.archive.database import Archive, utc_text
from scheduler.compose.render import Outgoing
from scheduler.plan.intents import Intent

STALE_CLAIM = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    kind: str
    recipient: str
    raw: bytes
    attempts: int
    due_at: str
    message_id: str


def existing_keys(archive: Archive, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            row[0]
            for row in archive.conn.execute(f"SELECT key FROM outbox WHERE key IN ({marks})", chunk)  # noqa: S608 - placeholders only
        )
    return found


def enqueue(
    archive: Archive,
    items: list[tuple[Intent, Outgoing]],
    member_ids: dict[str, int],
    now: datetime,
) -> int:
    """Queue rendered messages in one transaction; returns how many were new."""
    added = 0
    stamp = utc_text(now)
    with archive.transaction() as conn:
        for intent, out in items:
            cursor = conn.execute(
                """INSERT OR IGNORE INTO outbox (key, kind, member_id, recipient, meeting_id,
                   occurrence, question_id, sequence, token_id, message_id, subject, raw, status,
                   due_at, next_attempt_at, created_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'queued',?,?,?)""",
                (
                    out.key,
                    out.kind,
                    member_ids.get(out.member_email or ""),
                    out.recipient,
                    intent.meeting_id,
                    utc_text(intent.occurrence) if intent.occurrence else None,
                    intent.question_id,
                    intent.sequence,
                    out.token_id,
                    out.message_id,
                    out.subject,
                    out.raw,
                    utc_text(intent.due),
                    utc_text(intent.due),
                    stamp,
                ),
            )
            if cursor.rowcount == 0:
                continue
            added += 1
            outbox_id = cursor.lastrowid
            member_id = member_ids.get(out.member_email or "")
            _record_effects(conn, intent, out, outbox_id, member_id, stamp)
    return added


def _record_effects(
    conn: Any,
    intent: Intent,
    out: Outgoing,
    outbox_id: int | None,
    member_id: int | None,
    stamp: str,
) -> None:
    """What queueing a message means for the planner's state, in the same transaction."""
    if out.prompt is not None and member_id is not None:
        conn.execute(
            """INSERT INTO prompts (outbox_id, member_id, kind, meeting_id, occurrence, question_id,
               question_text, body_text) VALUES (?,?,?,?,?,?,?,?)""",
            (
                outbox_id,
                member_id,
                out.prompt.kind,
                intent.meeting_id,
                utc_text(intent.occurrence) if intent.occurrence else None,
                out.prompt.question_id,
                out.prompt.question_text,
                out.prompt.body_text,
            ),
        )
    if intent.kind == "induction" and member_id is not None:
        conn.execute("UPDATE members SET inducted = 1 WHERE id = ?", (member_id,))
    if intent.kind == "welcome_back" and member_id is not None:
        conn.execute("UPDATE members SET inducted = 1 WHERE id = ?", (member_id,))
    if intent.kind == "reminder" and intent.follows:
        conn.execute(
            "UPDATE prompts SET reminded = 1 WHERE outbox_id = (SELECT id FROM outbox WHERE key = ?)",
            (intent.follows,),
        )
        # one reminder for a checklist's open parts: they all count as reminded
        occurrence = utc_text(intent.occurrence) if intent.occurrence else None
        conn.executemany(
            """UPDATE prompts SET reminded = 1 WHERE member_id = ? AND kind = 'checklist'
               AND meeting_id IS ? AND occurrence IS ? AND question_id = ?""",
            [(member_id, intent.meeting_id, occurrence, qid) for qid in intent.also],
        )
    if intent.kind == "conversation" and intent.partner and intent.occurrence:
        a, b = sorted((out.recipient, intent.partner))
        conn.execute(
            "INSERT OR IGNORE INTO pairings (round_key, a, b, slot, created_at) VALUES (?,?,?,?,?)",
            (intent.round_key, a, b, utc_text(intent.occurrence), stamp),
        )
    if intent.chair and intent.note_taker and intent.meeting_id and intent.occurrence:
        conn.execute(
            "INSERT OR IGNORE INTO occurrence_roles VALUES (?,?,?,?)",
            (intent.meeting_id, utc_text(intent.occurrence), intent.chair, intent.note_taker),
        )
    if intent.kind in ("invite", "cancel") and member_id is not None:
        # what this member now holds of the series: its sequence, and the series as sent
        # (the "noted" column, of roles once named in calendars, keeps its default: none)
        conn.execute(
            """INSERT INTO invitations (meeting_id, member_id, sequence, status, updated_at,
               definition)
               VALUES (?,?,?,?,?, (SELECT definition FROM meetings WHERE id = ?))
               ON CONFLICT(meeting_id, member_id) DO UPDATE SET
               sequence = excluded.sequence, status = excluded.status,
               updated_at = excluded.updated_at, definition = excluded.definition,
               noted = '[]'""",
            (
                intent.meeting_id,
                member_id,
                intent.sequence or 0,
                "cancelled" if intent.kind == "cancel" else "invited",
                stamp,
                intent.meeting_id,
            ),
        )


def claim_due(archive: Archive, now: datetime, *, limit: int = 500) -> list[Claimed]:
    stamp = utc_text(now)
    stale = utc_text(now - STALE_CLAIM)
    with archive.transaction() as conn:
        rows = conn.execute(
            """SELECT id, key, kind, recipient, raw, attempts, due_at, message_id FROM outbox
               WHERE (status = 'queued' AND next_attempt_at <= ?)
                  OR (status = 'sending' AND claimed_at < ?)
               ORDER BY next_attempt_at, id LIMIT ?""",
            (stamp, stale, limit),
        ).fetchall()
        conn.executemany(
            "UPDATE outbox SET status = 'sending', claimed_at = ?, attempts = attempts + 1 "
            "WHERE id = ?",
            [(stamp, row[0]) for row in rows],
        )
    # ``attempts`` counts this try too (the row was read before the UPDATE).
    return [
        Claimed(row[0], row[1], row[2], row[3], row[4], row[5] + 1, row[6], row[7]) for row in rows
    ]


def mark_sent(archive: Archive, claimed: Claimed, now: datetime) -> None:
    with archive.transaction() as conn:
        conn.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
            (utc_text(now), claimed.id),
        )


def release(archive: Archive, claimed: list[Claimed]) -> None:
    """Put claimed rows back untouched (a batch stopped before reaching them)."""
    with archive.transaction() as conn:
        conn.executemany(
            "UPDATE outbox SET status = 'queued', attempts = attempts - 1 WHERE id = ?",
            [(c.id,) for c in claimed],
        )


def postpone(
    archive: Archive, claimed: list[Claimed], now: datetime, until: datetime, *, reason: str = ""
) -> None:
    """Hold messages back until ``until`` without counting a try (a sending cap, a 4.7.x reply).

    The claimed rows go back to the queue, and every other row already due waits
    with them, so that ``reflect status`` shows when sending resumes.
    """
    stamp = utc_text(until)
    with archive.transaction() as conn:
        conn.executemany(
            "UPDATE outbox SET status = 'queued', attempts = attempts - 1, next_attempt_at = ?, "
            "last_error = coalesce(nullif(?, ''), last_error) WHERE id = ?",
            [(stamp, reason, c.id) for c in claimed],
        )
        conn.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE status = 'queued' AND next_attempt_at <= ?",
            (stamp, utc_text(now)),
        )


def mark_deferred(
    archive: Archive, claimed: Claimed, now: datetime, error: str, *, give_up_after: timedelta
) -> bool:
    """Back off; returns False when the message has waited too long and is now failed."""
    due = datetime.fromisoformat(claimed.due_at)
    if now - due > give_up_after:
        mark_failed(archive, claimed, f"gave up after {claimed.attempts} tries: {error}")
        return False
    delay = min(timedelta(minutes=1) * (2 ** min(claimed.attempts, 12)), MAX_BACKOFF)
    with archive.transaction() as conn:
        conn.execute(
            "UPDATE outbox SET status = 'queued', next_attempt_at = ?, last_error = ? WHERE id = ?",
            (utc_text(now + delay), error, claimed.id),
        )
    return True


def mark_failed(archive: Archive, claimed: Claimed, error: str) -> None:
    with archive.transaction() as conn:
        conn.execute(
            "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?",
            (error, claimed.id),
        )


def requeue_failed(archive: Archive, outbox_id: int, now: datetime) -> dict[str, Any]:
    """Put a failed row back in the queue, due now, keeping its key, Message-ID and bytes.

    Returns the row's kind, recipient and message_id; ``LookupError`` when the row
    does not exist or has not failed.
    """
    with archive.transaction() as conn:
        row = conn.execute(
            "SELECT kind, recipient, message_id, status, last_error FROM outbox WHERE id = ?",
            (outbox_id,),
        ).fetchone()
        if row is None or row[3] != "failed":
            raise LookupError(outbox_id)
        stamp = utc_text(now)
        conn.execute(
            """UPDATE outbox SET status = 'queued', attempts = 0, due_at = ?, next_attempt_at = ?,
               claimed_at = NULL, last_error = ? WHERE id = ?""",
            (stamp, stamp, f"resend asked for (was: {row[4]})"[:500], outbox_id),
        )
    return {"kind": row[0], "recipient": row[1], "message_id": row[2]}
