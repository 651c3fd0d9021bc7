"""An intended message (``Intent``), its stable key, and the order intents go out in.

One ``Intent`` per message the partnership means to send; the outbox's unique
key (``intent_key``) makes planning the same message twice harmless."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from scheduler.inputs.content import GETTING_TO_KNOW_YOU, HANDOVER
from scheduler.plan.kinds import MessageKind

# The order messages go out in when due at the same moment.
KIND_ORDER: dict[str, int] = {
    MessageKind.INDUCTION: 0,
    MessageKind.WELCOME_BACK: 1,
    MessageKind.INVITE: 2,
    MessageKind.CANCEL: 3,
    MessageKind.PROMPT: 5,
    MessageKind.ROLE_NOTE: 5,  # to the chair and note-taker, planned after the meeting's questions
    MessageKind.REMINDER: 6,
    MessageKind.HANDOVER: 7,
    MessageKind.LEAVER_NOTICE: 8,
    MessageKind.HANDOVER_MISSING: 8,
    MessageKind.HANDOVER_ARRIVED: 8,
    MessageKind.HANDOVER_NOTE: 8,
    MessageKind.DIGEST: 9,
    MessageKind.QUARANTINE_NOTICE: 9,
    MessageKind.INTRODUCTION: 10,
    MessageKind.PARTNERS: 10,
    MessageKind.CONVERSATION: 11,
    MessageKind.REQUEST_CONFIRM: 4,  # before the questions it may hold back come out
    MessageKind.STOP_NOTICE: 8,
    MessageKind.SILENT_MEMBERS: 9,
    MessageKind.NUDGE: 6,
}


# The product's own questions' ids live with their words, in inputs.content.
__all__ = ["GETTING_TO_KNOW_YOU", "HANDOVER", "KIND_ORDER", "Intent", "intent_key"]


@dataclass(frozen=True)
class Intent:
    """One message the partnership means to send."""

    key: str
    kind: MessageKind
    recipient: str
    due: datetime
    member_email: str | None = None
    meeting_id: str | None = None
    occurrence: datetime | None = None  # aware, the occurrence's original start
    question_id: str | None = None
    sequence: int | None = None
    follows: str | None = None  # the key of the message this one replies to
    answer_id: int | None = None  # the archived answer this message passes on
    answer_ids: tuple[int, ...] = ()  # "Meet your partners": the introductions it passes on
    partner: str | None = None  # a conversation's other person
    round_key: str | None = None  # which round of conversations
    passed_to: tuple[str, ...] = ()  # a handover note: the newcomers it went to
    also: tuple[str, ...] = ()  # a checklist reminder: the other parts still unanswered
    chair: str | None = None  # who chairs the occurrence a prompt or role note is for
    note_taker: str | None = None
    request_id: int | None = None  # a member's request by reply that this confirms or reports
    people: tuple[tuple[str, str], ...] = ()  # who has not replied: (email, why, e.g. "paused")

    def sort_key(self) -> tuple[int, datetime, str]:
        """Within one tick everything planned is due: welcomes go before questions.

        Ties keep the order planned (the sort is stable), so a checklist's parts
        go out, and are listed in the digest, in the checklist's own order.
        """
        return (KIND_ORDER.get(self.kind, 99), self.due, self.recipient)


def intent_key(partnership: str, kind: str, *parts: object) -> str:
    """The stable idempotency key of one intended message."""
    text = "\x1f".join([partnership, kind, *("" if p is None else str(p) for p in parts)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]
