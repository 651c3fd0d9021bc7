"""What a proved reply records about a member: an answer, an RSVP, a failing address.

``scheduler/inbound/`` decides whether a reply proves anything (see
docs/reliability.md); these are the only writes it then makes, each inside the
transaction that also records the message's outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from scheduler.archive.database import Archive, utc_text

# the kind of answer each kind of prompt files; any other prompt's is an "answer"
ANSWER_KINDS = {"handover": "handover", "getting_to_know_you": "introduction"}


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
