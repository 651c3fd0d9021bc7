"""Who has not replied: to the convenor alone, a couple of days before each meeting whose
questions went out, with the one command that nudges them (``reflect nudge MEETING``).

Never to the members: whose voice is missing is the convenor's to follow up, kindly.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scheduler.clock import utc_text
from scheduler.inputs.config import Config
from scheduler.inputs.content import Content
from scheduler.plan.intents import Intent, intent_key
from scheduler.plan.kinds import MessageKind
from scheduler.plan.occurrences import occurrences_between
from scheduler.plan.prompts import skipped_cycles
from scheduler.plan.state import State
from scheduler.plan.windows import SILENT_NOTICE_BEFORE


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
                    meeting_id=meeting.id,
                    occurrence=occ.original,
                    people=tuple(people),
                )
            )
    return intents
