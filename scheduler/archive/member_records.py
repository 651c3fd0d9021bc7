"""What the archive holds about each member, read member by member: finding one by
address, everyone's names and addresses (to keep them out of anonymous text),
and every row about one member (a subject access request).
"""

from __future__ import annotations

from typing import Any

from scheduler.archive.database import Archive

Row = dict[str, Any]


class MemberRecords:
    """Read-only queries about members and the rows that name them."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def by_address(self, email: str) -> Row | None:
        """The whole ``members`` row with this (already lower-cased) address, if any."""
        return self.archive.one("SELECT * FROM members WHERE email = ?", (email,))

    def names_and_addresses(self) -> list[tuple[str, str]]:
        """Every member's (name, email), forgotten members' placeholders included; a member
        whose preferred name is not their full name's first word is listed by it too."""
        found = []
        for row in self.archive.rows("SELECT name, preferred_name, email FROM members"):
            found.append((row["name"], row["email"]))
            if row["preferred_name"]:
                found.append((row["preferred_name"], row["email"]))
        return found

    def messages_sent_to(self, member_id: int) -> list[Row]:
        """Their outbox rows, ``raw`` included, oldest first."""
        return self.archive.rows(
            """SELECT id, kind, recipient, meeting_id, occurrence, question_id, subject, status,
                      sent_at, created_at, raw FROM outbox WHERE member_id = ? ORDER BY id""",
            (member_id,),
        )

    def messages_received_from(self, member_id: int, email: str) -> list[Row]:
        """Inbound rows that are theirs: matched to them, from their address, or
        answering one of their prompts; ``raw`` included, oldest first."""
        return self.archive.rows(
            """SELECT id, received_at, from_address, subject, status, reason, raw FROM inbound
               WHERE member_id = ? OR lower(from_address) = ?
                  OR prompt_id IN (SELECT id FROM prompts WHERE member_id = ?) ORDER BY id""",
            (member_id, email, member_id),
        )

    def membership_events(self, member_id: int) -> list[Row]:
        return self.archive.rows(
            "SELECT kind, on_date, detail, recorded_at FROM membership_events "
            "WHERE member_id = ? ORDER BY id",
            (member_id,),
        )

    def answers(self, member_id: int) -> list[Row]:
        """Their answers with the question each answers, in the order they arrived."""
        return self.archive.rows(
            """SELECT a.received_at, a.kind, p.question_id, p.question_text AS question,
                      p.meeting_id, p.occurrence, a.text
               FROM answers a JOIN prompts p ON p.id = a.prompt_id
               WHERE a.member_id = ? ORDER BY a.received_at, a.id""",
            (member_id,),
        )

    def answer_edits(self, member_id: int) -> list[Row]:
        """The convenor's corrections to their answers, with what each said before."""
        return self.archive.rows(
            """SELECT e.answer_id, e.old_text, e.new_text, e.edited_at
               FROM answer_edits e JOIN answers a ON a.id = e.answer_id
               WHERE a.member_id = ? ORDER BY e.id""",
            (member_id,),
        )

    def questions_sent(self, member_id: int) -> list[Row]:
        return self.archive.rows(
            """SELECT p.kind, p.meeting_id, p.occurrence, p.question_id, p.question_text,
                      p.body_text, p.answered, p.reminded
               FROM prompts p WHERE p.member_id = ? ORDER BY p.id""",
            (member_id,),
        )

    def calendar_invitations(self, member_id: int) -> list[Row]:
        return self.archive.rows(
            "SELECT meeting_id, sequence, status, updated_at FROM invitations WHERE member_id = ?",
            (member_id,),
        )

    def calendar_replies(self, member_id: int) -> list[Row]:
        return self.archive.rows(
            "SELECT meeting_id, recurrence_id, partstat, received_at FROM rsvps "
            "WHERE member_id = ? ORDER BY id",
            (member_id,),
        )

    def requests(self, member_id: int) -> list[Row]:
        """What they asked by reply (pause, resume, skip, away, stop), oldest first."""
        return self.archive.rows(
            "SELECT word, until_day, meeting_id, occurrence, received_at FROM member_requests "
            "WHERE member_id = ? ORDER BY id",
            (member_id,),
        )
