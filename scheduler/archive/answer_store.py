"""Members' answers: what a proved reply records (an answer, an RSVP, a failing
address), and reading them back for a digest or an export.

``scheduler/inbound/`` decides whether a reply proves anything (see
docs/reliability.md); the writes here are the only ones it then makes, each
inside the transaction that also records the message's outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from scheduler.archive.database import Archive, utc_text

# the kind of answer each kind of prompt files; any other prompt's is an "answer"
ANSWER_KINDS = {"handover": "handover", "getting_to_know_you": "introduction"}


Row = dict[str, Any]


class AnswerStore:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def record_answer(
        self,
        inbound_id: int,
        prompt_id: int,
        member_id: int,
        prompt_kind: str,
        text: str,
        now: datetime,
    ) -> None:
        """File a member's answer to a prompt: the one way an answer enters the archive.

        A proved answer from the member also shows their address works again.
        """
        with self.archive.transaction() as conn:
            conn.execute(
                """INSERT INTO answers (inbound_id, prompt_id, member_id, kind, text, received_at)
                   VALUES (?,?,?,?,?,?)""",
                (inbound_id, prompt_id, member_id, ANSWER_KINDS.get(prompt_kind, "answer"),
                 text, utc_text(now)),
            )  # fmt: skip
            conn.execute("UPDATE prompts SET answered = 1 WHERE id = ?", (prompt_id,))
            conn.execute(
                "UPDATE members SET address_failing = 0, failing_reason = NULL WHERE id = ?",
                (member_id,),
            )

    def whole_email_prompt(self, outbox_id: int, question_text: str) -> tuple[int, str]:
        """The prompt (id, kind) for answers to a whole email of several parts that name
        none of them: the outbox row's own question id (``checklist``), made from the
        email's first part the first time such an answer arrives (so the parts are
        counted as before until then); answered at once, so never reminded."""
        with self.archive.transaction() as conn:
            found = conn.execute(
                """SELECT p.id, p.kind FROM prompts p JOIN outbox o ON o.id = p.outbox_id
                   WHERE p.outbox_id = ? AND p.question_id = o.question_id""",
                (outbox_id,),
            ).fetchone()
            if found is not None:
                return int(found[0]), str(found[1])
            cursor = conn.execute(
                """INSERT INTO prompts (outbox_id, member_id, kind, meeting_id, occurrence,
                   question_id, question_text, body_text, reminded)
                   SELECT p.outbox_id, p.member_id, p.kind, p.meeting_id, p.occurrence,
                          o.question_id, ?, p.body_text, 1
                   FROM prompts p JOIN outbox o ON o.id = p.outbox_id
                   WHERE p.outbox_id = ? ORDER BY p.id LIMIT 1""",
                (question_text, outbox_id),
            )
            kind = conn.execute(
                "SELECT kind FROM prompts WHERE id = ?", (cursor.lastrowid,)
            ).fetchone()
            return int(cursor.lastrowid or 0), str(kind[0])

    def record_rsvp(
        self,
        inbound_id: int,
        member_id: int,
        meeting_id: str,
        recurrence_id: datetime | None,
        partstat: str,
        now: datetime,
        *,
        accepted_by: str | None = None,
    ) -> None:
        """A member's calendar reply to a series. Inside the caller's transaction.

        ``accepted_by`` names who vouched for a reply not proved by the attendee's own
        address (the convenor, from the quarantine); None when it was.
        """
        self.archive.conn.execute(
            """INSERT INTO rsvps (inbound_id, member_id, meeting_id, recurrence_id, partstat,
               received_at, accepted_by) VALUES (?,?,?,?,?,?,?)""",
            (inbound_id, member_id, meeting_id,
             utc_text(recurrence_id) if recurrence_id else None, partstat, utc_text(now),
             accepted_by),
        )  # fmt: skip

    def record_conversation_reply(
        self,
        inbound_id: int,
        member_id: int,
        *,
        partner_id: int | None,
        round_key: str,
        slot: str,
        partstat: str,
        now: datetime,
        accepted_by: str | None = None,
    ) -> None:
        """A member's calendar reply to a one-to-one conversation. Inside the caller's
        transaction."""
        self.archive.conn.execute(
            """INSERT INTO conversation_replies (inbound_id, member_id, partner_id, round_key,
               slot, partstat, received_at, accepted_by) VALUES (?,?,?,?,?,?,?,?)""",
            (inbound_id, member_id, partner_id, round_key, slot, partstat, utc_text(now),
             accepted_by),
        )  # fmt: skip

    def mark_failing(self, member_ids: Iterable[int], why: str) -> None:
        """Members whose address a believed bounce says fails, in one transaction."""
        with self.archive.transaction() as conn:
            for member_id in member_ids:
                conn.execute(
                    "UPDATE members SET address_failing = 1, failing_reason = ? WHERE id = ?",
                    (why, member_id),
                )

    # ---- reading them, for the digest and the export

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
            """SELECT p.question_id, a.text, m.name, m.preferred_name, m.organisation, m.role, m.email
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
                      m.role, m.preferred_name, m.sector, a.text
               FROM answers a JOIN prompts p ON p.id = a.prompt_id
               JOIN members m ON m.id = a.member_id
               LEFT JOIN meetings mt ON mt.id = p.meeting_id
               WHERE a.text != ''
               ORDER BY coalesce(p.occurrence, a.received_at), p.meeting_id, p.id, a.received_at, a.id"""
        )
