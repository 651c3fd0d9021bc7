"""What we sent, as a reply or a delivery report names it: the reader's lookups.

A reply names a prompt (by its token's id or its Message-ID), a report names
one of our messages; the reader also asks whether an address is a member's,
whether a question's meeting still stands, and whom a series was sent to.
These only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scheduler.archive.database import Archive

_PROMPT = """SELECT p.id, p.kind, p.member_id, m.email AS member_email, p.body_text,
                    p.meeting_id, p.occurrence, p.outbox_id
             FROM prompts p JOIN outbox o ON o.id = p.outbox_id
             JOIN members m ON m.id = p.member_id"""
_SENT = "SELECT o.id, o.kind, o.recipient, o.member_id, o.message_id, o.key FROM outbox o"


@dataclass(frozen=True)
class MatchedPrompt:
    id: int
    kind: str
    member_id: int
    member_email: str
    body_text: str
    meeting_id: str | None = None
    occurrence: str | None = None  # UTC text, as the outbox keeps it
    outbox_id: int | None = None  # the email that asked it (one may ask several: the checklist)


@dataclass(frozen=True)
class CarriedPrompt:
    """One of the prompts one email asked (the checklist's numbered parts), in order."""

    id: int
    question_id: str
    question_text: str
    answered: bool


@dataclass(frozen=True)
class SentMessage:
    """One message in our outbox, as a reply or a delivery report names it."""

    id: int
    kind: str
    recipient: str
    member_id: int | None
    message_id: str
    key: str = ""


@dataclass(frozen=True)
class SentConversation:
    """One conversation we proposed: its round, the pair (as ``pairings`` sorts them)
    and the suggested slot (UTC text)."""

    round_key: str
    a: str
    b: str
    slot: str


class SentStore:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def prompt_for_token(self, token_id: str) -> MatchedPrompt | None:
        row = self.archive.one(f"{_PROMPT} WHERE o.token_id = ? ORDER BY p.id LIMIT 1", (token_id,))
        return MatchedPrompt(**row) if row else None

    def prompt_for_message_id(self, message_id: str) -> MatchedPrompt | None:
        row = self.archive.one(
            f"{_PROMPT} WHERE o.message_id = ? ORDER BY p.id LIMIT 1", (message_id,)
        )
        return MatchedPrompt(**row) if row else None

    def matched_prompt(self, prompt_id: int) -> MatchedPrompt | None:
        """One prompt as a reply's proof names it, by its id."""
        row = self.archive.one(f"{_PROMPT} WHERE p.id = ?", (prompt_id,))
        return MatchedPrompt(**row) if row else None

    def carried_prompts(self, outbox_id: int) -> list[CarriedPrompt]:
        """The numbered parts the email ``outbox_id`` asked, in their numbering: every
        prompt it carries but the whole email's own (``AnswerStore.whole_email_prompt``)."""
        return [
            CarriedPrompt(
                row["id"], row["question_id"], row["question_text"], bool(row["answered"])
            )
            for row in self.archive.rows(
                """SELECT p.id, p.question_id, p.question_text, p.answered
                   FROM prompts p JOIN outbox o ON o.id = p.outbox_id
                   WHERE p.outbox_id = ? AND p.question_id IS NOT o.question_id
                   ORDER BY p.id""",
                (outbox_id,),
            )
        ]

    def prompt(self, prompt_id: int) -> dict[str, Any] | None:
        """A prompt's id, kind, member_id and body_text."""
        return self.archive.one(
            "SELECT p.id, p.kind, p.member_id, p.body_text FROM prompts p WHERE p.id = ?",
            (prompt_id,),
        )

    def sent_with_message_id(self, message_id: str) -> SentMessage | None:
        row = self.archive.one(f"{_SENT} WHERE message_id = ?", (message_id,))
        return SentMessage(**row) if row else None

    def sent_with_message_id_in(self, start: str, end: str) -> SentMessage | None:
        """A message whose Message-ID sorts in [start, end) (one local part, any domain)."""
        row = self.archive.one(
            f"{_SENT} WHERE message_id >= ? AND message_id < ?",
            (start, end),
        )
        return SentMessage(**row) if row else None

    def meeting_status(self, meeting_id: str) -> str | None:
        value = self.archive.scalar("SELECT status FROM meetings WHERE id = ?", (meeting_id,))
        return None if value is None else str(value)

    def is_member(self, address: str) -> bool:
        return bool(self.archive.scalar("SELECT 1 FROM members WHERE email = ?", (address,)))

    def invited_member_id(self, address: str, meeting_id: str) -> int | None:
        """The member at ``address``, if a series' invitation went to them."""
        row = self.archive.conn.execute(
            """SELECT m.id FROM members m JOIN invitations i ON i.member_id = m.id
               WHERE m.email = ? AND i.meeting_id = ?""",
            (address, meeting_id),
        ).fetchone()
        return int(row[0]) if row else None

    def conversations(self) -> list[SentConversation]:
        """Every conversation proposed, oldest first."""
        rows = self.archive.rows(
            "SELECT round_key, a, b, slot FROM pairings ORDER BY created_at, round_key, a, b"
        )
        return [SentConversation(**row) for row in rows]

    def move_conversation(self, round_key: str, a: str, b: str, *, slot: str, moved_by: str) -> int:
        """Move a conversation to ``slot`` (UTC text) at one of the pair's request; the
        SEQUENCE its updated invitation goes at. Inside the caller's transaction."""
        self.archive.conn.execute(
            "UPDATE pairings SET slot = ?, sequence = sequence + 1, moved_by = ? "
            "WHERE round_key = ? AND a = ? AND b = ?",
            (slot, moved_by, round_key, a, b),
        )
        value = self.archive.scalar(
            "SELECT sequence FROM pairings WHERE round_key = ? AND a = ? AND b = ?",
            (round_key, a, b),
        )
        return int(value or 0)

    def sent_to_member(self, outbox_key: str, address: str) -> int | None:
        """The member at ``address``, if the outbox row ``outbox_key`` was sent to them."""
        row = self.archive.conn.execute(
            """SELECT m.id FROM outbox o JOIN members m ON m.id = o.member_id
               WHERE o.key = ? AND o.status = 'sent' AND m.email = ?""",
            (outbox_key, address),
        ).fetchone()
        return int(row[0]) if row else None

    def member_id(self, address: str) -> int | None:
        value = self.archive.scalar("SELECT id FROM members WHERE email = ?", (address,))
        return None if value is None else int(value)

    def member(self, member_id: int) -> dict[str, Any] | None:
        """What the membership says of a member: name, preferred name, organisation, role,
        address."""
        return self.archive.one(
            "SELECT name, preferred_name, organisation, role, email FROM members WHERE id = ?",
            (member_id,),
        )

    def earlier_raw(self, member_id: int, before: int, limit: int) -> list[bytes]:
        """The raw bytes of a member's latest messages read before this one (newest first)."""
        rows = self.archive.rows(
            """SELECT raw FROM inbound WHERE member_id = ? AND id < ? AND length(raw) > 0
               ORDER BY id DESC LIMIT ?""",
            (member_id, before, limit),
        )
        return [bytes(row["raw"]) for row in rows]
