"""What reading a reply produces: the kinds of reply and their details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReplyKind(StrEnum):
    """What a reply message turned out to be."""

    ANSWER = "answer"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    RSVP = "rsvp"
    EMPTY = "empty"


@dataclass(frozen=True)
class Rsvp:
    """One attendee's answer to one calendar event (or one occurrence of it)."""

    uid: str
    attendee: str  # lower-cased address without "mailto:"
    partstat: str  # "ACCEPTED", "DECLINED", "TENTATIVE", ...
    recurrence_id: datetime | None  # aware; None for the whole series
    sequence: int
    comment: str


@dataclass(frozen=True)
class Bounce:
    """A delivery failure (or delay) report about mail we sent."""

    recipients: tuple[str, ...]  # failed addresses, lower-case
    status: str | None  # enhanced status code such as "5.1.1"
    diagnostic: str | None  # the remote server's words
    permanent: bool  # False for delays and 4.x.x statuses


@dataclass(frozen=True)
class ParsedReply:
    """A reply read: its kind, the member's words and why it was read so."""

    kind: ReplyKind
    text: str
    reason: str
    rsvps: tuple[Rsvp, ...] = ()
    bounce: Bounce | None = None
    defects: tuple[str, ...] = ()
