"""Questions before each reflection point (with who chairs and takes notes, when
roles rotate), and one reminder for each question still unanswered."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.clock import utc_text
from scheduler.inputs.config import Config, Meeting
from scheduler.inputs.content import CHECKLIST, Content
from scheduler.plan.controls import resting_members
from scheduler.plan.intents import Intent, MeetingAt, Question, Reminder, RoleNote, intent_key
from scheduler.plan.occurrences import Occurrence, occurrences_between
from scheduler.plan.rotation import Candidate, Roles, assign_roles
from scheduler.plan.state import MemberState, OpenPrompt, State, arrival_day
from scheduler.plan.windows import REMINDER_LATE_LIMIT, SETTLING_IN, SKIP_HORIZON
from scheduler.vocabulary import MessageKind


def cycle_questions(config: Config, content: Content, meeting: Meeting, index: int) -> list[str]:
    """The question ids one reflection point takes, cycling the configured list; the
    governance checklist is one (``CHECKLIST``), its areas the email's numbered parts."""
    if config.prompts.checklist_meeting == meeting.id:
        return [CHECKLIST] if content.checklist else []
    if meeting.kind != "reflection":
        return []
    ids = [q for q in config.prompts.questions if q in content.questions]
    if not ids:
        return []
    per = config.prompts.questions_per_cycle
    return [ids[(index * per + i) % len(ids)] for i in range(min(per, len(ids)))]


def plan_prompts(
    config: Config, content: Content, now: datetime, state: State, reachable: list[MemberState]
) -> list[Intent]:
    name = config.partnership.identity
    lead = timedelta(days=config.prompts.before_meeting_days)
    zone = config.partnership.zone
    skipped = skipped_cycles(config, content, state, now)
    intents = []
    for meeting in config.meetings:
        for occ in occurrences_between(
            meeting, config.partnership.timezone, now, now + lead + timedelta(seconds=1)
        ):
            due = (occ.start - lead).astimezone(UTC)
            if due > now:
                continue
            roles = _roles(config, state, meeting, occ, reachable)
            cycle = (meeting.id, utc_text(occ.original))
            for qid in cycle_questions(config, content, meeting, occ.index):
                for member in reachable:
                    if member.joined is not None and member.joined > now.date():
                        continue
                    if (member.email, *cycle) in skipped or _gone_by(member, occ, zone):
                        continue
                    parts = (
                        _parts_to_ask(content, state, member.email, meeting, occ)
                        if qid == CHECKLIST
                        else ()
                    )
                    if qid == CHECKLIST and not parts:
                        continue  # asked one area at a time before this version
                    intents.append(
                        Intent(
                            key=intent_key(
                                name,
                                MessageKind.PROMPT,
                                member.email,
                                meeting.id,
                                occ.original,
                                qid,
                            ),
                            kind=MessageKind.PROMPT,
                            recipient=member.email,
                            due=due,
                            payload=Question(
                                member_email=member.email,
                                question_id=qid,
                                at=MeetingAt(meeting.id, occ.original),
                                chair=roles[0] if roles else None,
                                note_taker=roles[1] if roles else None,
                                parts=parts,
                            ),
                        )
                    )
            if roles is not None:
                intents.extend(_role_notes(config, meeting, occ, due, roles, reachable))
    return intents


def _parts_to_ask(
    content: Content, state: State, member: str, meeting: Meeting, occ: Occurrence
) -> tuple[str, ...]:
    """The checklist's areas for one email: all, but those an archive from before (one
    email per area) already asked this member for this meeting."""
    when = utc_text(occ.original)
    return tuple(
        area.id
        for area in content.checklist
        if (member, meeting.id, when, area.id) not in state.asked_alone
    )


def _roles(
    config: Config,
    state: State,
    meeting: Meeting,
    occ: Occurrence,
    reachable: list[MemberState],
) -> tuple[str, str] | None:
    """Who chairs and takes notes at a reflection point, when roles rotate."""
    if not config.leadership.rotate_roles or meeting.kind != "reflection":
        return None
    named = state.roles.get((meeting.id, utc_text(occ.original)))
    if named is not None:
        return named
    history = [Roles(chair, note) for chair, note in state.roles.values()]
    # a newcomer is not asked to chair or take notes before finding their feet (those
    # who started the partnership are all new together, and take turns from the first)
    settled_by = occ.start.date() - SETTLING_IN
    settled = [
        m
        for m in reachable
        if not _gone_by(m, occ, config.partnership.zone)
        and (
            (arrived := arrival_day(m)) is None
            or arrived <= settled_by
            or (state.started is not None and arrived <= state.started)
        )
    ]
    chosen = assign_roles(
        [Candidate(m.email, m.organisation, m.sector) for m in settled],
        history,
        seed=config.partnership.identity,
    )
    return (chosen.chair, chosen.note_taker) if chosen else None


def _role_notes(
    config: Config,
    meeting: Meeting,
    occ: Occurrence,
    due: datetime,
    roles: tuple[str, str],
    reachable: list[MemberState],
) -> list[Intent]:
    """A word by email to the two people whose turn it is, when a meeting's roles are named.

    Everyone learns who chairs from the question email and ``reflect
    status``; calendars are not touched, since the meeting itself has not
    changed (and an update of one meeting replaces a whole series in some).
    """
    chair, note_taker = roles
    return [
        Intent(
            key=intent_key(
                config.partnership.identity,
                MessageKind.ROLE_NOTE,
                member.email,
                meeting.id,
                occ.original,
                chair,
                note_taker,
            ),
            kind=MessageKind.ROLE_NOTE,
            recipient=member.email,
            due=due,
            payload=RoleNote(
                member_email=member.email,
                at=MeetingAt(meeting.id, occ.original),
                chair=chair,
                note_taker=note_taker,
            ),
        )
        for member in reachable
        if member.email in roles
    ]


