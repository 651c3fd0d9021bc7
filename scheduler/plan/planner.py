"""The pure planning core: what is due, for whom, now.

``plan(config, content, now, state)`` reads nothing but its arguments and
returns ``Intent``s: one per message the partnership should send by ``now``
that is not already in the outbox (the outbox's unique key is the final
guard). What changed in the files is ``sync``'s business, and when meetings
fall is ``occurrences``'.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.clock import utc_text
from scheduler.inputs.config import Config, Meeting
from scheduler.inputs.content import Content
from scheduler.plan.occurrences import Occurrence, occurrences_between
from scheduler.plan.pairing import Pair, Person
from scheduler.plan.relationships import newcomer_round, weekly_round
from scheduler.plan.rotation import Candidate, Roles, assign_roles

# The order messages go out in when due at the same moment.
KIND_ORDER = {
    "induction": 0,
    "welcome_back": 1,
    "invite": 2,
    "cancel": 3,
    "prompt": 5,
    "role_note": 5,  # to the chair and note-taker, planned after the meeting's questions
    "reminder": 6,
    "handover": 7,
    "leaver_notice": 8,
    "handover_missing": 8,
    "handover_arrived": 8,
    "handover_note": 8,
    "digest": 9,
    "quarantine_notice": 9,
    "introduction": 10,
    "conversation": 11,
}
SETTLING_IN = timedelta(days=28)  # a newcomer takes no role at meetings this soon after joining
GETTING_TO_KNOW_YOU = "getting-to-know-you"
HANDOVER = "handover"


@dataclass(frozen=True)
class MemberState:
    id: int
    email: str
    name: str
    organisation: str
    sector: str
    role: str
    status: str  # pending | active | left
    inducted: bool
    address_failing: bool = False
    joined: date | None = None
    left_on: date | None = None
    rejoined_on: date | None = None
    share_introduction: bool = False
    first_seen: date | None = None


@dataclass(frozen=True)
class MeetingState:
    id: str
    sequence: int
    status: str  # active | removed
    fingerprint: str
    definition: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Invitation:
    """What one member last received of one series."""

    sequence: int
    status: str  # invited | cancelled
    definition: Mapping[str, object] | None = None  # the series as that member was sent it
    # the highest SEQUENCE of anything sent to that member for the series (an occurrence
    # update of older versions included); a new version must rise above it
    highest: int = 0


@dataclass(frozen=True)
class OpenPrompt:
    key: str
    member_email: str
    kind: str
    meeting_id: str | None
    occurrence: datetime | None
    question_id: str
    sent_at: datetime


@dataclass(frozen=True)
class Handover:
    """A leaver's handover note, as archived."""

    answer_id: int
    author: str  # email
    received_at: datetime


@dataclass(frozen=True)
class HeldBack:
    """A message quarantined since the convenor was last told of any."""

    inbound_id: int
    sender: str
    subject: str
    reason: str


