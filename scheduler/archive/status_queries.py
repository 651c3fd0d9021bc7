"""What ``reflect status`` reads: roles and calendar replies for coming meetings,
the outbox's health, failing addresses, questions awaiting answers, and the
quarantine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.archive.database import Archive
from scheduler.clock import utc_text

Row = dict[str, Any]


class StatusStore:
    """Read-only queries behind ``reports.status``."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def roles_from(self, now: datetime) -> dict[tuple[str, str], tuple[str, str]]:
        """(meeting id, occurrence text) -> (chair, note-taker), each "Name (Organisation)",
        for occurrences from ``now`` on."""
        return {
            (row["meeting_id"], row["occurrence"]): (row["chair"], row["note_taker"])
            for row in self.archive.rows(
                """SELECT r.meeting_id, r.occurrence, c.name || ' (' || c.organisation || ')' AS chair,
                          n.name || ' (' || n.organisation || ')' AS note_taker
                   FROM occurrence_roles r JOIN members c ON c.email = r.chair
                        JOIN members n ON n.email = r.note_taker
                   WHERE r.occurrence >= ?""",
                (utc_text(now),),
            )
        }

    def calendar_replies(self, meeting_id: str, occurrence: str) -> list[Row]:
        """Active members' RSVPs (``name``, ``partstat``) to this occurrence or the whole
        series, oldest first."""
        return self.archive.rows(
            """SELECT m.name, r.partstat FROM rsvps r JOIN members m ON m.id = r.member_id
               WHERE r.meeting_id = ? AND (r.recurrence_id IS NULL OR r.recurrence_id = ?)
                 AND m.status = 'active' ORDER BY r.id""",
            (meeting_id, occurrence),
        )

    def latest_conversations(self) -> tuple[int, dict[str, int]] | None:
        """The latest round of one-to-one conversations: how many people it invited, and
        how many of them answered what (each person's latest answer), or None before any."""
        round_key = self.archive.scalar(
            "SELECT round_key FROM pairings ORDER BY created_at DESC, round_key DESC LIMIT 1"
        )
        if round_key is None:
            return None
        people = 2 * int(
            self.archive.scalar("SELECT count(*) FROM pairings WHERE round_key = ?", (round_key,))
        )
        rows = self.archive.rows(
            """SELECT lower(c.partstat) AS partstat, count(*) AS n FROM conversation_replies c
               WHERE c.round_key = ? AND c.id = (
                   SELECT max(id) FROM conversation_replies
                   WHERE round_key = c.round_key AND member_id = c.member_id AND slot = c.slot)
               GROUP BY lower(c.partstat)""",
            (round_key,),
        )
        return people, {row["partstat"]: int(row["n"]) for row in rows}

    def outbox_counts(self) -> dict[str, int]:
        """How many outbox rows are in each status."""
        rows = self.archive.rows("SELECT status, count(*) AS n FROM outbox GROUP BY status")
        return {row["status"]: int(row["n"]) for row in rows}

    def next_attempt(self) -> str | None:
        """When the earliest queued message is next tried (UTC text), if any is queued."""
        value = self.archive.scalar(
            "SELECT min(next_attempt_at) FROM outbox WHERE status = 'queued'"
        )
        return str(value) if value else None

    def failed(self, *, limit: int = 10) -> list[Row]:
        """The latest failed messages: ``kind``, ``recipient``, ``last_error``."""
        return self.archive.rows(
            "SELECT kind, recipient, last_error FROM outbox WHERE status = 'failed' "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )

    def retrying(self, *, limit: int = 10) -> list[Row]:
        """Queued messages that have failed before: ``kind``, ``recipient``,
        ``last_error``, ``next_attempt_at``."""
        return self.archive.rows(
            "SELECT kind, recipient, last_error, next_attempt_at FROM outbox "
            "WHERE status = 'queued' AND last_error IS NOT NULL ORDER BY id LIMIT ?",
            (limit,),
        )

    def failing_addresses(self) -> list[Row]:
        """Members whose address is failing: ``name``, ``email``, ``failing_reason``."""
        return self.archive.rows(
            "SELECT name, email, failing_reason FROM members WHERE address_failing = 1"
        )

    def awaited_questions(self, now: datetime) -> list[Row]:
        """Questions sent for meetings still to come (or for none): ``question_text``,
        ``sent`` and ``answered``, in the order they went out."""
        return self.archive.rows(
            """SELECT p.question_text, count(*) AS sent, sum(p.answered) AS answered
               FROM prompts p JOIN outbox o ON o.id = p.outbox_id
               WHERE o.status = 'sent' AND (p.occurrence IS NULL OR p.occurrence > ?)
               GROUP BY p.meeting_id, p.occurrence, p.question_id ORDER BY min(o.id)""",
            (utc_text(now),),
        )

    def quarantined(self) -> list[Row]:
        """Inbound messages held back: ``id``, ``received_at``, ``from_address``,
        ``subject``, ``reason``."""
        return self.archive.rows(
            """SELECT id, received_at, from_address, subject, reason FROM inbound
               WHERE status = 'quarantined' ORDER BY id"""
        )
