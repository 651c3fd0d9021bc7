"""Members who leave: a thank-you asking for a handover note, word to the convenor,
and the note passed on to the newcomers who take their place."""

from __future__ import annotations

from datetime import date, datetime, time

from scheduler.inputs.config import Config
from scheduler.plan.intents import (
    HANDOVER,
    AboutMember,
    HandoverArrived,
    Intent,
    PassedOn,
    Question,
    intent_key,
)
from scheduler.plan.state import MemberState, State, arrival_day
from scheduler.plan.windows import HANDOVER_CHASE_UNTIL, HANDOVER_WAIT, SUCCESSOR_WINDOW
from scheduler.vocabulary import MessageKind


def plan_leavers(config: Config, now: datetime, state: State) -> list[Intent]:
    name = config.partnership.identity
    intents = []
    for member in state.members.values():
        if member.status == "active" and member.leaving_on is not None:
            # a last day written ahead of time: ask now, while their mailbox is still open
            if not member.address_failing and member.email not in state.handover_asked:
                intents.append(_handover_request(name, member, member.leaving_on, now))
            continue
        if member.status != "left" or member.left_on is None:
            continue
        if (now.date() - member.left_on).days > 30:
            continue  # long gone: a thank-you now would be odd
        if member.email in state.handover_asked:
            pass  # asked already: ahead of their last day, or when they asked to stop
        elif not member.address_failing:
            intents.append(_handover_request(name, member, member.left_on, now))
        intents.append(
            Intent(
                key=intent_key(name, MessageKind.LEAVER_NOTICE, member.email, member.left_on),
                kind=MessageKind.LEAVER_NOTICE,
                recipient=config.convenor.email,
                due=now,
                payload=AboutMember(member.email),
            )
        )
    return intents


def _handover_request(name: str, member: MemberState, last_day: date, now: datetime) -> Intent:
    """The thank-you asking a leaver for a handover note (one per last day)."""
    return Intent(
        key=intent_key(name, MessageKind.HANDOVER, member.email, last_day),
        kind=MessageKind.HANDOVER,
        recipient=member.email,
        due=now,
        payload=Question(member.email, HANDOVER),
    )


def plan_handovers(
    config: Config, now: datetime, state: State, reachable: list[MemberState]
) -> list[Intent]:
    """Handover notes: to the newcomers already here, and word of them to the convenor.

    A note reaches an induction pack only if it arrived first, so a successor
    who joined before it came gets it by itself. The convenor is told when
    it arrives, or that none has after ``HANDOVER_WAIT``.
    """
    name = config.partnership.identity
    intents: list[Intent] = []
    arrived_from = set()
    for note in state.handovers:
        author = state.members.get(note.author)
        if author is None:
            continue
        arrived_from.add(author.email)
        successors: tuple[str, ...] = ()
        if author.status == "left" and author.left_on is not None:
            successors = tuple(
                m.email
                for m in reachable
                if _succeeds(m, author, state.inducted_at.get(m.email), note.received_at)
            )
        intents.extend(
            Intent(
                key=intent_key(name, MessageKind.HANDOVER_NOTE, email, note.answer_id),
                kind=MessageKind.HANDOVER_NOTE,
                recipient=email,
                due=now,
                payload=PassedOn(member_email=author.email, answer_id=note.answer_id),
            )
            for email in successors
        )
        intents.append(
            Intent(
                key=intent_key(name, MessageKind.HANDOVER_ARRIVED, note.answer_id),
                kind=MessageKind.HANDOVER_ARRIVED,
                recipient=config.convenor.email,
                due=now,
                payload=HandoverArrived(author.email, note.answer_id, successors),
            )
        )
    for member in state.members.values():
        last_day = member.left_on if member.status == "left" else member.leaving_on
        if last_day is None or member.address_failing:
            continue
        if member.email in arrived_from:
            continue
        asked = state.handover_asked.get(member.email)
        if asked is None:
            continue
        # asked ahead of their last day: they have until then, and the same wait after it
        since = max(asked, datetime.combine(last_day, time(0), tzinfo=config.partnership.zone))
        if HANDOVER_WAIT <= now - since <= HANDOVER_CHASE_UNTIL:
            intents.append(
                Intent(
                    key=intent_key(name, MessageKind.HANDOVER_MISSING, member.email, last_day),
                    kind=MessageKind.HANDOVER_MISSING,
                    recipient=config.convenor.email,
                    due=now,
                    payload=AboutMember(member.email),
                )
            )
    return intents


def _succeeds(
    member: MemberState, author: MemberState, inducted: datetime | None, arrived: datetime
) -> bool:
    """Whether a note arriving at ``arrived`` should go to ``member`` by itself.

    They share the leaver's organisation or role, joined from a month before
    the leaver left, and their induction pack went out before the note came.
    """
    if member.email == author.email or not member.inducted or inducted is None:
        return False
    joined = arrival_day(member)
    if inducted >= arrived or author.left_on is None or joined is None:
        return False
    same_place = member.organisation == author.organisation or (
        bool(author.role) and member.role == author.role
    )
    return same_place and joined >= author.left_on - SUCCESSOR_WINDOW
