"""What meetings agreed, carried forward: the note-taker's question after each
reflection point and governance review, its confirmation, and one follow-up of
each open action a week before the next meeting (pure).

* **Notes request**: once a meeting whose questions the service sent is over,
  its note-taker (the rotating one when roles rotate, else the convenor) is
  asked "What did the meeting agree?".
* **Confirmation**: each reply read (``ActionStore.record_notes``) is confirmed
  to the note-taker, listing what was recorded; a reply to either email replaces it.
* **Follow-up**: a week before the first meeting after the one an action came
  from, its owner (the member named, or the organisation's first active member)
  gets one email listing their open actions, asking whether each is done; once
  per owner and meeting, so nothing is asked twice. An owner who has left is not asked: the
  convenor is told instead, once.
"""

from __future__ import annotations

__all__ = [
    "AgreedItem",
    "MeetingNotes",
    "next_meeting_after",
    "plan_confirmations",
    "plan_follow_ups",
    "plan_notes_requests",
    "takes_notes",
]

from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta

from scheduler.clock import utc_text
from scheduler.inputs.config import Config, Meeting
from scheduler.plan.intents import ActionOf, Intent, MeetingAt, NotesOf, intent_key
from scheduler.plan.occurrences import Occurrence, occurrences_between
from scheduler.plan.state import AgreedItem, MeetingNotes, MemberState
from scheduler.vocabulary import MessageKind

NOTES_ASK_AFTER = timedelta(minutes=30)  # after a meeting ends, its note-taker is asked
NOTES_ASK_WINDOW = timedelta(days=7)  # ...and not for a meeting over longer ago than this
CONFIRM_WINDOW = timedelta(days=14)  # notes read this recently are confirmed
FOLLOW_UP_BEFORE = timedelta(days=7)  # an open action's owner is asked this long before


def takes_notes(config: Config, meeting: Meeting) -> bool:
    """Reflection points and governance reviews are asked what they agreed."""
    return meeting.kind in ("reflection", "governance") or (
        config.prompts.checklist_meeting == meeting.id
    )


def note_taker(
    config: Config,
    roles: Mapping[tuple[str, str], tuple[str, str]],
    meeting: Meeting,
    occ: Occurrence,
    reachable: Mapping[str, MemberState],
) -> str:
    """Whoever took the notes: the named note-taker where roles rotate, else the convenor."""
    if config.leadership.rotate_roles and meeting.kind == "reflection":
        named = roles.get((meeting.id, utc_text(occ.original)))
        if named is not None and named[1] in reachable:
            return named[1]
    return config.convenor.email


def plan_notes_requests(
    config: Config,
    now: datetime,
    roles: Mapping[tuple[str, str], tuple[str, str]],
    reachable: Mapping[str, MemberState],
    prepared: frozenset[tuple[str, str]],
) -> list[Intent]:
    name = config.partnership.identity
    intents = []
    for meeting in config.meetings:
        if not takes_notes(config, meeting):
            continue
        since = now - NOTES_ASK_WINDOW - meeting.duration - NOTES_ASK_AFTER
        for occ in occurrences_between(meeting, config.partnership.timezone, since, now):
            due = (occ.start + meeting.duration + NOTES_ASK_AFTER).astimezone(UTC)
            if due > now or (meeting.id, utc_text(occ.original)) not in prepared:
                continue  # not over yet, or a meeting the service did not send questions for
            recipient = note_taker(config, roles, meeting, occ, reachable)
            intents.append(
                Intent(
                    key=intent_key(name, MessageKind.NOTES_REQUEST, meeting.id, occ.original),
                    kind=MessageKind.NOTES_REQUEST,
                    recipient=recipient,
                    due=due,
                    payload=NotesOf(
                        at=MeetingAt(meeting.id, occ.original),
                        member_email=recipient if recipient in reachable else None,
                    ),
                )
            )
    return intents


