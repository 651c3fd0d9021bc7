"""Planning the relational side: one-to-one conversations and rotating roles (pure).

Relationship weeks: for the first ``relationship_weeks`` of a new partnership,
each week proposes one round of one-to-one conversations across sectors
(``pairing.propose_round``), and every newcomer is offered a few conversations
of their own (``pairing.newcomer_pairs``), one a week. Each conversation comes
with a suggested slot in its week (``slots.choose_slot``: the working week, never
on top of another of either person's conversations or a partnership meeting), a
calendar invitation either of the two can move by replying with a time.

Shared leadership (the chair and note-taker of each reflection point) is
planned with the prompts, in ``plan``: see ``rotation`` for who is chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from scheduler.plan.pairing import Pair, Person, newcomer_pairs, propose_round
from scheduler.plan.slots import CONVERSATION_MINUTES, monday_of

__all__ = ["CONVERSATION_MINUTES", "NEWCOMER_CONVERSATIONS", "newcomer_round", "weekly_round"]

NEWCOMER_CONVERSATIONS = 3


def weekly_round(
    *,
    started: date,
    today: date,
    weeks: int,
    people: Sequence[Person],
    history: Sequence[Pair],
    done: set[str],
    seed: str,
) -> tuple[str, list[Pair], date] | None:
    """This week's round, if the partnership is still in its relationship weeks and has none
    yet: its key, its pairs and the day its slots are looked for from (today)."""
    week = (today - started).days // 7
    key = f"week-{week + 1}"
    if week >= weeks or key in done or len(people) < 2:
        return None
    pairs = propose_round(people, history, seed=f"{seed}:{key}")
    return key, pairs, today


def newcomer_round(
    *,
    newcomer: Person,
    joined: date,
    people: Sequence[Person],
    history: Sequence[Pair],
    seed: str,
) -> list[tuple[Pair, date]]:
    """A newcomer's first conversations, one a week from the week after they join: each
    pair with the Monday of its week."""
    others = [p for p in people if p.email != newcomer.email]
    count = min(NEWCOMER_CONVERSATIONS, len(others))
    if count == 0:
        return []
    pairs = newcomer_pairs(newcomer, others, history, count=count, seed=seed)
    first = monday_of(joined) + timedelta(weeks=1)
    return [(pair, first + timedelta(weeks=n)) for n, pair in enumerate(pairs)]
