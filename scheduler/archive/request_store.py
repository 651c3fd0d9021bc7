"""The ``member_requests`` table: what members asked by replying one word.

``scheduler/inbound/controls.py`` decides whether a reply is such a request and
whether it is proved; this store keeps the rows, reads them back for the
planner's state, and answers the few questions the reader and ``reflect
nudge`` ask about a cycle of questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from scheduler.archive.database import Archive, from_utc_text, utc_text
from scheduler.plan.state import OpenPrompt, Request


@dataclass(frozen=True)
class NewRequest:
    """A request read from a reply, before it is stored."""

    member_id: int
    word: str
    until: date | None = None
    meeting_id: str | None = None
    occurrence: str | None = None  # UTC text, as the outbox keeps it


class RequestStore:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def record(self, inbound_id: int, request: NewRequest, now: datetime) -> int:
        """Keep one request; inside the reader's transaction, beside the message's outcome."""
        cursor = self.archive.conn.execute(
            """INSERT INTO member_requests (member_id, inbound_id, word, until_day, meeting_id,
               occurrence, received_at) VALUES (?,?,?,?,?,?,?)""",
            (
                request.member_id,
                inbound_id,
                request.word,
                request.until.isoformat() if request.until else None,
                request.meeting_id,
                request.occurrence,
                utc_text(now),
            ),
        )
        return int(cursor.lastrowid or 0)

    def all(self) -> tuple[Request, ...]:
        """Every request, oldest first (a handful per member: the table stays small)."""
        return tuple(
            Request(
                id=row["id"],
                email=row["email"],
                word=row["word"],
                at=from_utc_text(row["received_at"]),
                until=date.fromisoformat(row["until_day"]) if row["until_day"] else None,
                meeting_id=row["meeting_id"],
                occurrence=from_utc_text(row["occurrence"]) if row["occurrence"] else None,
            )
            for row in self.archive.rows(
                """SELECT r.*, m.email FROM member_requests r JOIN members m ON m.id = r.member_id
                   ORDER BY r.id"""
            )
        )

    def cycle_in_progress(self, member_id: int, now: datetime) -> tuple[str, str] | None:
        """The cycle whose questions a member has been sent and whose meeting is still to
        come: (meeting id, occurrence in UTC text), the soonest if there are two."""
        row = self.archive.one(
            """SELECT meeting_id, occurrence FROM prompts
               WHERE member_id = ? AND kind IN ('question', 'checklist')
                 AND meeting_id IS NOT NULL AND occurrence > ?
               ORDER BY occurrence LIMIT 1""",
            (member_id, utc_text(now)),
        )
        return (row["meeting_id"], row["occurrence"]) if row else None

    def cycle_replies(self, since: datetime) -> dict[tuple[str, str], dict[str, bool]]:
        """For each cycle held from ``since``: who was asked its questions, and whether they
        have answered any of them."""
        found: dict[tuple[str, str], dict[str, bool]] = {}
        for row in self.archive.rows(
            """SELECT p.meeting_id, p.occurrence, m.email, max(p.answered) AS answered
               FROM prompts p JOIN members m ON m.id = p.member_id
               JOIN outbox o ON o.id = p.outbox_id
               WHERE p.kind IN ('question', 'checklist') AND p.meeting_id IS NOT NULL
                 AND p.occurrence >= ? AND o.status = 'sent'
               GROUP BY p.meeting_id, p.occurrence, m.email""",
            (utc_text(since),),
        ):
            cycle = (row["meeting_id"], row["occurrence"])
            found.setdefault(cycle, {})[row["email"]] = bool(row["answered"])
        return found

    def next_asked_cycle(self, meeting_id: str, now: datetime) -> str | None:
        """The soonest occurrence (UTC text) of a series still to come whose questions went."""
        value = self.archive.scalar(
            """SELECT min(p.occurrence) FROM prompts p JOIN outbox o ON o.id = p.outbox_id
               WHERE p.meeting_id = ? AND p.occurrence > ? AND o.status = 'sent'
                 AND p.kind IN ('question', 'checklist')""",
            (meeting_id, utc_text(now)),
        )
        return None if value is None else str(value)

    def open_questions(self, meeting_id: str, occurrence: str) -> list[OpenPrompt]:
        """That cycle's unanswered questions, in the order they were sent: what
        ``reflect nudge`` follows."""
        return [
            OpenPrompt(
                key=row["key"],
                member_email=row["email"],
                kind=row["kind"],
                meeting_id=meeting_id,
                occurrence=from_utc_text(occurrence),
                question_id=row["question_id"],
                sent_at=from_utc_text(row["sent_at"]),
            )
            for row in self.archive.rows(
                """SELECT o.key, m.email, p.kind, p.question_id, o.sent_at
                   FROM prompts p JOIN outbox o ON o.id = p.outbox_id
                   JOIN members m ON m.id = p.member_id
                   WHERE p.meeting_id = ? AND p.occurrence = ? AND p.answered = 0
                     AND o.status = 'sent' AND p.kind IN ('question', 'checklist')
                   ORDER BY p.id""",
                (meeting_id, occurrence),
            )
        ]

    def nudges_sent(self, meeting_id: str, occurrence: str) -> tuple[int, str | None]:
        """How many nudges a cycle had, and when the first was queued (UTC text)."""
        row = self.archive.one(
            """SELECT count(*) AS n, min(created_at) AS at FROM outbox
               WHERE kind = 'nudge' AND meeting_id = ? AND occurrence = ?""",
            (meeting_id, occurrence),
        )
        return (int(row["n"]), row["at"]) if row else (0, None)
