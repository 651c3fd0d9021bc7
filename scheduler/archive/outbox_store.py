"""The outbox's SQL: queueing rendered messages, claiming them, and their fate.

The queueing rules (a unique key, a Message-ID fixed at queueing, claiming in
``BEGIN IMMEDIATE``, backoff) are explained in ``scheduler/outbound/outbox.py``,
which decides; this store only reads and writes the rows, each method one short
transaction as it was there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from scheduler.archive.database import Archive, utc_text
from scheduler.plan.intents import (
    ActionOf,
    Conversation,
    Digest,
    Intent,
    MeetingAt,
    NotesOf,
    OneMeetingUpdate,
    Payload,
    Question,
    Reminder,
    RoleNote,
    SeriesInvitation,
)
from scheduler.vocabulary import MessageKind, OutboxStatus


class RenderedPrompt(Protocol):
    """What the archive keeps about a prompt (``compose``'s ``PromptRecord``)."""

    @property
    def kind(self) -> str: ...
    @property
    def question_id(self) -> str: ...
    @property
    def question_text(self) -> str: ...
    @property
    def body_text(self) -> str: ...


class Rendered(Protocol):
    """A rendered message as the outbox keeps it (``compose``'s ``Outgoing``)."""

    @property
    def key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def recipient(self) -> str: ...
    @property
    def member_email(self) -> str | None: ...
    @property
    def subject(self) -> str: ...
    @property
    def message_id(self) -> str: ...
    @property
    def token_id(self) -> str | None: ...
    @property
    def raw(self) -> bytes: ...
    @property
    def prompt(self) -> RenderedPrompt | None: ...
    @property
    def parts(self) -> Sequence[RenderedPrompt]: ...


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


def _utc_or_none(value: datetime | None) -> str | None:
    return utc_text(value) if value else None


@dataclass(frozen=True)
class Columns:
    """What an outbox row records of its payload (the rest is in its bytes)."""

    meeting_id: str | None = None
    occurrence: datetime | None = None
    question_id: str | None = None
    sequence: int | None = None


def _at(at: MeetingAt | None, **more: Any) -> Columns:
    if at is None:
        return Columns(**more)
    return Columns(meeting_id=at.meeting_id, occurrence=at.occurrence, **more)


def columns(payload: Payload) -> Columns:
    """The outbox columns a payload fills; a kind not named here fills none."""
    match payload:
        case Question(at=at, question_id=qid) | Reminder(at=at, question_id=qid):
            return _at(at, question_id=qid)
        case RoleNote(at=at) | Digest(at=at):
            return _at(at)
        case SeriesInvitation(meeting_id=meeting_id, sequence=sequence):
            return Columns(meeting_id=meeting_id, sequence=sequence)
        case OneMeetingUpdate(at=at, sequence=sequence):
            return _at(at, sequence=sequence)
        case Conversation(slot=slot):
            return Columns(occurrence=slot)
        case NotesOf(at=at, notes_id=notes_id):
            return _at(at, question_id=None if notes_id is None else f"notes-{notes_id}")
        case ActionOf(at=at, action_ids=ids):  # the reader finds the actions by it
            return _at(at, question_id="action-" + ",".join(str(i) for i in ids))
    return Columns()


class OutboxStore:
    """The ``outbox`` rows, and what queueing one means for the planner's tables."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def existing_keys(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                row[0]
                for row in self.archive.conn.execute(
                    f"SELECT key FROM outbox WHERE key IN ({marks})",  # noqa: S608 - placeholders only
                    chunk,
                )
            )
        return found

    def enqueue(
        self,
        items: Sequence[tuple[Intent, Rendered]],
        member_ids: dict[str, int],
        now: datetime,
    ) -> int:
        """Queue rendered messages in one transaction; returns how many were new."""
        added = 0
        stamp = utc_text(now)
        with self.archive.transaction() as conn:
            for intent, out in items:
                member_id = member_ids.get(out.member_email or "")
                facts = columns(intent.payload)
                cursor = conn.execute(
                    """INSERT OR IGNORE INTO outbox (key, kind, member_id, recipient, meeting_id,
                       occurrence, question_id, sequence, token_id, message_id, subject, raw,
                       status, due_at, next_attempt_at, created_at)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'queued',?,?,?)""",
                    (
                        out.key,
                        out.kind,
                        member_id,
                        out.recipient,
                        facts.meeting_id,
                        _utc_or_none(facts.occurrence),
                        facts.question_id,
                        facts.sequence,
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
                _record_effects(conn, intent, out, cursor.lastrowid, member_id, stamp)
        return added

    def claim_due(self, now: datetime, stale_before: datetime, *, limit: int) -> list[Claimed]:
        """Take rows due by ``now`` (and ``sending`` ones claimed before ``stale_before``)."""
        stamp = utc_text(now)
        with self.archive.transaction() as conn:
            rows = conn.execute(
                """SELECT id, key, kind, recipient, raw, attempts, due_at, message_id FROM outbox
                   WHERE (status = 'queued' AND next_attempt_at <= ?)
                      OR (status = 'sending' AND claimed_at < ?)
                   ORDER BY next_attempt_at, id LIMIT ?""",
                (stamp, utc_text(stale_before), limit),
            ).fetchall()
            conn.executemany(
                "UPDATE outbox SET status = 'sending', claimed_at = ?, attempts = attempts + 1 "
                "WHERE id = ?",
                [(stamp, row[0]) for row in rows],
            )
        # ``attempts`` counts this try too (the row was read before the UPDATE).
        return [
            Claimed(row[0], row[1], row[2], row[3], row[4], row[5] + 1, row[6], row[7])
            for row in rows
        ]

    def mark_sent(self, outbox_id: int, now: datetime) -> None:
        with self.archive.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
                (utc_text(now), outbox_id),
            )

    def release(self, outbox_ids: list[int]) -> None:
        """Put claimed rows back untouched: the try they were claimed for is not counted."""
        with self.archive.transaction() as conn:
            conn.executemany(
                "UPDATE outbox SET status = 'queued', attempts = attempts - 1 WHERE id = ?",
                [(outbox_id,) for outbox_id in outbox_ids],
            )

    def postpone(
        self, outbox_ids: list[int], now: datetime, until: datetime, *, reason: str
    ) -> None:
        """Claimed rows back to the queue until ``until``, and every row due by ``now`` with them."""
        stamp = utc_text(until)
        with self.archive.transaction() as conn:
            conn.executemany(
                "UPDATE outbox SET status = 'queued', attempts = attempts - 1, "
                "next_attempt_at = ?, last_error = coalesce(nullif(?, ''), last_error) "
                "WHERE id = ?",
                [(stamp, reason, outbox_id) for outbox_id in outbox_ids],
            )
            conn.execute(
                "UPDATE outbox SET next_attempt_at = ? "
                "WHERE status = 'queued' AND next_attempt_at <= ?",
                (stamp, utc_text(now)),
            )

    def defer(self, outbox_id: int, next_attempt: datetime, error: str) -> None:
        with self.archive.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET status = 'queued', next_attempt_at = ?, last_error = ? "
                "WHERE id = ?",
                (utc_text(next_attempt), error, outbox_id),
            )

    def mark_failed(self, outbox_id: int, error: str) -> None:
        with self.archive.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?",
                (error, outbox_id),
            )

    def requeue_failed(self, outbox_id: int, now: datetime) -> dict[str, Any]:
        """A failed row queued again, due now, keeping its key, Message-ID and bytes.

        Returns its kind, recipient and message_id; ``LookupError`` when the row does
        not exist or has not failed.
        """
        with self.archive.transaction() as conn:
            row = conn.execute(
                "SELECT kind, recipient, message_id, status, last_error FROM outbox WHERE id = ?",
                (outbox_id,),
            ).fetchone()
            if row is None or row[3] != OutboxStatus.FAILED:
                raise LookupError(outbox_id)
            stamp = utc_text(now)
            conn.execute(
                """UPDATE outbox SET status = 'queued', attempts = 0, due_at = ?,
                   next_attempt_at = ?, claimed_at = NULL, last_error = ? WHERE id = ?""",
                (stamp, stamp, f"resend asked for (was: {row[4]})"[:500], outbox_id),
            )
        return {"kind": row[0], "recipient": row[1], "message_id": row[2]}


def _record_effects(
    conn: Any,
    intent: Intent,
    out: Rendered,
    outbox_id: int | None,
    member_id: int | None,
    stamp: str,
) -> None:
    """What queueing a message means for the planner's state, in the same transaction."""
    payload = intent.payload
    # one prompt row per question the email asks: the checklist's numbered parts are each
    # their own (answers are filed, read and reminded by area), carried by this one row
    asked = [out.prompt] if out.prompt is not None else list(out.parts)
    if asked and member_id is not None:
        facts = columns(payload)
        conn.executemany(
            """INSERT INTO prompts (outbox_id, member_id, kind, meeting_id, occurrence, question_id,
               question_text, body_text) VALUES (?,?,?,?,?,?,?,?)""",
            [
                (
                    outbox_id,
                    member_id,
                    prompt.kind,
                    facts.meeting_id,
                    _utc_or_none(facts.occurrence),
                    prompt.question_id,
                    prompt.question_text,
                    prompt.body_text,
                )
                for prompt in asked
            ],
        )
    if intent.kind in (MessageKind.INDUCTION, MessageKind.WELCOME_BACK) and member_id is not None:
        conn.execute("UPDATE members SET inducted = 1 WHERE id = ?", (member_id,))
    match payload:
        case Reminder():
            _record_reminder(conn, payload, member_id)
        case Conversation():
            a, b = sorted((out.recipient, payload.partner))
            conn.execute(
                "INSERT OR IGNORE INTO pairings (round_key, a, b, slot, created_at) "
                "VALUES (?,?,?,?,?)",
                (payload.round_key, a, b, utc_text(payload.slot), stamp),
            )
        case (
            Question(at=MeetingAt() as at, chair=str(chair), note_taker=str(note_taker))
            | RoleNote(at=at, chair=chair, note_taker=note_taker)
        ) if chair and note_taker:
            conn.execute(
                "INSERT OR IGNORE INTO occurrence_roles VALUES (?,?,?,?)",
                (at.meeting_id, utc_text(at.occurrence), chair, note_taker),
            )
        case SeriesInvitation() if member_id is not None:
            _record_invitation(
                conn, payload, member_id, stamp, cancel=intent.kind == MessageKind.CANCEL
            )


def _record_reminder(conn: Any, reminder: Reminder, member_id: int | None) -> None:
    conn.execute(
        "UPDATE prompts SET reminded = 1 WHERE outbox_id = (SELECT id FROM outbox WHERE key = ?)",
        (reminder.follows,),
    )
    # one reminder for a checklist's open parts: they all count as reminded
    at = _at(reminder.at)
    occurrence = _utc_or_none(at.occurrence)
    conn.executemany(
        """UPDATE prompts SET reminded = 1 WHERE member_id = ? AND kind = 'checklist'
           AND meeting_id IS ? AND occurrence IS ? AND question_id = ?""",
        [(member_id, at.meeting_id, occurrence, qid) for qid in reminder.also],
    )


def _record_invitation(
    conn: Any, invitation: SeriesInvitation, member_id: int, stamp: str, *, cancel: bool
) -> None:
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
            invitation.meeting_id,
            member_id,
            invitation.sequence,
            "cancelled" if cancel else "invited",
            stamp,
            invitation.meeting_id,
        ),
    )
