"""Reading members' answers: one cycle's questions and answers for a digest, and
every answer with words for an export.

Answers are written by ingest; this module only reads them.
"""

from __future__ import annotations

from typing import Any

from scheduler.archive.database import Archive

Row = dict[str, Any]


class AnswerStore:
    """Queries over ``answers`` and the prompts they answer."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def cycle_questions(self, meeting_id: str, occurrence: str) -> list[Row]:
        """The questions sent for one cycle (``question_id``, ``question_text``), in the
        order they first went out, each with its first prompt's wording."""
        return self.archive.rows(
            # SQLite takes a bare column from the row that gave min(): the first prompt's wording.
            """SELECT p.question_id, min(p.id) AS first_id, p.question_text
               FROM prompts p JOIN outbox o ON o.id = p.outbox_id
               WHERE p.meeting_id = ? AND p.occurrence = ? AND o.status = 'sent'
               GROUP BY p.question_id ORDER BY first_id""",
            (meeting_id, occurrence),
        )

    def cycle_answers(self, meeting_id: str, occurrence: str) -> list[Row]:
        """One cycle's answers that have words (``question_id``, ``text``, the member's
        ``name`` and ``organisation``), in the order they arrived."""
        return self.archive.rows(
            """SELECT p.question_id, a.text, m.name, m.organisation, m.role, m.email
               FROM answers a JOIN prompts p ON p.id = a.prompt_id
               JOIN members m ON m.id = a.member_id
               WHERE p.meeting_id = ? AND p.occurrence = ? AND a.text != ''
               ORDER BY a.received_at, a.id""",
            (meeting_id, occurrence),
        )

    def with_words(self) -> list[Row]:
        """Every answer that still has words (a forgotten member's have none), with its
        question, meeting title, member and sector; by cycle, then question, then arrival."""
        return self.archive.rows(
            """SELECT a.received_at, a.kind, p.question_id, p.question_text AS question,
                      coalesce(mt.title, p.meeting_id) AS meeting_title,
                      p.meeting_id, p.occurrence, m.name AS member, m.email, m.organisation,
                      m.role, m.sector, a.text
               FROM answers a JOIN prompts p ON p.id = a.prompt_id
               JOIN members m ON m.id = a.member_id
               LEFT JOIN meetings mt ON mt.id = p.meeting_id
               WHERE a.text != ''
               ORDER BY coalesce(p.occurrence, a.received_at), p.meeting_id, p.id, a.received_at, a.id"""
        )