@dataclass(frozen=True)
class State:
    members: Mapping[str, MemberState]
    meetings: Mapping[str, MeetingState] = field(default_factory=dict)
    invitations: Mapping[tuple[str, str], Invitation] = field(default_factory=dict)
    open_prompts: tuple[OpenPrompt, ...] = ()
    # recent "getting to know you" answers of members who agreed to share them: (answer id, email)
    introductions: tuple[tuple[int, str], ...] = ()
    started: date | None = None  # the day the service first met this partnership
    pairings: tuple[tuple[str, str, str], ...] = ()  # (round key, a, b) of conversations proposed
    roles: Mapping[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    # ^ (meeting id, occurrence in UTC text) -> (chair, note-taker) already named
    handovers: tuple[Handover, ...] = ()  # notes received recently
    inducted_at: Mapping[str, datetime] = field(default_factory=dict)  # recent inductions
    held_back: tuple[HeldBack, ...] = ()  # quarantined since the last notice to the convenor
    handover_asked: Mapping[str, datetime] = field(default_factory=dict)  # recent requests


@dataclass(frozen=True)
class Intent:
    """One message the partnership means to send."""

    key: str
    kind: str
    recipient: str
    due: datetime
    member_email: str | None = None
    meeting_id: str | None = None
    occurrence: datetime | None = None  # aware, the occurrence's original start
    question_id: str | None = None
    sequence: int | None = None
    follows: str | None = None  # the key of the message this one replies to
    answer_id: int | None = None  # the archived answer this message passes on
    partner: str | None = None  # a conversation's other person
    round_key: str | None = None  # which round of conversations
    passed_to: tuple[str, ...] = ()  # a handover note: the newcomers it went to
    also: tuple[str, ...] = ()  # a checklist reminder: the other parts still unanswered
    chair: str | None = None  # who chairs the occurrence a prompt or role note is for
    note_taker: str | None = None

    def sort_key(self) -> tuple[int, datetime, str]:
        """Within one tick everything planned is due: welcomes go before questions.

        Ties keep the order planned (the sort is stable), so a checklist's parts
        go out, and are listed in the digest, in the checklist's own order.
        """
        return (KIND_ORDER.get(self.kind, 99), self.due, self.recipient)


def intent_key(partnership: str, kind: str, *parts: object) -> str:
    """The stable idempotency key of one intended message."""
    text = "\x1f".join([partnership, kind, *("" if p is None else str(p) for p in parts)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cycle_questions(config: Config, content: Content, meeting: Meeting, index: int) -> list[str]:
    """The question ids one reflection point takes, cycling the configured list."""
    if config.prompts.checklist_meeting == meeting.id:
        return [area.id for area in content.checklist]
    if meeting.kind != "reflection":
        return []
    ids = [q for q in config.prompts.questions if q in content.questions]
    if not ids:
        return []
    per = config.prompts.questions_per_cycle
    return [ids[(index * per + i) % len(ids)] for i in range(min(per, len(ids)))]


# ---------------------------------------------------------------- planning


def plan(config: Config, content: Content, now: datetime, state: State) -> list[Intent]:
    """Every message due by ``now``, in send order."""
    if now.tzinfo is None:
        raise ValueError("plan needs an aware now")
    now = now.astimezone(UTC)
    name = config.partnership.identity
    intents: list[Intent] = []
    active = [m for m in state.members.values() if m.status == "active"]
    reachable = [m for m in active if not m.address_failing]

    for member in reachable:
        if not member.inducted:
            intents.append(
                Intent(
                    key=intent_key(name, "induction", member.email),
                    kind="induction",
                    recipient=member.email,
                    member_email=member.email,
                    due=now,
                )
            )
            intents.append(
                Intent(
                    key=intent_key(name, "prompt", member.email, GETTING_TO_KNOW_YOU),
                    kind="prompt",
                    recipient=member.email,
                    member_email=member.email,
                    due=now,
                    question_id=GETTING_TO_KNOW_YOU,
                )
            )
        elif member.rejoined_on is not None:
            intents.append(
                Intent(
                    key=intent_key(name, "welcome_back", member.email, member.rejoined_on),
                    kind="welcome_back",
                    recipient=member.email,
                    member_email=member.email,
                    due=now,
                )
            )

    intents.extend(_plan_invitations(config, now, state, reachable))
    intents.extend(_plan_prompts(config, content, now, state, reachable))
    intents.extend(_plan_reminders(config, content, now, state))
    intents.extend(_plan_leavers(config, now, state))
    intents.extend(_plan_handovers(config, now, state, reachable))
    intents.extend(_plan_digests(config, content, now, state))
    if state.held_back:  # at most one notice a day, of what is new since the last
        day = now.astimezone(config.partnership.zone).date()
        intents.append(
            Intent(
                key=intent_key(config.partnership.identity, "quarantine_notice", day),
                kind="quarantine_notice",
                recipient=config.convenor.email,
                due=now,
            )
        )
    intents.extend(_plan_introductions(config, now, state, reachable))
    intents.extend(_plan_conversations(config, now, state, reachable))
    return sorted(intents, key=Intent.sort_key)


def _plan_invitations(
    config: Config, now: datetime, state: State, reachable: list[MemberState]
) -> list[Intent]:
    """The series, whole, to each member whose copy is not the current one; CANCELs for leavers.

    Every change, a moved or called-off meeting included, goes out as the
    whole series (overrides and EXDATEs with it) at a SEQUENCE above all the
    member holds: Sabre VObject, which files invitations for Nextcloud and
    Baikal, replaces the stored event with whatever a REQUEST holds, and
    marks every meeting of it cancelled on any CANCEL, one meeting's included.
    """
    name = config.partnership.identity
    intents: list[Intent] = []
    can_reach = {m.email for m in reachable}  # a set: a list made this members x members
    for meeting_id, meeting in state.meetings.items():
        for member in state.members.values():
            sent = state.invitations.get((meeting_id, member.email))
            if meeting.status == "active" and member.email in can_reach:
                if _holds_current(sent, meeting):
                    continue
                sequence = series_sequence(sent, meeting)
                kind = "invite"
            elif (
                sent is not None
                and sent.status == "invited"
                and (meeting.status == "removed" or member.status == "left")
            ):
                sequence = max(meeting.sequence, sent.sequence + 1, sent.highest + 1)
                kind = "cancel"
            else:
                continue
            intents.append(
                Intent(
                    key=intent_key(name, kind, member.email, meeting_id, sequence),
                    kind=kind,
                    recipient=member.email,
                    member_email=member.email,
                    due=now,
                    meeting_id=meeting_id,
                    sequence=sequence,
                )
            )
    return intents


def _holds_current(sent: Invitation | None, meeting: MeetingState) -> bool:
    """Whether a member's copy of the series is the current one (nothing to send)."""
    return sent is not None and sent.status == "invited" and sent.sequence >= meeting.sequence


def series_sequence(sent: Invitation | None, meeting: MeetingState) -> int:
    """The SEQUENCE of the series a member holds once this tick's invitation is sent.

    It rises above everything the member was sent of the series: a
    rejoiner's cancellation, and any one-meeting update an earlier version
    sent at the series' SEQUENCE + 1.
    """
    if sent is None:
        return meeting.sequence
    return max(meeting.sequence, sent.sequence + 1, sent.highest + 1)


def _plan_prompts(
    config: Config, content: Content, now: datetime, state: State, reachable: list[MemberState]
) -> list[Intent]:
    name = config.partnership.identity
    lead = timedelta(days=config.prompts.before_meeting_days)
    intents = []
    for meeting in config.meetings:
        for occ in occurrences_between(
            meeting, config.partnership.timezone, now, now + lead + timedelta(seconds=1)
        ):
            due = (occ.start - lead).astimezone(UTC)
            if due > now:
                continue
            roles = _roles(config, state, meeting, occ, reachable)
            for qid in cycle_questions(config, content, meeting, occ.index):
                for member in reachable:
                    if member.joined is not None and member.joined > now.date():
                        continue
                    intents.append(
                        Intent(
                            key=intent_key(
                                name, "prompt", member.email, meeting.id, occ.original, qid
                            ),
                            kind="prompt",
                            recipient=member.email,
                            member_email=member.email,
                            due=due,
                            meeting_id=meeting.id,
                            occurrence=occ.original,
                            question_id=qid,
                            chair=roles[0] if roles else None,
                            note_taker=roles[1] if roles else None,
                        )
                    )
            if roles is not None:
                intents.extend(_role_notes(config, meeting, occ, due, roles, reachable))
    return intents


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
        if (arrived := _arrived(m)) is None
        or arrived <= settled_by
        or (state.started is not None and arrived <= state.started)
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
                "role_note",
                member.email,
                meeting.id,
                occ.original,
                chair,
                note_taker,
            ),
            kind="role_note",
            recipient=member.email,
            member_email=member.email,
            due=due,
            meeting_id=meeting.id,
            occurrence=occ.original,
            chair=chair,
            note_taker=note_taker,
        )
        for member in reachable
        if member.email in roles
    ]


