"""Planning the relational side: one-to-one conversations and rotating roles (pure).

Relationship weeks: for the first ``relationship_weeks`` of a new partnership,
each week proposes one round of one-to-one conversations across sectors
(``pairing.propose_round``), and every newcomer is offered a few conversations
of their own (``pairing.newcomer_pairs``). Each conversation comes with a
suggested slot, a calendar invitation both people can move.

Shared leadership (the chair and note-taker of each reflection point) is
planned with the prompts, in ``plan``: see ``rotation`` for who is chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.plan.pairing import Pair, Person, newcomer_pairs, propose_round

CONVERSATION_WEEKDAY = 2  # Wednesday
CONVERSATION_TIME = time(12, 30)
CONVERSATION_MINUTES = 30
NEWCOMER_CONVERSATIONS = 3


def suggested_slot(week_start: date, zone: ZoneInfo) -> datetime:
    """The Wednesday at 12:30 of the week that begins on or after ``week_start``."""
    ahead = (CONVERSATION_WEEKDAY - week_start.weekday()) % 7
    day = week_start + timedelta(days=ahead)
    return datetime.combine(day, CONVERSATION_TIME, tzinfo=zone)


def weekly_round(
    *,
    started: date,
    today: date,
    weeks: int,
    people: Sequence[Person],
    history: Sequence[Pair],
    done: set[str],
    seed: str,
    zone: ZoneInfo,
) -> tuple[str, list[Pair], datetime] | None:
    """This week's round, if the partnership is still in its relationship weeks and has none yet."""
    week = (today - started).days // 7
    key = f"week-{week + 1}"
    if week >= weeks or key in done or len(people) < 2:
        return None
    pairs = propose_round(people, history, seed=f"{seed}:{key}")
    slot = suggested_slot(started + timedelta(weeks=week), zone)
    if slot.date() < today:
        slot += timedelta(weeks=1)
    return key, pairs, slot


def newcomer_round(
    *,
    newcomer: Person,
    joined: date,
    people: Sequence[Person],
    history: Sequence[Pair],
    seed: str,
    zone: ZoneInfo,
) -> list[tuple[Pair, datetime]]:
    """A newcomer's first conversations, one a week from the week after they join."""
    others = [p for p in people if p.email != newcomer.email]
    count = min(NEWCOMER_CONVERSATIONS, len(others))
    if count == 0:
        return []
    pairs = newcomer_pairs(newcomer, others, history, count=count, seed=seed)
    first = suggested_slot(joined + timedelta(days=1), zone)
    return [(pair, first + timedelta(weeks=n)) for n, pair in enumerate(pairs)]