def plan_confirmations(
    config: Config, now: datetime, notes: tuple[MeetingNotes, ...], members: Mapping[str, object]
) -> list[Intent]:
    return [
        Intent(
            key=intent_key(config.partnership.identity, MessageKind.NOTES_CONFIRM, n.id),
            kind=MessageKind.NOTES_CONFIRM,
            recipient=n.note_taker,
            due=now,
            payload=NotesOf(
                at=MeetingAt(n.meeting_id, n.occurrence),
                member_email=n.note_taker if n.note_taker in members else None,
                notes_id=n.id,
                follows=n.request_key,
            ),
        )
        for n in notes
        if n.note_taker and now - n.received_at <= CONFIRM_WINDOW
    ]


def next_meeting_after(
    config: Config, moment: datetime, *, horizon: timedelta = timedelta(days=400)
) -> Occurrence | None:
    """The first meeting that is asked what it agreed, starting after ``moment``."""
    found = [
        occ
        for meeting in config.meetings
        if takes_notes(config, meeting)
        for occ in occurrences_between(
            meeting, config.partnership.timezone, moment + timedelta(seconds=1), moment + horizon
        )[:1]
    ]
    return min(found, key=lambda o: o.start) if found else None


def plan_follow_ups(
    config: Config,
    now: datetime,
    actions: tuple[AgreedItem, ...],
    members: Mapping[str, MemberState],
    resting: Collection[str] = (),
) -> list[Intent]:
    """One email to each owner with open actions, a week before the next meeting after
    the ones they came from, listing them all; the convenor's word for an owner gone,
    or resting (paused, away, stopping: ``resting``)."""
    name = config.partnership.identity
    due_by: dict[tuple[str, bool, str], datetime] = {}
    groups: dict[tuple[str, bool, str], list[AgreedItem]] = {}
    nexts: dict[str, Occurrence] = {}
    for action in actions:
        if not action.is_open:
            continue
        since = max(action.occurrence, action.recorded_at or action.occurrence)
        upcoming = next_meeting_after(config, since)
        if upcoming is None:
            continue
        due = max((upcoming.start - FOLLOW_UP_BEFORE).astimezone(UTC), since)
        if due > now or now >= upcoming.start:
            continue
        owner = _asked(action, members)
        reachable = (
            owner is not None
            and owner.status == "active"
            and not owner.address_failing
            and owner.email not in resting
        )
        if owner is None and not action.owner_organisation:
            continue  # an owner as written ("Everyone"): nobody to ask
        who = owner.email if owner is not None else action.owner_organisation
        group = (who, reachable, utc_text(upcoming.original))
        groups.setdefault(group, []).append(action)
        due_by[group] = max(due_by.get(group, due), due)
        nexts[group[2]] = upcoming
    intents = []
    for (who, reachable, next_text), items in groups.items():
        upcoming = nexts[next_text]
        kind = MessageKind.ACTION_FOLLOW_UP if reachable else MessageKind.ACTION_SKIPPED
        intents.append(
            Intent(
                # once per owner and meeting: a correction of the notes asks nothing again
                key=intent_key(name, kind, who, upcoming.meeting_id, upcoming.original),
                kind=kind,
                recipient=who if reachable else config.convenor.email,
                due=due_by[(who, reachable, next_text)],
                payload=ActionOf(
                    MeetingAt(upcoming.meeting_id, upcoming.original),
                    tuple(i.id for i in items),
                    who if who in members else None,
                ),
            )
        )
    return intents


def _asked(action: AgreedItem, members: Mapping[str, MemberState]) -> MemberState | None:
    """Whom an action's follow-up goes to: its member, or its organisation's first member."""
    if action.owner_email:
        return members.get(action.owner_email)
    if not action.owner_organisation:
        return None
    found = sorted(
        (m for m in members.values() if m.organisation == action.owner_organisation
         and m.status == "active"),
        key=lambda m: m.id,
    )  # fmt: skip
    return found[0] if found else None
