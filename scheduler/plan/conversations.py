"""Members getting to know each other: a newcomer's introduction shared with the
rest, and one-to-one conversations (weekly rounds while the partnership is new,
and a round for each newcomer)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.inputs.config import Config
from scheduler.plan.intents import Conversation, Intent, Partners, PassedOn, intent_key
from scheduler.plan.occurrences import occurrences_between
from scheduler.plan.pairing import Pair, Person
from scheduler.plan.relationships import newcomer_round, weekly_round
from scheduler.plan.slots import Diary, choose_slot
from scheduler.plan.state import MemberState, State
from scheduler.vocabulary import MessageKind

DIARY_AHEAD = timedelta(weeks=8)  # the partnership's meetings a new slot is kept clear of

FOUNDERS_GATHER = timedelta(days=7)
"""The founders' introductions wait this long after the partnership starts (a week: the
getting-to-know-you question, its reminder three days on, and time to answer it), then
go to everyone as one "Meet your partners" email instead of one email per founder."""


def founders_meet_at(state: State, zone: ZoneInfo) -> datetime | None:
    """When the founders' "Meet your partners" email goes: 09:00 a week after the start."""
    if state.started is None:
        return None
    day = state.started + FOUNDERS_GATHER
    return datetime.combine(day, time(9, 0), tzinfo=zone).astimezone(UTC)


def plan_introductions(
    config: Config, now: datetime, state: State, reachable: list[MemberState]
) -> list[Intent]:
    """Members' introductions, shared with everyone else, when they said yes to it.

    A newcomer's goes out on its own when it arrives. The founders' (those there from
    the partnership's first day) that arrive in its first week go out together, as one
    "Meet your partners" email to each member, at ``founders_meet_at``; a founder who
    answers later is introduced on their own.
    """
    name = config.partnership.identity
    meet_at = founders_meet_at(state, config.partnership.zone)
    founders = {m.email for m in state.members.values() if m.first_seen == state.started}
    gathered: list[tuple[int, str]] = []
    intents: list[Intent] = []
    for answer_id, author in state.introductions:
        received = state.introduced_at.get(answer_id)
        # strictly before: a tick reads replies after it plans, so one read at the round-up's
        # own tick is too late for it, and goes on its own
        if author in founders and meet_at and received and received < meet_at:
            gathered.append((answer_id, author))
            continue
        intents.extend(
            Intent(
                key=intent_key(name, MessageKind.INTRODUCTION, member.email, answer_id),
                kind=MessageKind.INTRODUCTION,
                recipient=member.email,
                due=now,
                payload=PassedOn(member_email=author, answer_id=answer_id),
            )
            for member in reachable
            if member.email != author
        )
    if meet_at is None or now < meet_at or not gathered:
        return intents
    for member in reachable:
        if member.first_seen is not None and member.first_seen > meet_at.date():
            continue  # came after it went: their induction says who is who
        theirs = tuple(sorted(a for a, author in gathered if author != member.email))
        if theirs:
            intents.append(
                Intent(
                    key=intent_key(name, MessageKind.PARTNERS, member.email),
                    kind=MessageKind.PARTNERS,
                    recipient=member.email,
                    due=meet_at,
                    payload=Partners(member_email=member.email, answer_ids=theirs),
                )
            )
    return intents


def plan_conversations(
    config: Config, now: datetime, state: State, reachable: list[MemberState]
) -> list[Intent]:
    """One-to-one conversations: weekly rounds while the partnership is new, and newcomers';
    and an updated invitation to both of a pair when one of them moved theirs."""
    moves = _moved(config, now, state, reachable)
    weeks = config.induction.relationship_weeks
    if weeks <= 0 or state.started is None:
        return moves
    zone = config.partnership.zone
    today = now.astimezone(zone).date()
    done = {key for key, _a, _b in state.pairings}
    history = [Pair(a, b) for _key, a, b in state.pairings]
    people = [Person(m.email, m.sector, m.organisation) for m in reachable]
    proposals: list[tuple[str, Pair, date]] = []
    if config.induction.existing_members == "induct":  # a new partnership, not an established one
        weekly = weekly_round(
            started=state.started, today=today, weeks=weeks, people=people, history=history,
            done=done, seed=config.partnership.identity,
        )  # fmt: skip
        if weekly is not None:
            key, pairs, week = weekly
            proposals += [(key, pair, week) for pair in pairs]
    for member in reachable:
        key = f"newcomer-{member.email}"
        first_seen = member.first_seen or state.started
        if key in done or first_seen <= state.started:
            continue
        if (today - first_seen).days > 28:
            continue  # joined long ago (e.g. before conversations were offered)
        newcomer = Person(member.email, member.sector, member.organisation)
        for pair, week in newcomer_round(
            newcomer=newcomer, joined=first_seen, people=people, history=history,
            seed=config.partnership.identity,
        ):  # fmt: skip
            proposals.append((key, pair, week))
    if not proposals:
        return moves
    diary = Diary.of(state.booked, _meetings(config, now))
    round_days: Counter[date] = Counter()
    name = config.partnership.identity
    intents = []
    for key, pair, week in proposals:
        slot = choose_slot(pair, week, diary, now=now, zone=zone, seed=f"{name}:{key}",
                           round_days=round_days)  # fmt: skip
        round_days[slot.date()] += 1
        for me, other in ((pair.a, pair.b), (pair.b, pair.a)):
            intents.append(
                Intent(
                    key=intent_key(name, MessageKind.CONVERSATION, me, key, other),
                    kind=MessageKind.CONVERSATION,
                    recipient=me,
                    due=now,
                    payload=Conversation(member_email=me, partner=other, round_key=key, slot=slot),
                )
            )
    return moves + intents


def _moved(
    config: Config, now: datetime, state: State, reachable: list[MemberState]
) -> list[Intent]:
    """Each moved conversation's invitation again, to both, at its new slot and SEQUENCE."""
    name = config.partnership.identity
    here = {m.email for m in reachable}
    return [
        Intent(
            key=intent_key(name, MessageKind.CONVERSATION, me, key, other, sequence),
            kind=MessageKind.CONVERSATION,
            recipient=me,
            due=now,
            payload=Conversation(
                member_email=me, partner=other, round_key=key, slot=slot, sequence=sequence
            ),
        )
        for key, a, b, slot, sequence, _by in state.moved
        for me, other in ((a, b), (b, a))
        if me in here and other in here
    ]


def _meetings(config: Config, now: datetime) -> list[tuple[datetime, datetime]]:
    """The partnership's own meetings over the coming weeks, as (start, end)."""
    return [
        (occ.start, occ.start + meeting.duration)
        for meeting in config.meetings
        for occ in occurrences_between(meeting, config.partnership.timezone, now, now + DIARY_AHEAD)
    ]
