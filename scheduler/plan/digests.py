"""The digest: what members said, to the convenor (and everyone, if chosen) before
each meeting that takes questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.inputs.config import Config
from scheduler.inputs.content import Content
from scheduler.plan.intents import Digest, Intent, MeetingAt, intent_key
from scheduler.plan.occurrences import occurrences_between
from scheduler.plan.prompts import cycle_questions
from scheduler.plan.state import State
from scheduler.vocabulary import MessageKind


def plan_digests(config: Config, content: Content, now: datetime, state: State) -> list[Intent]:
    """What members said, to the convenor (and everyone, if chosen) before each meeting."""
    name = config.partnership.identity
    lead = timedelta(days=config.digest.days_before)
    recipients = [config.convenor.email]
    if config.digest.to_all_members:
        recipients += [
            m.email
            for m in state.members.values()
            if m.status == "active" and not m.address_failing and m.email != config.convenor.email
        ]
    intents: list[Intent] = []
    for meeting in config.meetings:
        window_end = now + lead + timedelta(seconds=1)
        for occ in occurrences_between(meeting, config.partnership.timezone, now, window_end):
            due = (occ.start - lead).astimezone(UTC)
            if due > now or not cycle_questions(config, content, meeting, occ.index):
                continue
            intents.extend(
                Intent(
                    key=intent_key(name, MessageKind.DIGEST, recipient, meeting.id, occ.original),
                    kind=MessageKind.DIGEST,
                    recipient=recipient,
                    due=due,
                    payload=Digest(
                        at=MeetingAt(meeting.id, occ.original),
                        member_email=recipient if recipient in state.members else None,
                    ),
                )
                for recipient in recipients
            )
    return intents
