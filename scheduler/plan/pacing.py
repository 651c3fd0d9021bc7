"""Pacing: at most a day's allowance of emails to each member (pure).

The planner says what is due; ``pace`` says what of it goes this tick. Each member
gets at most ``DAILY_ALLOWANCE`` emails on a day of their partnership's calendar
(``FIRST_DAY_ALLOWANCE`` on the day they are welcomed), counting what they were
already sent that day and what is booked for it (``State.mailed``). Within that,
time-critical mail goes first, and mail that can wait is held back: it is not
queued, so the planner, which plans everything still due again at every tick,
offers it again at the next one (its intent key makes that harmless). Nothing
waits past its usefulness: each intent has a last day (a question, the day before
the digest gathers its answers; an invitation, the day before the meeting), and on
it the intent goes whatever the day already holds.

How each kind is paced (``_pace``):

- **now**, whatever the day holds: a cancellation, a changed series to a member who
  holds it, a moved conversation (both hold it already), a leaver's handover request,
  notices to the convenor, the digest, and the welcome (the induction and its
  getting-to-know-you question are planned only until the induction is queued, so
  they must go together; a welcome back). A kind not named here is paced "now":
  holding back mail its rule would not plan again would lose it.
- **soon**, while the day has room: questions and the checklist (one email), their
  reminders, role notes, a first invitation to a series that meets within
  ``before_meeting_days``.
- **can wait**, only into a day that keeps room for one more after it (so one such
  email a day): a first invitation to a series that meets later, introductions, the
  founders' "Meet your partners", a leaver's note passed on.
- **booked**: a one-to-one conversation. A round is recorded as soon as one of its
  invitations is queued, so none can be held back; one that the day has no room
  for is queued now for 09:00 on the first day with room before its slot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

from scheduler.calendar.rules import localize
from scheduler.inputs.config import Config
from scheduler.plan.intents import (
    GETTING_TO_KNOW_YOU,
    Conversation,
    Intent,
    MeetingAt,
    Question,
    Reminder,
    RoleNote,
    SeriesInvitation,
)
from scheduler.plan.occurrences import occurrences_between
from scheduler.plan.state import State
from scheduler.vocabulary import MessageKind

DAILY_ALLOWANCE = 2
FIRST_DAY_ALLOWANCE = 3  # a newcomer's first day: induction, their question, a conversation
BOOKED_AT = time(9, 0)  # when a booked conversation goes on its day, local time
MAY_WAIT = timedelta(days=7)  # how long mail tied to no date may wait for room


class Rank(IntEnum):
    NOW = 0
    SOON = 1
    CAN_WAIT = 2
    BOOKED = 3


@dataclass(frozen=True)
class Pace:
    rank: Rank
    last_day: date  # on this day (local) it goes whatever the day holds


SOON_KINDS = frozenset({MessageKind.PROMPT, MessageKind.REMINDER, MessageKind.ROLE_NOTE})
CAN_WAIT_KINDS = frozenset(
    {MessageKind.INTRODUCTION, MessageKind.PARTNERS, MessageKind.HANDOVER_NOTE}
)


def pace(config: Config, now: datetime, state: State, intents: Sequence[Intent]) -> list[Intent]:
    """What of ``intents`` (new ones, not yet in the outbox) is queued this tick, in order.

    Intents to members are paced; the rest (to a convenor who is not a member) go.
    A booked conversation comes back with its ``due`` moved to the day it goes.
    """
    zone = config.partnership.zone
    today = now.astimezone(zone).date()
    paces = _Paces(config, now, state)
    chosen: dict[int, Intent] = {}
    groups: dict[str, list[int]] = {}
    for n, intent in enumerate(intents):
        if intent.recipient in state.members:
            groups.setdefault(intent.recipient, []).append(n)
        else:
            chosen[n] = intent
    for email, indexes in groups.items():
        days = Counter(m.astimezone(zone).date() for m in state.mailed.get(email, ()))
        room = _Room(state, email, today, zone)
        items = [(n, intents[n], paces.of(intents[n])) for n in indexes]
        chosen.update(_pace_member(items, days, today, room))
    return [chosen[n] for n in sorted(chosen)]


@dataclass(frozen=True)
class _Room:
    """One member's allowance by day."""

    state: State
    email: str
    today: date
    zone: ZoneInfo

    def __call__(self, day: date) -> int:
        member = self.state.members[self.email]
        if day == self.today and not member.inducted and member.status == "active":
            return FIRST_DAY_ALLOWANCE  # welcomed this tick
        welcomed = self.state.inducted_at.get(self.email)
        if welcomed is not None and welcomed.astimezone(self.zone).date() == day:
            return FIRST_DAY_ALLOWANCE
        return DAILY_ALLOWANCE


