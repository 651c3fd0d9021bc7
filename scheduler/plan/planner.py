"""The pure planning core: what is due, for whom, now.

``plan(config, content, now, state)`` reads nothing but its arguments and
returns ``Intent``s: one per message the partnership should send by ``now``
that is not already in the outbox (the outbox's unique key is the final
guard). Each kind of message has its rule in a module of its own
(``invitations``, ``prompts``, ``leavers``, ``digests``, ``conversations``);
what changed in the files is ``sync``'s business, and when meetings fall is
``occurrences``'."""

from __future__ import annotations

from datetime import UTC, datetime

from scheduler.inputs.config import Config
from scheduler.inputs.content import Content
from scheduler.plan.agreed import plan_confirmations, plan_follow_ups, plan_notes_requests
from scheduler.plan.controls import plan_requests, resting_members
from scheduler.plan.conversations import plan_conversations, plan_introductions
from scheduler.plan.digests import plan_digests
from scheduler.plan.intents import (
    GETTING_TO_KNOW_YOU,
    AboutMember,
    Bare,
    Intent,
    Question,
    intent_key,
)
from scheduler.plan.invitations import plan_invitations
from scheduler.plan.leavers import plan_handovers, plan_leavers
from scheduler.plan.prompts import plan_prompts, plan_reminders
from scheduler.plan.silence import plan_silent_lists
from scheduler.plan.state import MemberState, State
from scheduler.plan.windows import QUARANTINE_NOTICE_EVERY
from scheduler.vocabulary import MessageKind


def plan(config: Config, content: Content, now: datetime, state: State) -> list[Intent]:
    """Every message due by ``now``, in send order."""
    if now.tzinfo is None:
        raise ValueError("plan needs an aware now")
    now = now.astimezone(UTC)
    name = config.partnership.identity
    intents: list[Intent] = []
    active = [m for m in state.members.values() if m.status == "active"]
    reachable = [m for m in active if not m.address_failing]
    # those who asked for no questions now (paused, away, stopping) get only calendar mail
    resting = resting_members(state, now.astimezone(config.partnership.zone).date())
    engaged = [m for m in reachable if m.email not in resting]

    intents.extend(_plan_welcomes(name, now, reachable))
    intents.extend(plan_invitations(config, now, state, reachable))
    intents.extend(plan_requests(config, now, state, reachable))
    intents.extend(plan_prompts(config, content, now, state, engaged))
    intents.extend(plan_reminders(config, content, now, state))
    intents.extend(plan_leavers(config, now, state))
    intents.extend(plan_handovers(config, now, state, reachable))
    intents.extend(plan_digests(config, content, now, state))
    intents.extend(plan_silent_lists(config, content, now, state, resting))
    if state.held_back and (  # at most one notice a week, of all held since the last
        state.last_notice is None or now - state.last_notice >= QUARANTINE_NOTICE_EVERY
    ):
        day = now.astimezone(config.partnership.zone).date()
        intents.append(
            Intent(
                key=intent_key(config.partnership.identity, MessageKind.QUARANTINE_NOTICE, day),
                kind=MessageKind.QUARANTINE_NOTICE,
                recipient=config.convenor.email,
                due=now,
                payload=Bare(),
            )
        )
    intents.extend(plan_introductions(config, now, state, reachable))
    intents.extend(
        plan_conversations(config, now, state, [m for m in engaged if m.leaving_on is None])
    )
    by_email = {m.email: m for m in reachable}
    intents.extend(plan_notes_requests(config, now, state.roles, by_email, state.prepared))
    intents.extend(plan_confirmations(config, now, state.meeting_notes, state.members))
    intents.extend(plan_follow_ups(config, now, state.open_actions, state.members, resting))
    return sorted(intents, key=Intent.sort_key)


def _plan_welcomes(name: str, now: datetime, reachable: list[MemberState]) -> list[Intent]:
    """An induction pack and the getting-to-know-you question to each newcomer; a welcome
    back to each member who rejoined."""
    intents: list[Intent] = []
    for member in reachable:
        if not member.inducted:
            intents.append(
                Intent(
                    key=intent_key(name, MessageKind.INDUCTION, member.email),
                    kind=MessageKind.INDUCTION,
                    recipient=member.email,
                    due=now,
                    payload=AboutMember(member.email),
                )
            )
            intents.append(
                Intent(
                    key=intent_key(name, MessageKind.PROMPT, member.email, GETTING_TO_KNOW_YOU),
                    kind=MessageKind.PROMPT,
                    recipient=member.email,
                    due=now,
                    payload=Question(member.email, GETTING_TO_KNOW_YOU),
                )
            )
        elif member.rejoined_on is not None:
            intents.append(
                Intent(
                    key=intent_key(
                        name, MessageKind.WELCOME_BACK, member.email, member.rejoined_on
                    ),
                    kind=MessageKind.WELCOME_BACK,
                    recipient=member.email,
                    due=now,
                    payload=AboutMember(member.email),
                )
            )
    return intents
