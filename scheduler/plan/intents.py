"""An intended message (``Intent``) and its payload (the facts its kind carries), its
stable key, and the order intents go out in.

One ``Intent`` per message the partnership means to send; the outbox's unique
key (``intent_key``) makes planning the same message twice harmless."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from scheduler.inputs.content import CHECKLIST, GETTING_TO_KNOW_YOU, HANDOVER
from scheduler.vocabulary import MessageKind

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
    MessageKind.FORWARD: 9,  # queued by the reader
    MessageKind.COMMAND_ANSWER: 9,
    MessageKind.NOTES_REQUEST: 12,
    MessageKind.NOTES_CONFIRM: 12,
    MessageKind.ACTION_FOLLOW_UP: 12,
    MessageKind.ACTION_SKIPPED: 12,
}


# The product's own questions' ids live with their words, in inputs.content.
__all__ = [
    "CHECKLIST",
    "GETTING_TO_KNOW_YOU",
    "HANDOVER",
    "KIND_ORDER",
    "AboutMember",
    "ActionOf",
    "Bare",
    "Conversation",
    "Digest",
    "HandoverArrived",
    "Intent",
    "MeetingAt",
    "NotesOf",
    "OneMeetingUpdate",
    "Partners",
    "PassedOn",
    "Payload",
    "Question",
    "Reminder",
    "RequestNote",
    "RoleNote",
    "SeriesInvitation",
    "SilentList",
    "intent_key",
]


# ---------------------------------------------------------------- payloads
#
# What one kind of message is about: a small frozen dataclass per family of kinds
# sharing the same facts, each field required unless the kind may truly lack it.
# ``Payload`` names them all, so a consumer's ``match`` is checked for each.


@dataclass(frozen=True)
class MeetingAt:
    """One occurrence of a meeting series, by its original start (aware)."""

    meeting_id: str
    occurrence: datetime


@dataclass(frozen=True)
class Bare:
    """Nothing beyond whom it goes to: the quarantine notice."""


@dataclass(frozen=True)
class AboutMember:
    """One member, the message's subject: induction, welcome back, a leaver's notice,
    a handover still missing."""

    member_email: str


@dataclass(frozen=True)
class Question:
    """A question put to a member: before a meeting (``at``, with who chairs and takes
    notes when roles rotate), or on its own (getting to know you, a leaver's handover).
    The governance checklist is one question (``CHECKLIST``) with numbered ``parts``
    (area ids, in the checklist's order), each its own prompt in the archive."""

    member_email: str
    question_id: str
    at: MeetingAt | None = None
    chair: str | None = None
    note_taker: str | None = None
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reminder:
    """One reminder of the prompt ``follows`` (its key), naming a checklist's other
    parts still unanswered (``also``); ``numbers`` (of the question and then of
    ``also``) when they came as one email's numbered parts, so the reminder asks by the
    same numbers."""

    member_email: str
    question_id: str
    follows: str
    at: MeetingAt | None = None
    also: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()


@dataclass(frozen=True)
class RoleNote:
    """To the chair or the note-taker of one occurrence: it is their turn."""

    member_email: str
    at: MeetingAt
    chair: str
    note_taker: str


@dataclass(frozen=True)
class SeriesInvitation:
    """A meeting series' calendar entry (or its CANCEL) at ``sequence``."""

    member_email: str
    meeting_id: str
    sequence: int


@dataclass(frozen=True)
class OneMeetingUpdate:
    """A calendar update of one meeting, as earlier versions sent (``roles``,
    ``cancel_occurrence``). Never planned now; its rows are still read."""

    member_email: str
    at: MeetingAt
    sequence: int


@dataclass(frozen=True)
class PassedOn:
    """A member's archived answer passed on to the recipient: an introduction, or a
    leaver's handover note. ``member_email`` is its author."""

    member_email: str
    answer_id: int


@dataclass(frozen=True)
class HandoverArrived:
    """To the convenor: a leaver's note has arrived, and the newcomers it went to."""

    member_email: str
    answer_id: int
    passed_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Partners:
    """ "Meet your partners": the founders' introductions, as one email."""

    member_email: str
    answer_ids: tuple[int, ...]


@dataclass(frozen=True)
class Conversation:
    """A one-to-one conversation of round ``round_key`` with ``partner`` at ``slot``."""

    member_email: str
    partner: str
    round_key: str
    slot: datetime
    sequence: int = 0  # above 0: the same conversation, moved by one of the two


@dataclass(frozen=True)
class NotesOf:
    """What a meeting agreed: the question to its note-taker, or (``notes_id``, the reply
    read) its confirmation, which threads under the question (``follows``, its key).
    ``member_email`` is the note-taker's when they are a member."""

    at: MeetingAt
    member_email: str | None = None
    notes_id: int | None = None
    follows: str | None = None


@dataclass(frozen=True)
class ActionOf:
    """An owner's open actions (``action_ids``) before the meeting ``at``: their
    follow-up, or the convenor's word that the owner has left. ``member_email``: the
    owner, when a member."""

    at: MeetingAt
    action_ids: tuple[int, ...]
    member_email: str | None = None


@dataclass(frozen=True)
class Digest:
    """A meeting's digest; ``member_email`` when it goes to a member (not the convenor)."""

    at: MeetingAt
    member_email: str | None = None


@dataclass(frozen=True)
class RequestNote:
    """A member's request by reply (``State.requests``, by id): confirmed to them, or a
    ``stop`` reported to the convenor. ``member_email`` is the member who asked."""

    member_email: str
    request_id: int


@dataclass(frozen=True)
class SilentList:
    """To the convenor: who has not replied to one occurrence's questions, as
    (email, why) with why "" for plain silence, or "paused", "away until ...", ..."""

    at: MeetingAt
    people: tuple[tuple[str, str], ...] = ()
    member_email: str | None = None  # about nobody in particular


Payload = (
    Bare
    | AboutMember
    | Question
    | Reminder
    | RoleNote
    | SeriesInvitation
    | OneMeetingUpdate
    | PassedOn
    | HandoverArrived
    | Partners
    | Conversation
    | Digest
    | NotesOf
    | ActionOf
    | RequestNote
    | SilentList
)

P = TypeVar("P", bound=Payload)


@dataclass(frozen=True)
class Intent:
    """One message the partnership means to send: what it is, to whom, when, and the
    facts its kind needs (``payload``)."""

    key: str
    kind: MessageKind
    recipient: str
    due: datetime
    payload: Payload

    @property
    def member_email(self) -> str | None:
        """The member the message is to or about (its outbox row's member), if any."""
        return None if isinstance(self.payload, Bare) else self.payload.member_email

    def facts(self, expected: type[P]) -> P:
        """The payload, as the type this kind must carry (``ValueError`` if it does not)."""
        if not isinstance(self.payload, expected):
            raise ValueError(
                f"a {self.kind} message needs a {expected.__name__} payload, "
                f"not {type(self.payload).__name__}"
            )
        return self.payload

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