def _pace_member(
    items: list[tuple[int, Intent, Pace]], days: Counter[date], today: date, room: _Room
) -> dict[int, Intent]:
    """One member's new intents: which go now (or booked for a later day), in four passes."""
    went: dict[int, Intent] = {}
    for n, intent, p in items:  # 1. what cannot wait
        if p.rank == Rank.NOW or p.last_day <= today:
            went[n] = intent
            days[today] += 1
    waiting = sorted(
        (item for item in items if item[0] not in went),
        key=lambda item: (item[2].last_day, item[0]),
    )
    for n, intent, p in waiting:  # 2. conversations: on the first day with room
        if p.rank == Rank.BOOKED:
            day = next((d for d in _days(today, p.last_day) if days[d] < room(d)), today)
            days[day] += 1
            went[n] = intent if day == today else _booked(intent, day, room.zone)
    for rank, spare in ((Rank.SOON, 0), (Rank.CAN_WAIT, 1)):  # 3, 4. while the day has room
        for n, intent, p in waiting:
            if p.rank == rank and days[today] + spare < room(today):
                went[n] = intent
                days[today] += 1
    return went


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _booked(intent: Intent, day: date, zone: ZoneInfo) -> Intent:
    at = datetime.combine(day, BOOKED_AT, tzinfo=zone).astimezone(UTC)
    return replace(intent, due=max(at, intent.due))


class _Paces:
    """How each intent may be paced, with what it needs to know looked up once."""

    def __init__(self, config: Config, now: datetime, state: State) -> None:
        self.config = config
        self.now = now
        self.state = state
        self.zone = config.partnership.zone
        self.today = now.astimezone(self.zone).date()
        self._next: dict[str, date | None] = {}

    def of(self, intent: Intent) -> Pace:
        kind, facts = intent.kind, intent.payload
        if isinstance(facts, Question) and facts.question_id == GETTING_TO_KNOW_YOU:
            return Pace(Rank.NOW, self.today)  # planned with the induction, only until it goes
        if kind == MessageKind.INVITE and isinstance(facts, SeriesInvitation):
            return self._invitation(intent, facts)
        if isinstance(facts, Conversation):
            if facts.sequence > 0:  # moved: an update of an entry both already hold
                return Pace(Rank.NOW, self.today)
            return Pace(Rank.BOOKED, facts.slot.astimezone(self.zone).date() - timedelta(days=1))
        if kind in SOON_KINDS:
            return Pace(Rank.SOON, self._answer_by(intent))
        if kind in CAN_WAIT_KINDS:
            return Pace(Rank.CAN_WAIT, self._undated(intent))
        return Pace(Rank.NOW, self.today)

    def _invitation(self, intent: Intent, facts: SeriesInvitation) -> Pace:
        """A changed series to a member who holds it goes now; a first one can wait."""
        held = self.state.invitations.get((facts.meeting_id, intent.recipient))
        if held is not None and held.status == "invited":
            return Pace(Rank.NOW, self.today)
        upcoming = self._next_meeting(facts.meeting_id)
        if upcoming is None:
            return Pace(Rank.CAN_WAIT, self._undated(intent))
        # a meeting whose questions are out is not one "weeks away"
        near = upcoming - self.today <= timedelta(days=self.config.prompts.before_meeting_days)
        return Pace(Rank.SOON if near else Rank.CAN_WAIT, upcoming - timedelta(days=1))

    def _answer_by(self, intent: Intent) -> date:
        """The last day a question (or its reminder, or a role note) is of use: the day
        before the digest gathers the meeting's answers."""
        at = (
            intent.payload.at
            if isinstance(intent.payload, Question | Reminder | RoleNote)
            else None
        )
        start = None if at is None else self._start(at)
        if start is None:
            return self._undated(intent)
        gathered = start - timedelta(days=self.config.digest.days_before)
        return gathered.astimezone(self.zone).date() - timedelta(days=1)

    def _undated(self, intent: Intent) -> date:
        return (intent.due + MAY_WAIT).astimezone(self.zone).date()

    def _start(self, at: MeetingAt) -> datetime | None:
        """When one occurrence of a meeting begins, after any one-off move."""
        meeting = self.config.meeting(at.meeting_id)
        if meeting is None:
            return None
        original = at.occurrence.astimezone(self.zone).replace(tzinfo=None)
        moved = dict(meeting.moved).get(original, original)
        return localize(moved, self.config.partnership.timezone)

    def _next_meeting(self, meeting_id: str) -> date | None:
        """The local day of a series' next meeting, if it has one within a year."""
        if meeting_id not in self._next:
            meeting = self.config.meeting(meeting_id)
            found = []
            if meeting is not None:
                horizon = self.now + timedelta(days=366)
                tz = self.config.partnership.timezone
                found = occurrences_between(meeting, tz, self.now, horizon)
            self._next[meeting_id] = found[0].start.date() if found else None
        return self._next[meeting_id]