def plan_reminders(config: Config, content: Content, now: datetime, state: State) -> list[Intent]:
    """One reminder for each unanswered question, on a weekday.

    The checklist of a governance review comes as one email of numbered parts (in
    archives from before, one email per part); its reminder is one per member, on the
    first part still open, naming the rest.
    """
    name = config.partnership.identity
    wait = timedelta(days=config.prompts.reminder_after_days)
    order = {area.id: n for n, area in enumerate(content.checklist)}
    checklists: dict[tuple[str, str | None, datetime | None], list[OpenPrompt]] = {}
    for prompt in state.open_prompts:
        if prompt.kind == "checklist":
            review = (prompt.member_email, prompt.meeting_id, prompt.occurrence)
            checklists.setdefault(review, []).append(prompt)
    intents = []
    resting = resting_members(state, now.astimezone(config.partnership.zone).date())
    skipped = skipped_cycles(config, content, state, now)
    for prompt in state.open_prompts:
        member = state.members.get(prompt.member_email)
        if member is None or member.status != "active" or member.address_failing:
            continue
        if member.email in resting or (
            prompt.occurrence is not None
            and (member.email, prompt.meeting_id, utc_text(prompt.occurrence)) in skipped
        ):
            continue  # paused, away, asked to stop, or skipping this cycle
        also: tuple[str, ...] = ()
        if prompt.kind == "checklist":
            parts = sorted(
                checklists[(prompt.member_email, prompt.meeting_id, prompt.occurrence)],
                key=lambda p: (order.get(p.question_id, len(order)), p.question_id),
            )
            if prompt is not parts[0]:
                continue  # the review's one reminder follows its first open part
            also = tuple(p.question_id for p in parts[1:])
        due = _weekday(prompt.sent_at + wait, config.partnership.zone)
        if due > now:
            continue
        if prompt.occurrence is not None and prompt.occurrence <= now:
            continue  # the meeting has begun: a reminder would only nag
        if prompt.occurrence is None and now - due > REMINDER_LATE_LIMIT:
            continue
        intents.append(
            Intent(
                key=intent_key(name, MessageKind.REMINDER, prompt.key),
                kind=MessageKind.REMINDER,
                recipient=prompt.member_email,
                due=due.astimezone(UTC),
                payload=Reminder(
                    member_email=prompt.member_email,
                    question_id=prompt.question_id,
                    follows=prompt.key,
                    at=(
                        MeetingAt(prompt.meeting_id, prompt.occurrence)
                        if prompt.meeting_id is not None and prompt.occurrence is not None
                        else None
                    ),
                    also=also,
                    numbers=(
                        tuple(p.part_number or 0 for p in parts)
                        if prompt.kind == "checklist" and prompt.part_number
                        else ()
                    ),
                ),
            )
        )
    return intents


def _weekday(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment``, or if it falls on a weekend, 09:00 on the Monday after, local time."""
    local = moment.astimezone(zone)
    if local.weekday() < 5:
        return moment
    monday = local.date() + timedelta(days=7 - local.weekday())
    return datetime.combine(monday, time(9, 0), tzinfo=zone).astimezone(UTC)


def _gone_by(member: MemberState, occ: Occurrence, zone: ZoneInfo) -> bool:
    """Whether a member's last day (written ahead of time) comes before this meeting."""
    return member.leaving_on is not None and occ.start.astimezone(zone).date() > member.leaving_on


def skipped_cycles(
    config: Config, content: Content, state: State, now: datetime
) -> set[tuple[str, str, str]]:
    """(email, meeting id, occurrence in UTC text) of each cycle a member said ``skip`` to.

    A skip in reply to a question is for that question's cycle; the reader gives one sent
    while a cycle's questions are out that cycle; any other is for the next cycle whose
    questions go out after it.
    """
    found: set[tuple[str, str, str]] = set()
    for request in state.requests:
        if request.word != "skip" or now - request.at > SKIP_HORIZON:
            continue
        if request.meeting_id is not None and request.occurrence is not None:
            found.add((request.email, request.meeting_id, utc_text(request.occurrence)))
            continue
        cycle = next_cycle_after(config, content, request.at)
        if cycle is not None:
            found.add((request.email, *cycle))
    return found


def next_cycle_after(config: Config, content: Content, moment: datetime) -> tuple[str, str] | None:
    """The first cycle (meeting id, occurrence in UTC text) whose questions go out after
    ``moment``."""
    lead = timedelta(days=config.prompts.before_meeting_days)
    best: tuple[datetime, str, str] | None = None
    for meeting in config.meetings:
        for occ in occurrences_between(
            meeting, config.partnership.timezone, moment + lead, moment + lead + SKIP_HORIZON
        ):
            if cycle_questions(config, content, meeting, occ.index):
                candidate = (occ.start, meeting.id, utc_text(occ.original))
                best = candidate if best is None or candidate < best else best
                break
    return (best[1], best[2]) if best else None
