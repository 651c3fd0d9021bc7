"""The convenor's corrections to archived answers: finding an answer with the raw
message it came from, listing recent answers, and replacing an answer's text.

``answers.text`` is what digests, reports and exports read, so a correction
rewrites it; the raw message is never touched, and each correction is kept in
``answer_edits`` (old text, new text, when), in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.archive.database import Archive, utc_text

Row = dict[str, Any]


class AnswerEdits:
    """Reads and the one write behind ``reflect answers``."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def count(self) -> int:
        return int(self.archive.scalar("SELECT count(*) FROM answers"))

    def recent(self, limit: int) -> list[Row]:
        """The latest ``limit`` answers, oldest of them first: number, when, kind, member,
        question, whether forgotten, how many times edited, and the text."""
        rows = self.archive.rows(
            """SELECT a.id, a.received_at, a.kind, a.text, p.question_id, m.name AS member,
                      (a.forgotten = 1 OR m.forgotten_at IS NOT NULL) AS forgotten,
                      (SELECT count(*) FROM answer_edits e WHERE e.answer_id = a.id) AS edits
               FROM answers a JOIN prompts p ON p.id = a.prompt_id
               JOIN members m ON m.id = a.member_id
               ORDER BY a.id DESC LIMIT ?""",
            (limit,),
        )
        return rows[::-1]

    def answer(self, answer_id: int) -> Row | None:
        """One answer with its member, question, cycle and the received message it came
        from (``raw``, empty once retention or forgetting erased it, and ``reason``)."""
        return self.archive.one(
            """SELECT a.id, a.received_at, a.kind, a.text, a.inbound_id,
                      (a.forgotten = 1 OR m.forgotten_at IS NOT NULL) AS forgotten,
                      m.name AS member, m.organisation, p.question_id,
                      p.question_text AS question, p.meeting_id, p.occurrence,
                      coalesce(mt.title, p.meeting_id) AS meeting_title,
                      i.raw, i.reason, i.received_at AS raw_received_at
               FROM answers a JOIN prompts p ON p.id = a.prompt_id
               JOIN members m ON m.id = a.member_id
               JOIN inbound i ON i.id = a.inbound_id
               LEFT JOIN meetings mt ON mt.id = p.meeting_id
               WHERE a.id = ?""",
            (answer_id,),
        )

    def edits(self, answer_id: int) -> list[Row]:
        """The corrections made to one answer, oldest first."""
        return self.archive.rows(
            "SELECT old_text, new_text, edited_at FROM answer_edits WHERE answer_id = ? ORDER BY id",
            (answer_id,),
        )

    def replace_text(self, answer_id: int, text: str, now: datetime) -> str:
        """Give the answer ``text``, recording the correction; the text it had before."""
        with self.archive.transaction() as conn:
            old = conn.execute("SELECT text FROM answers WHERE id = ?", (answer_id,)).fetchone()
            if old is None:
                raise LookupError(answer_id)
            conn.execute("UPDATE answers SET text = ? WHERE id = ?", (text, answer_id))
            conn.execute(
                "INSERT INTO answer_edits (answer_id, old_text, new_text, edited_at) "
                "VALUES (?, ?, ?, ?)",
                (answer_id, old[0], text, utc_text(now)),
            )
        return str(old[0])
