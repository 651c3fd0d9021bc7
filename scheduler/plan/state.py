"""What the planner knows from the archive: members, series, the invitations each
member holds, open prompts, handover notes and held-back mail, as frozen records.

``archive.state.load_state`` builds a ``State``; the planner only reads it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class MemberState:
    id: int
    email: str
    name: str
    organisation: str
    sector: str
    role: str
    status: str  # pending | active | left
    inducted: bool
    address_failing: bool = False
    joined: date | None = None
    left_on: date | None = None
    rejoined_on: date | None = None
    share_introduction: bool = False
    first_seen: date | None = None
    preferred_name: str = ""  # what they are called in a greeting, when the file says
    leaving_on: date | None = None  # a ``left`` date written ahead of time: their last day


@dataclass(frozen=True)
class MeetingState:
    id: str
    sequence: int
    status: str  # active | removed
    fingerprint: str
    definition: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Invitation:
    """What one member last received of one series."""

    sequence: int
    status: str  # invited | cancelled
    definition: Mapping[str, object] | None = None  # the series as that member was sent it
    # the highest SEQUENCE of anything sent to that member for the series (an occurrence
    # update of older versions included); a new version must rise above it
    highest: int = 0


@dataclass(frozen=True)
class OpenPrompt:
    key: str
    member_email: str
    kind: str
    meeting_id: str | None
    occurrence: datetime | None
    question_id: str
    sent_at: datetime
    part_number: int | None = None  # its number, when one of several parts of one email


@dataclass(frozen=True)
class Handover:
    """A leaver's handover note, as archived."""

    answer_id: int
    author: str  # email
    received_at: datetime


@dataclass(frozen=True)
class HeldBack:
    """A message quarantined since the convenor was last told of any."""

    inbound_id: int
    sender: str
    subject: str
    reason: str
    seems: str = ""  # answer, rsvp, bounce or other (``inbound.held``), filled before rendering
    first_lines: tuple[str, ...] = ()  # of its text, already printable


OPEN_STATUSES = ("open", "not_yet")  # an action still to be done


@dataclass(frozen=True)
class AgreedItem:
    """One line a meeting agreed, as the archive holds it."""

    id: int
    meeting_id: str
    occurrence: datetime  # aware UTC, the meeting's original start
    kind: str  # decision | action | note
    text: str
    owner_text: str = ""
    owner_email: str = ""  # a member's, when the owner is one (and not forgotten)
    owner_name: str = ""
    owner_organisation: str = ""
    owner_sector: str = ""
    due: date | None = None
    due_text: str = ""
    status: str = "open"  # open | done | not_yet | dropped | recorded (decisions, notes)
    status_note: str = ""
    recorded_at: datetime | None = None

    @property
    def owner(self) -> str:
        """Who owns it, as people read it: "Tom Okafor (City Council)", or as written."""
        if self.owner_name:
            return f"{self.owner_name} ({self.owner_organisation})"
        return self.owner_organisation or self.owner_text

    @property
    def is_open(self) -> bool:
        return self.kind == "action" and self.status in OPEN_STATUSES


@dataclass(frozen=True)
class MeetingNotes:
    """One note-taker's reply, read."""

    id: int
    meeting_id: str
    occurrence: datetime
    note_taker: str
    request_key: str
    received_at: datetime


@dataclass(frozen=True)
class Request:
    """One thing a member asked by replying a word to one of our emails (``inbound.controls``)."""

    id: int
    email: str
    word: str  # pause | resume | skip | away | stop
    at: datetime
    until: date | None = None  # away: the day they are back
    meeting_id: str | None = None  # skip: the cycle it is for, when the reply said
    occurrence: datetime | None = None


@dataclass(frozen=True)
class State:
    members: Mapping[str, MemberState]
    meetings: Mapping[str, MeetingState] = field(default_factory=dict)
    invitations: Mapping[tuple[str, str], Invitation] = field(default_factory=dict)
    open_prompts: tuple[OpenPrompt, ...] = ()
    # recent "getting to know you" answers of members who agreed to share them: (answer id, email)
    introductions: tuple[tuple[int, str], ...] = ()
    introduced_at: Mapping[int, datetime] = field(default_factory=dict)  # answer id -> received
    started: date | None = None  # the day the service first met this partnership
    pairings: tuple[tuple[str, str, str], ...] = ()  # (round key, a, b) of conversations proposed
    # each member's conversations (their slots as they stand, moves included), aware UTC
    booked: Mapping[str, tuple[datetime, ...]] = field(default_factory=dict)
    # conversations one of the pair moved: (round key, a, b, slot, sequence, moved by)
    moved: tuple[tuple[str, str, str, datetime, int, str], ...] = ()
    roles: Mapping[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    # ^ (meeting id, occurrence in UTC text) -> (chair, note-taker) already named
    handovers: tuple[Handover, ...] = ()  # notes received recently
    inducted_at: Mapping[str, datetime] = field(default_factory=dict)  # recent inductions
    held_back: tuple[HeldBack, ...] = ()  # quarantined since the last notice to the convenor
    last_notice: datetime | None = None  # when that notice was queued, if there was one
    handover_asked: Mapping[str, datetime] = field(default_factory=dict)  # recent requests
    requests: tuple[Request, ...] = ()  # members' own requests by reply, oldest first
    # coming cycles' questions: (meeting id, occurrence in UTC text) -> email -> answered any
    cycle_replies: Mapping[tuple[str, str], Mapping[str, bool]] = field(default_factory=dict)
    # when each recipient's emails went (or are queued to go), from MAILED_WINDOW ago on:
    # what ``pacing`` counts against a member's day
    mailed: Mapping[str, tuple[datetime, ...]] = field(default_factory=dict)
    # checklist areas of meetings to come already asked in an email of their own (archives
    # from before the checklist was one email): (member, meeting id, occurrence UTC text, area)
    asked_alone: frozenset[tuple[str, str, str, str]] = frozenset()
    # what meetings agreed (plan/agreed.py): note-takers' replies read recently, and the
    # actions still open
    meeting_notes: tuple[MeetingNotes, ...] = ()
    open_actions: tuple[AgreedItem, ...] = ()
    # (meeting id, occurrence in UTC text) whose questions the service sent, recently
    prepared: frozenset[tuple[str, str]] = frozenset()


def arrival_day(member: MemberState) -> date | None:
    """When a member came: their ``joined`` date, or the day they were first listed if later."""
    days = [d for d in (member.first_seen, member.joined) if d is not None]
    return max(days) if days else None
