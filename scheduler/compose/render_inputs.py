"""What a batch of intents needs from the archive to be rendered, and its answer.

The renderer queries nothing. Before rendering, ``render_needs`` says what the
intents at hand quote (an answer's words, leavers' handover notes, a cycle's
digest, a member's standing answer to a series); whoever holds the archive
gathers exactly that into a ``RenderInputs`` and hands it to the ``Renderer``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from scheduler.compose.wording import held_at, meeting_from_definition, spoken_when
from scheduler.inputs.config import Config, Meeting
from scheduler.plan.intents import (
    ActionOf,
    Digest,
    HandoverArrived,
    Intent,
    NotesOf,
    Partners,
    PassedOn,
    Question,
    SeriesInvitation,
)
from scheduler.plan.state import AgreedItem, MeetingState, MemberState, Request
from scheduler.reports.digest import DigestView

# only a plain calendar answer carries over to an updated series: an odd or
# delegated one is asked again
PLAIN_ANSWERS = frozenset({"ACCEPTED", "DECLINED", "TENTATIVE"})


@dataclass(frozen=True)
class HandoverNote:
    """A leaver's note, as a newcomer's induction quotes it."""

    name: str
    organisation: str
    role: str
    left_on: date | None
    text: str


@dataclass(frozen=True)
class DigestNeed:
    """One cycle's digest to be built: the meeting, the occurrence, and when it is held."""

    meeting: Meeting
    occurrence: datetime
    when_text: str


@dataclass(frozen=True)
class AgreedInputs:
    """What meetings agreed, as the messages being rendered quote it."""

    lines: Mapping[int, Sequence[AgreedItem]] = field(default_factory=dict)  # by notes id
    corrected: frozenset[int] = frozenset()  # notes ids that replaced earlier notes
    actions: Mapping[int, AgreedItem] = field(default_factory=dict)  # by id
    # (meeting id, occurrence or None for "now") -> (last decisions, open actions)
    carried: Mapping[
        tuple[str, datetime | None], tuple[Sequence[AgreedItem], Sequence[AgreedItem]]
    ] = field(default_factory=dict)


def carried_key(intent: Intent) -> tuple[str, datetime | None] | None:
    """Whose "Last time we agreed" an email opens with: a meeting's question and digest
    (before that occurrence), a series' calendar entry (as things stand), else none."""
    match intent.payload:
        case Question(at=at) if at is not None and intent.kind == "prompt":
            return at.meeting_id, at.occurrence
        case Digest(at=at):
            return at.meeting_id, at.occurrence
        case SeriesInvitation(meeting_id=meeting_id) if intent.kind == "invite":
            return meeting_id, None
    return None


@dataclass(frozen=True)
class RenderNeeds:
    answer_ids: frozenset[int] = frozenset()  # answers whose words a message quotes
    notes_ids: frozenset[int] = frozenset()  # note-takers' replies a confirmation lists
    action_ids: frozenset[int] = frozenset()  # actions a follow-up asks about
    carried: frozenset[tuple[str, datetime | None]] = frozenset()  # "Last time we agreed"
    newcomers: tuple[MemberState, ...] = ()  # whose induction quotes leavers' notes
    digests: tuple[DigestNeed, ...] = ()
    series: frozenset[tuple[str, str]] = frozenset()  # (member email, meeting id) re-invited


@dataclass(frozen=True)
class RenderInputs:
    """What the archive holds that the messages being rendered quote."""

    answer_texts: Mapping[int, str] = field(default_factory=dict)
    answer_authors: Mapping[int, str] = field(default_factory=dict)  # answer id -> email
    handovers: Mapping[str, Sequence[HandoverNote]] = field(default_factory=dict)  # by email
    digests: Mapping[tuple[str, datetime], DigestView] = field(default_factory=dict)
    # (member email, meeting id) -> the member's last PARTSTAT for the whole series
    series_answers: Mapping[tuple[str, str], str] = field(default_factory=dict)
    agreed: AgreedInputs = field(default_factory=AgreedInputs)
    requests: Mapping[int, Request] = field(default_factory=dict)  # members' requests, by id

    def answer_text(self, answer_id: int | None) -> str:
        return self.answer_texts.get(answer_id or 0, "")

    def series_answer(self, email: str, meeting_id: str) -> str:
        answer = self.series_answers.get((email, meeting_id), "")
        return answer if answer in PLAIN_ANSWERS else "NEEDS-ACTION"


def find_meeting(config: Config, meetings: Mapping[str, MeetingState], meeting_id: str) -> Meeting:
    """A meeting as the config defines it, or as the archive last knew it (a removed series)."""
    found = config.meeting(meeting_id)
    if found is not None:
        return found
    stored = meetings.get(meeting_id)
    if stored is None:
        raise KeyError(meeting_id)
    return meeting_from_definition(meeting_id, stored.definition)


def render_needs(
    intents: Iterable[Intent],
    *,
    config: Config,
    members: Mapping[str, MemberState],
    meetings: Mapping[str, MeetingState],
) -> RenderNeeds:
    """What rendering ``intents`` will quote. An unknown member or meeting is left for
    the renderer to refuse, as it would without this step."""
    zone = config.partnership.zone
    answer_ids: set[int] = set()
    newcomers: dict[str, MemberState] = {}
    digests: dict[tuple[str, datetime], DigestNeed] = {}  # one per cycle
    series: set[tuple[str, str]] = set()
    notes_ids: set[int] = set()
    action_ids: set[int] = set()
    carried: set[tuple[str, datetime | None]] = set()
    for intent in intents:
        payload = intent.payload
        match payload:
            case PassedOn(answer_id=answer_id) | HandoverArrived(answer_id=answer_id):
                answer_ids.add(answer_id)
            case Partners(answer_ids=some):
                answer_ids.update(some)
            case NotesOf(notes_id=int(notes_id)):
                notes_ids.add(notes_id)
            case ActionOf(action_ids=ids):
                action_ids.update(ids)
        if (carry := carried_key(intent)) is not None:
            carried.add(carry)
        email = intent.member_email or ""
        if intent.kind == "induction" and email in members:
            newcomers[email] = members[email]
        elif intent.kind == "invite" and isinstance(payload, SeriesInvitation):
            series.add((payload.member_email, payload.meeting_id))
        elif intent.kind == "digest" and isinstance(payload, Digest):
            at = payload.at
            try:
                meeting = find_meeting(config, meetings, at.meeting_id)
            except KeyError:
                continue
            when = spoken_when(held_at(meeting, at.occurrence, zone), zone)
            digests[meeting.id, at.occurrence] = DigestNeed(meeting, at.occurrence, when)
    return RenderNeeds(
        answer_ids=frozenset(answer_ids),
        newcomers=tuple(newcomers.values()),
        digests=tuple(digests.values()),
        series=frozenset(series),
        notes_ids=frozenset(notes_ids),
        action_ids=frozenset(action_ids),
        carried=frozenset(carried),
    )
