"""Who has not replied: to the convenor alone, a couple of days before each meeting whose
questions went out, with the one command that nudges them (``reflect nudge MEETING``).

Never to the members: whose voice is missing is the convenor's to follow up, kindly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from scheduler.clock import utc_text
from scheduler.inputs.config import Config
from scheduler.inputs.content import Content
from scheduler.plan.controls import resting_members
from scheduler.plan.intents import Intent, MeetingAt, Reminder, SilentList, intent_key
from scheduler.plan.occurrences import occurrences_between
from scheduler.plan.prompts import skipped_cycles
from scheduler.plan.state import OpenPrompt, State
from scheduler.plan.windows import SILENT_NOTICE_BEFORE
from scheduler.vocabulary import MessageKind


def plan_silent_lists(
    config: Config, content: Content, now: datetime, state: State, resting: dict[str, str]
) -> list[Intent]:
    """One email per meeting: the members still silent on its questions, and why if known."""
    skipped = skipped_cycles(config, content, state, now)
    intents: list[Intent] = []
    for meeting in config.meetings:
        for occ in occurrences_between(
            meeting, config.partnership.timezone, now, now + SILENT_NOTICE_BEFORE
        ):
            cycle = (meeting.id, utc_text(occ.original))
            asked = state.cycle_replies.get(cycle)
            if not asked:
                continue  # no questions went out for it
            people = []
            for member in sorted(state.members.values(), key=lambda m: m.name.casefold()):
                if member.status != "active" or asked.get(member.email):
                    continue
                if member.email in resting:
                    people.append((member.email, resting[member.email]))
                elif (member.email, *cycle) in skipped:
                    people.append((member.email, "skipping this one"))
                elif member.email in asked:
                    people.append((member.email, ""))
            intents.append(
                Intent(
                    key=intent_key(
                        config.partnership.identity,
                        MessageKind.SILENT_MEMBERS,
                        meeting.id,
                        occ.original,
                    ),
                    kind=MessageKind.SILENT_MEMBERS,
                    recipient=config.convenor.email,
                    due=(occ.start - SILENT_NOTICE_BEFORE).astimezone(UTC),
                    payload=SilentList(MeetingAt(meeting.id, occ.original), tuple(people)),
                )
            )
    return intents


def plan_nudges(
    config: Config,
    content: Content,
    now: datetime,
    state: State,
    open_questions: Sequence[OpenPrompt],
) -> tuple[list[Intent], list[tuple[str, str]]]:
    """``reflect nudge``: one more reminder to each member still silent on a cycle, on the
    first of its questions they have not answered; and who is left out, and why.

    The key is one per member and cycle, so a second nudge can never reach anyone.
    """
    resting = resting_members(state, now.astimezone(config.partnership.zone).date())
    skipped = skipped_cycles(config, content, state, now)
    answered = {
        email
        for prompt in open_questions[:1]
        if prompt.occurrence is not None and prompt.meeting_id is not None
        for email, replied in state.cycle_replies.get(
            (prompt.meeting_id, utc_text(prompt.occurrence)), {}
        ).items()
        if replied
    }
    intents: list[Intent] = []
    left_out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for prompt in open_questions:
        email = prompt.member_email
        if email in seen or email in answered or prompt.occurrence is None or not prompt.meeting_id:
            continue  # one nudge each; a member who answered any part is not silent
        seen.add(email)
        member = state.members.get(email)
        cycle = (email, prompt.meeting_id, utc_text(prompt.occurrence))
        why = (
            "no longer a member"
            if member is None or member.status != "active"
            else "their address is failing"
            if member.address_failing
            else resting.get(email) or ("skipping this one" if cycle in skipped else None)
        )
        if why is not None:
            left_out.append((email, why))
            continue
        intents.append(
            Intent(
                key=intent_key(
                    config.partnership.identity,
                    MessageKind.NUDGE,
                    email,
                    prompt.meeting_id,
                    prompt.occurrence,
                ),
                kind=MessageKind.NUDGE,
                recipient=email,
                due=now,
                payload=Reminder(
                    member_email=email,
                    question_id=prompt.question_id,
                    follows=prompt.key,
                    at=MeetingAt(prompt.meeting_id, prompt.occurrence),
                ),
            )
        )
    return intents, left_out