def _plan_reminders(config: Config, content: Content, now: datetime, state: State) -> list[Intent]:
    """One reminder for each unanswered question, on a weekday.

    The checklist of a governance review comes as one email per part; its
    reminder is one per member, on the first part still open, naming the rest.
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
    for prompt in state.open_prompts:
        member = state.members.get(prompt.member_email)
        if member is None or member.status != "active" or member.address_failing:
            continue
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
        if prompt.occurrence is None and now - due > timedelta(days=14):
            continue
        intents.append(
            Intent(
                key=intent_key(name, "reminder", prompt.key),
                kind="reminder",
                recipient=prompt.member_email,
                member_email=prompt.member_email,
                due=due.astimezone(UTC),
                meeting_id=prompt.meeting_id,
                occurrence=prompt.occurrence,
                question_id=prompt.question_id,
                follows=prompt.key,
                also=also,
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


def _plan_leavers(config: Config, now: datetime, state: State) -> list[Intent]:
    name = config.partnership.identity
    intents = []
    for member in state.members.values():
        if member.status != "left" or member.left_on is None:
            continue
        if (now.date() - member.left_on).days > 30:
            continue  # long gone: a thank-you now would be odd
        if not member.address_failing:
            intents.append(
                Intent(
                    key=intent_key(name, "handover", member.email, member.left_on),
                    kind="handover",
                    recipient=member.email,
                    member_email=member.email,
                    due=now,
                    question_id=HANDOVER,
                )
            )
        intents.append(
            Intent(
                key=intent_key(name, "leaver_notice", member.email, member.left_on),
                kind="leaver_notice",
                recipient=config.convenor.email,
                member_email=member.email,
                due=now,
            )
        )
    return intents


# A leaver's note goes to newcomers who joined from this long before they left (or after)
SUCCESSOR_WINDOW = timedelta(days=30)
HANDOVER_WAIT = timedelta(days=14)  # then the convenor hears that none has come


def _plan_handovers(
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
                key=intent_key(name, "handover_note", email, note.answer_id),
                kind="handover_note",
                recipient=email,
                member_email=author.email,
                due=now,
                answer_id=note.answer_id,
            )
            for email in successors
        )
        intents.append(
            Intent(
                key=intent_key(name, "handover_arrived", note.answer_id),
                kind="handover_arrived",
                recipient=config.convenor.email,
                member_email=author.email,
                due=now,
                answer_id=note.answer_id,
                passed_to=successors,
            )
        )
    for member in state.members.values():
        if member.status != "left" or member.left_on is None or member.address_failing:
            continue
        if member.email in arrived_from:
            continue
        asked = state.handover_asked.get(member.email)
        if asked is not None and HANDOVER_WAIT <= now - asked <= timedelta(days=30):
            intents.append(
                Intent(
                    key=intent_key(name, "handover_missing", member.email, member.left_on),
                    kind="handover_missing",
                    recipient=config.convenor.email,
                    member_email=member.email,
                    due=now,
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
    joined = _arrived(member)
    if inducted >= arrived or author.left_on is None or joined is None:
        return False
    same_place = member.organisation == author.organisation or (
        bool(author.role) and member.role == author.role
    )
    return same_place and joined >= author.left_on - SUCCESSOR_WINDOW


def _arrived(member: MemberState) -> date | None:
    """When a member came: their ``joined`` date, or the day they were first listed if later."""
    days = [d for d in (member.first_seen, member.joined) if d is not None]
    return max(days) if days else None


def _plan_digests(config: Config, content: Content, now: datetime, state: State) -> list[Intent]:
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
                    key=intent_key(name, "digest", recipient, meeting.id, occ.original),
                    kind="digest",
                    recipient=recipient,
                    member_email=recipient if recipient in state.members else None,
                    due=due,
                    meeting_id=meeting.id,
                    occurrence=occ.original,
                )
                for recipient in recipients
            )
    return intents


def _plan_introductions(
    config: Config, now: datetime, state: State, reachable: list[MemberState]
) -> list[Intent]:
    """A newcomer's own introduction, shared with everyone else, when they said yes to it."""
    name = config.partnership.identity
    return [
        Intent(
            key=intent_key(name, "introduction", member.email, answer_id),
            kind="introduction",
            recipient=member.email,
            member_email=author,
            due=now,
            answer_id=answer_id,
        )
        for answer_id, author in state.introductions
        for member in reachable
        if member.email != author
    ]


