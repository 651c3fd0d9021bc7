"""What reading a reply produces: the kinds of reply and their details."""

from __future__ import annotations

from collections.abc import Mapping
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
    # Added in issue 14 (the five above keep their values and meaning):
    FEEDBACK_REPORT = "feedback_report"  # an abuse/spam complaint (RFC 5965 ARF) about our mail
    COUNTER = "counter"  # a calendar counter-proposal (METHOD:COUNTER), for the convenor


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


@dataclass(frozen=True)
class Sender:
    """Who wrote a reply, as the membership knows them (every field optional).

    ``first_names`` holds the first name and any preferred or short forms
    ("Jo", "Joanna"); ``initials`` is derived from ``name`` when left empty.
    The reply reader uses these to recognise a closing name, a signature block
    and, in ``redact``, every trace of the author in an answer shown without
    them.
    """

    name: str = ""
    first_names: tuple[str, ...] = ()
    initials: str = ""
    organisation: str = ""
    role: str = ""
    email: str = ""

    def all_first_names(self) -> tuple[str, ...]:
        """The given first names, or the first word of ``name``."""
        found = [n.strip() for n in self.first_names if n.strip()]
        words = self.name_words()
        if words and words[0] not in found:
            found.append(words[0])
        return tuple(found)

    def name_words(self) -> tuple[str, ...]:
        """The words of ``name``, without titles such as "Dr" or post-nominals."""
        words = [w.strip(".,") for w in self.name.replace("\u2019", "'").split()]
        words = [w for w in words if w and w.casefold() not in _TITLES]
        return tuple(w for w in words if not (w.isupper() and len(w) > 1 and len(words) > 2))

    def all_initials(self) -> tuple[str, ...]:
        """Initials as written ("DM", "D.M.", "D") plus the given ``initials``."""
        words = self.name_words()
        found: list[str] = []
        if self.initials.strip():
            found.append(self.initials.strip())
        if words:
            letters = "".join(w[0] for w in words if w[0].isalpha()).upper()
            for form in (letters, ".".join(letters) + ".", letters[:1]):
                if form and form not in found:
                    found.append(form)
        return tuple(found)


def author(member: Mapping[str, object]) -> Sender:
    """The Sender a membership row describes (``name``, ``preferred_name``, ``email``,
    ``organisation``, ``role``; first names and initials are derived from ``name``)."""
    preferred = str(member.get("preferred_name") or "").strip()  # "Pete" signs off as Pete
    return Sender(
        name=str(member.get("name") or ""),
        first_names=(preferred,) if preferred else (),
        organisation=str(member.get("organisation") or ""),
        role=str(member.get("role") or ""),
        email=str(member.get("email") or ""),
    )


_TITLES = frozenset(
    {"dr", "mr", "mrs", "ms", "mx", "miss", "prof", "professor", "cllr", "rev", "sir"}
)
