"""When a one-to-one conversation is suggested: a slot in the working week (pure).

Members are busy people, so a conversation is put where a working diary has room:
Monday to Friday, between 09:30 and 16:30 in the partnership's time zone, at one of
a few half-hour starts. A slot is never one where either person already has a
conversation (a newcomer's three come on top of the weekly pairing), and never
during, or in the half hour either side of, one of the partnership's own meetings.
Among the free slots the day is chosen first: one neither person has a conversation
on that week, then one fewest of this round's conversations use, so a round spreads
over the week rather than crowding one hour; then a seeded order of the pair, so the
same inputs give the same slot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.plan.pairing import Pair

CONVERSATION_MINUTES = 30
WORKING_DAYS = range(5)  # Monday to Friday
STARTS = (
    time(9, 30),
    time(10, 30),
    time(11, 30),
    time(13, 0),
    time(14, 0),
    time(15, 0),
    time(16, 0),
)
MEETING_MARGIN = timedelta(minutes=30)  # kept clear either side of a partnership meeting
NOTICE = timedelta(days=1)  # a slot is at least this far ahead of the email suggesting it


@dataclass
class Diary:
    """What is already booked: each member's conversations, and the partnership's meetings."""

    conversations: dict[str, list[datetime]] = field(default_factory=dict)  # email -> starts
    meetings: Sequence[tuple[datetime, datetime]] = ()  # (start, end), aware

    @classmethod
    def of(
        cls, booked: Mapping[str, Iterable[datetime]], meetings: Sequence[tuple[datetime, datetime]]
    ) -> Diary:
        return cls({who: list(starts) for who, starts in booked.items()}, meetings)

    def book(self, pair: Pair, start: datetime) -> None:
        for who in (pair.a, pair.b):
            self.conversations.setdefault(who, []).append(start)

    def clashes(self, pair: Pair, start: datetime) -> bool:
        length = timedelta(minutes=CONVERSATION_MINUTES)
        end = start + length
        for who in (pair.a, pair.b):
            for other in self.conversations.get(who, ()):
                if other < end and start < other + length:
                    return True
        return any(
            m_start - MEETING_MARGIN < end and start < m_end + MEETING_MARGIN
            for m_start, m_end in self.meetings
        )

    def days_taken(self, pair: Pair, week: date, zone: ZoneInfo) -> set[date]:
        """The days of ``week`` on which either person already has a conversation."""
        end = week + timedelta(days=7)
        return {
            day
            for who in (pair.a, pair.b)
            for start in self.conversations.get(who, ())
            if week <= (day := start.astimezone(zone).date()) < end
        }


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def choose_slot(
    pair: Pair,
    week: date,
    diary: Diary,
    *,
    now: datetime,
    zone: ZoneInfo,
    seed: str,
    round_days: Mapping[date, int] | None = None,
    weeks_ahead: int = 3,
) -> datetime:
    """The slot for ``pair`` in the working week starting ``monday_of(week)`` (or, when
    that week has no free slot left, the next one), booked in ``diary``; aware, local."""
    earliest = now + NOTICE
    start_week = monday_of(week)
    for offset in range(weeks_ahead + 1):
        monday = start_week + timedelta(weeks=offset)
        taken = diary.days_taken(pair, monday, zone)
        options = []
        for day_index in WORKING_DAYS:
            day = monday + timedelta(days=day_index)
            for hour in STARTS:
                slot = datetime.combine(day, hour, tzinfo=zone)
                if slot.astimezone(UTC) < earliest or diary.clashes(pair, slot):
                    continue
                rank = _rank(seed, pair.a, pair.b, slot.isoformat())
                load = (round_days or {}).get(day, 0)
                options.append((day in taken, load, rank, slot))
        if options:
            slot = min(options)[3]
            diary.book(pair, slot)
            return slot
    raise ValueError(f"no free working-week slot for {pair.a} and {pair.b} from {week}")


def _rank(seed: str, *parts: str) -> int:
    text = "\x1f".join((seed, *parts)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")