def _plan_conversations(
    config: Config, now: datetime, state: State, reachable: list[MemberState]
) -> list[Intent]:
    """One-to-one conversations: weekly rounds while the partnership is new, and newcomers'."""
    weeks = config.induction.relationship_weeks
    if weeks <= 0 or state.started is None:
        return []
    zone = config.partnership.zone
    today = now.astimezone(zone).date()
    done = {key for key, _a, _b in state.pairings}
    history = [Pair(a, b) for _key, a, b in state.pairings]
    people = [Person(m.email, m.sector, m.organisation) for m in reachable]
    proposals: list[tuple[str, Pair, datetime]] = []
    if config.induction.existing_members == "induct":  # a new partnership, not an established one
        weekly = weekly_round(
            started=state.started, today=today, weeks=weeks, people=people, history=history,
            done=done, seed=config.partnership.identity, zone=zone,
        )  # fmt: skip
        if weekly is not None:
            key, pairs, slot = weekly
            proposals += [(key, pair, slot) for pair in pairs]
    for member in reachable:
        key = f"newcomer-{member.email}"
        first_seen = member.first_seen or state.started
        if key in done or first_seen <= state.started:
            continue
        if (today - first_seen).days > 28:
            continue  # joined long ago (e.g. before conversations were offered)
        newcomer = Person(member.email, member.sector, member.organisation)
        for pair, slot in newcomer_round(
            newcomer=newcomer, joined=first_seen, people=people, history=history,
            seed=config.partnership.identity, zone=zone,
        ):  # fmt: skip
            proposals.append((key, pair, slot))
    name = config.partnership.identity
    intents = []
    for key, pair, slot in proposals:
        for me, other in ((pair.a, pair.b), (pair.b, pair.a)):
            intents.append(
                Intent(
                    key=intent_key(name, "conversation", me, key, other),
                    kind="conversation",
                    recipient=me,
                    member_email=me,
                    due=now,
                    occurrence=slot,
                    partner=other,
                    round_key=key,
                )
            )
    return intents
