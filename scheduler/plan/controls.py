"""Members' own requests, by reply (``pause``, ``resume``, ``skip``, ``away until``,
``stop``): where each member stands, and the messages the requests call for.

A member who is paused, away or has asked to stop is *resting*: no questions,
reminders, checklists or conversation suggestions reach them (calendar
invitations, updates and cancellations still do, so their calendar stays
right). A ``skip`` leaves out one cycle's questions and reminders. Each request
is confirmed by a short email; a ``stop`` also tells the convenor and asks the
member for a handover note at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from scheduler.inputs.config import Config
from scheduler.plan.intents import HANDOVER, Intent, Question, RequestNote, intent_key
from scheduler.plan.state import MemberState, Request, State
from scheduler.plan.windows import REQUEST_CONFIRM_WITHIN
from scheduler.vocabulary import MessageKind


@dataclass(frozen=True)
class Standing:
    """Where one member stands after all they asked, oldest request first."""

    paused_since: datetime | None = None
    away_until: date | None = None
    stop_asked: datetime | None = None

    def resting(self, today: date) -> str | None:
        """Why no questions go to them on ``today`` ("paused", "away until ..."), or None."""
        if self.stop_asked is not None:
            return "asked to stop"
        if self.paused_since is not None:
            return "paused"
        if self.away_until is not None and today < self.away_until:
            return f"away until {self.away_until:%-d %B %Y}"
        return None


def standings(requests: tuple[Request, ...]) -> dict[str, Standing]:
    """Each member's standing, by email: ``resume`` undoes pause, away and stop alike."""
    found: dict[str, Standing] = {}
    for request in requests:
        now = found.get(request.email, Standing())
        if request.word == "pause":
            now = Standing(request.at, now.away_until, now.stop_asked)
        elif request.word == "away":
            now = Standing(now.paused_since, request.until, now.stop_asked)
        elif request.word == "stop":
            now = Standing(now.paused_since, now.away_until, request.at)
        elif request.word == "resume":
            now = Standing()
        found[request.email] = now
    return found


def resting_members(state: State, today: date) -> dict[str, str]:
    """Members not to be asked anything on ``today``, by email, with the reason."""
    return {
        email: why
        for email, standing in standings(state.requests).items()
        if (why := standing.resting(today)) is not None
    }


def plan_requests(
    config: Config, now: datetime, state: State, reachable: list[MemberState]
) -> list[Intent]:
    """A short confirmation of each recent request; for a ``stop``, word to the convenor and
    the handover question (unless one was asked lately)."""
    name = config.partnership.identity
    can_reach = {m.email for m in reachable}
    intents: list[Intent] = []
    for request in state.requests:
        member = state.members.get(request.email)
        if member is None or now - request.at > REQUEST_CONFIRM_WITHIN:
            continue
        if member.email in can_reach:
            intents.append(
                Intent(
                    key=intent_key(name, MessageKind.REQUEST_CONFIRM, request.id),
                    kind=MessageKind.REQUEST_CONFIRM,
                    recipient=member.email,
                    due=now,
                    payload=RequestNote(member.email, request.id),
                )
            )
        if request.word != "stop" or member.status != "active":
            continue
        intents.append(
            Intent(
                key=intent_key(name, MessageKind.STOP_NOTICE, request.id),
                kind=MessageKind.STOP_NOTICE,
                recipient=config.convenor.email,
                due=now,
                payload=RequestNote(member.email, request.id),
            )
        )
        if member.email in can_reach and member.email not in state.handover_asked:
            intents.append(
                Intent(
                    key=intent_key(name, MessageKind.HANDOVER, member.email, "stop", request.id),
                    kind=MessageKind.HANDOVER,
                    recipient=member.email,
                    due=now,
                    payload=Question(member.email, HANDOVER),
                )
            )
    return intents
