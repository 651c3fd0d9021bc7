"""``reflect nudge MEETING``: one more reminder to the members still silent on the
questions of a meeting's coming occurrence, sent at once, never twice.

Each nudge has its outbox key (one per member and occurrence), so even two commands at
once cannot send one twice; a second ``nudge`` of the same occurrence is refused, saying
when the first went.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from scheduler.app.queueing import queue_fresh
from scheduler.app.report import TickReport
from scheduler.archive.lock import hold
from scheduler.archive.request_store import RequestStore
from scheduler.archive.state import load_state
from scheduler.clock import utc_text
from scheduler.compose.wording import held_at, spoken_when
from scheduler.errors import ReflectError
from scheduler.faults import no_checkpoint
from scheduler.outbound.outbox import existing_keys
from scheduler.plan.silence import plan_nudges

if TYPE_CHECKING:
    from scheduler.app.services import Services


@dataclass
class Nudged:
    """What ``reflect nudge`` did."""

    meeting_title: str
    when: str  # the occurrence, as the emails say it
    sent_to: list[str] = field(default_factory=list)  # addresses
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (address, why)
    report: TickReport = field(default_factory=TickReport)


async def nudge(services: Services, meeting_id: str, now: datetime) -> Nudged:
    """Queue and send one nudge to each member still silent on ``meeting_id``'s next
    occurrence whose questions have gone out."""
    config = services.config
    meeting = config.meeting(meeting_id)
    if meeting is None:
        known = ", ".join(m.id for m in config.meetings) or "none"
        raise ReflectError(
            f'there is no meeting "{meeting_id}" in {config.path.name}; its meetings are: {known}.'
        )
    zone = config.partnership.zone
    store = RequestStore(services.archive)
    with hold(services.archive.path):
        occurrence = store.next_asked_cycle(meeting.id, now)
        if occurrence is None:
            raise ReflectError(
                f"no questions have gone out yet for the next {meeting.title}, so there is "
                f"nobody to nudge (they go {config.prompts.before_meeting_days} days before "
                "each meeting). Nothing was sent."
            )
        when = spoken_when(held_at(meeting, datetime.fromisoformat(occurrence), zone), zone)
        count, first = store.nudges_sent(meeting.id, occurrence)
        if count:
            at = datetime.fromisoformat(first or utc_text(now)).astimezone(zone)
            raise ReflectError(
                f"the {meeting.title} on {when} was nudged already, on {at:%d %b %Y at %H:%M} "
                f"({count} reminder(s)). Each meeting is nudged once only: nothing was sent."
            )
        state = load_state(services.archive, now)
        intents, left_out = plan_nudges(
            config, services.content, now, state, store.open_questions(meeting.id, occurrence)
        )
        done = Nudged(meeting.title, when, [i.recipient for i in intents], left_out)
        known_keys = existing_keys(services.archive, [i.key for i in intents])
        fresh = [i for i in intents if i.key not in known_keys]
        if fresh:
            queue_fresh(services.archive, config, services.content, state, fresh,
                        secret=services.secret, now=now, report=done.report,
                        checkpoint=no_checkpoint)  # fmt: skip
            await services.send_due(now, done.report, services.transport_factory())
    return done
