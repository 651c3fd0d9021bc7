"""Turning an ``Intent`` into the exact message bytes that will be sent.

Rendering never sends: it produces an ``Outgoing`` (the outbox row to be). The
Message-ID and reply token derive from the intent's key and the secret, so a
message that is rendered, lost and rendered again is still the same message,
and nobody without the key can name either. Member-provided
strings reach headers only through ``email.headerregistry.Address`` (which
encodes them) and HTML only through autoescaped Jinja2.
"""

from __future__ import annotations

import email.policy
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from difflib import SequenceMatcher
from email.headerregistry import Address
from email.utils import format_datetime
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2

from scheduler.compose.calendar_changes import series_changes
from scheduler.compose.calendar_mail import meeting_purpose
from scheduler.compose.message_bytes import MessageBytes, alternative
from scheduler.compose.tokens import keyed_message_id, sign_token, token_id_for
from scheduler.inputs.config import Config, Meeting
from scheduler.inputs.content import Content
from scheduler.inputs.sectors import SECTOR_LABELS, SECTORS
from scheduler.plan.intents import GETTING_TO_KNOW_YOU, HANDOVER, Intent
from scheduler.plan.occurrences import next_occurrences, occurrences_between
from scheduler.plan.state import HeldBack, Invitation, MeetingState, MemberState
from scheduler.reports.digest import DigestView, digest_context
from scheduler.safety import clean_header_text, printable

REPLY_MARKER = "## Please reply above this line ##"
POLICY = email.policy.SMTP
# Writing headers with room to breathe: the standard library folds some short
# subjects ("Checklist: Governance & ...") onto a continuation line, which
# readers then show with a leading space. RFC 5322 allows lines to 998 octets;
# bodies are already encoded (at 76 per line) when this is used.
WRITE_POLICY = POLICY.clone(max_line_length=998)

# The product's own questions (not the framework's): asked on joining and leaving.
OWN_QUESTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    GETTING_TO_KNOW_YOU: (
        "Getting to know you: what brings you to this work?",
        (
            "What brings you to this work, personally?",
            "What do you bring, personally and from your organisation?",
            "What would success look like to you?",
        ),
    ),
    HANDOVER: ("A short handover note", ()),
}


def templates_dir() -> Path:
    return Path(str(files("scheduler") / "templates" / "email"))


@cache
def environment(directory: str | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory or str(templates_dir())),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=False,
    )
    return env


def render_template(name: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) for one template family."""
    env = environment()
    subject = env.get_template(f"{name}.subject").render(context)
    text = env.get_template(f"{name}.txt").render(context)
    html = env.get_template(f"{name}.html").render(context)
    subject = clean_header_text(" ".join(subject.split()))
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return subject, text, html


@dataclass(frozen=True)
class PromptRecord:
    """What the archive keeps about a prompt, to match and show its answers."""

    kind: str  # question | checklist | getting_to_know_you | handover
    question_id: str
    question_text: str
    body_text: str


@dataclass(frozen=True)
class Outgoing:
    key: str
    kind: str
    recipient: str
    member_email: str | None
    subject: str
    message_id: str
    token_id: str | None
    raw: bytes
    prompt: PromptRecord | None = None


@dataclass(frozen=True)
class HandoverNote:
    name: str
    organisation: str
    role: str
    left_on: str
    text: str


@dataclass
class Renderer:
    config: Config
    content: Content
    secret: bytes
    members: Mapping[str, MemberState]
    meetings: Mapping[str, MeetingState]
    now: datetime
    handovers_for: Callable[[MemberState], Sequence[HandoverNote]] = lambda _m: ()
    digest_for: Callable[[Meeting, datetime, str], DigestView] | None = None
    answer_text: Callable[[int], str] = lambda _id: ""
    invitations: Mapping[tuple[str, str], Invitation] = field(default_factory=dict)
    held_back: Sequence[HeldBack] = ()  # what a quarantine notice lists
    # a member's last calendar answer (PARTSTAT) for a meeting: (email, meeting id, occurrence)
    answer_to_meeting: Callable[[str, str, datetime | None], str] = lambda *_: "NEEDS-ACTION"
    _common: dict[str, Any] = field(default_factory=dict)
    started: date | None = None  # the day the partnership began here (State.started)

    def __post_init__(self) -> None:
        self._common = {
            "partnership": self.config.partnership.name,
            "convenor_name": self.config.convenor.name,
            "convenor_email": self.config.convenor.email,
            "reply_marker": REPLY_MARKER,
        }

    # ------------------------------------------------------------ helpers

    def message_id(self, key: str) -> str:
        # keyed: a reply that names it in its thread proves it saw our message
        return keyed_message_id(key, self.secret, self.config.mail.from_domain)

    def _member(self, email: str | None) -> MemberState:
        if email is None or email not in self.members:
            raise KeyError(f"unknown member {email!r}")
        return self.members[email]

    def _when(self, moment: datetime) -> str:
        local = moment.astimezone(self.config.partnership.zone)
        return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"

    def _envelope(
        self,
        intent: Intent,
        *,
        subject: str,
        body: MessageBytes,
        to_name: str,
        reply_token: str | None,
    ) -> MessageBytes:
        cfg = self.config
        recipient = intent.recipient
        msg = body
        msg["From"] = _address(
            display_name=clean_header_text(cfg.mail.from_name or cfg.partnership.name),
            addr_spec=cfg.mail.from_address,
        )
        if cfg.mail.rehearsal:
            msg["To"] = _address(display_name=cfg.convenor.name, addr_spec=cfg.convenor.email)
            msg["X-Reflect-Intended-Recipient"] = recipient
        else:
            msg["To"] = _address(display_name=clean_header_text(to_name), addr_spec=recipient)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(self.now.astimezone(UTC))
        msg["Message-ID"] = self.message_id(intent.key)
        if reply_token is not None:
            msg["Reply-To"] = Address(
                display_name=clean_header_text(cfg.partnership.name),
                addr_spec=cfg.mail.reply_to.replace("{token}", reply_token),
            )
        if intent.follows:
            parent = self.message_id(intent.follows)
            msg["In-Reply-To"] = parent
            msg["References"] = parent
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
        msg["X-Reflect-Kind"] = intent.kind
        return msg

    @staticmethod
    def _alternative(text: str, html: str) -> MessageBytes:
        # the same bytes as EmailMessage set_content + add_alternative, ~20x faster
        return alternative(text, html)

    def _held_at(self, meeting: Meeting, occurrence: datetime) -> datetime:
        """When an occurrence (by its original start) is held: moved, or as planned."""
        zone = self.config.partnership.zone
        moved = dict(meeting.moved).get(occurrence.astimezone(zone).replace(tzinfo=None))
        return moved.replace(tzinfo=zone) if moved else occurrence

    def meeting(self, meeting_id: str) -> Meeting:
        found = self.config.meeting(meeting_id)
        if found is not None:
            return found
        stored = self.meetings.get(meeting_id)
        if stored is None:
            raise KeyError(meeting_id)
        return meeting_from_definition(meeting_id, stored.definition)

    # ------------------------------------------------------------ entry point

    def render(self, intent: Intent) -> Outgoing:
        handler = {
            "prompt": self._prompt,
            "reminder": self._prompt,
            "handover": self._prompt,
            "induction": self._induction,
            "welcome_back": self._welcome_back,
            "invite": self._invite,
            "cancel": self._invite,
            "role_note": self._role_note,
            "leaver_notice": self._leaver_notice,
            "handover_note": self._handover_note,
            "handover_arrived": self._handover_news,
            "handover_missing": self._handover_news,
            "introduction": self._introduction,
            "conversation": self._conversation,
            "digest": self._digest,
            "quarantine_notice": self._quarantine_notice,
        }[intent.kind]
        return handler(intent)

    # ------------------------------------------------------------ prompts

    def _question(self, qid: str) -> tuple[str, dict[str, Any]]:
        if qid in OWN_QUESTIONS:
            text, prompts = OWN_QUESTIONS[qid]
            kind = "getting_to_know_you" if qid == GETTING_TO_KNOW_YOU else "handover"
            return kind, {
                "question_text": text,
                "question_number": None,
                "prompts": list(prompts),
                "points": [],
                "resources": [],
                "source": "",
                "is_checklist": False,
            }
        if qid in self.content.questions:
            q = self.content.questions[qid]
            return "question", {
                "question_text": q.text,
                "question_number": q.number,
                "prompts": list(q.prompts),
                "points": list(new_points(tuple(q.prompts), tuple(q.points))),
                "resources": [
                    {"title": r.title, "description": r.description} for r in q.resources
                ],
                "source": q.source,
                "is_checklist": False,
            }
        area = next(a for a in self.content.checklist if a.id == qid)
        return "checklist", {
            "question_text": f"Partnership checklist: {area.title}",
            "question_number": None,
            "prompts": list(area.questions),
            "points": [],
            "resources": [],
            "source": area.source,
            "is_checklist": True,
        }

    def _prompt(self, intent: Intent) -> Outgoing:
        member = self._member(intent.member_email)
        qid = intent.question_id or ""
        kind, question = self._question(qid)
        meeting_title, meeting_when = "", ""
        if intent.meeting_id and intent.occurrence is not None:
            meeting = self.meeting(intent.meeting_id)
            meeting_title = meeting.title
            meeting_when = self._when(self._held_at(meeting, intent.occurrence))
        context = {
            **self._common,
            **question,
            "member_name": member.name,
            "organisation": member.organisation,
            "meeting_title": meeting_title,
            "meeting_when": meeting_when,
            "chair": self._role_holder(intent.chair),
            "note_taker": self._role_holder(intent.note_taker),
            "also": [
                area.title
                for qid in intent.also
                for area in self.content.checklist
                if area.id == qid
            ],
            "intro": (
                "To help us get to know you, here is a first question. "
                "Your answer is kept in the partnership's archive"
                + (
                    " and shared with the others as your introduction, as you agreed."
                    if member.share_introduction
                    else "; it is shared with the convenor only."
                )
            ),
        }
        template = {
            "prompt": "member-prompt",
            "reminder": "member-reminder",
            "handover": "leaver-handover",
        }[intent.kind]
        subject, text, html = render_template(template, context)
        # a reminder carries the prompt's token so that a reply to either is the same answer
        token_source = intent.follows or intent.key
        token_id = token_id_for(token_source)
        token = sign_token(token_id, self.secret)
        msg = self._envelope(
            intent,
            subject=subject,
            body=self._alternative(text, html),
            to_name=member.name,
            reply_token=token,
        )
        prompt = None
        if intent.kind != "reminder":
            prompt = PromptRecord(kind, qid, str(question["question_text"]), text)
        return Outgoing(
            key=intent.key,
            kind=intent.kind,
            recipient=intent.recipient,
            member_email=member.email,
            subject=subject,
            message_id=self.message_id(intent.key),
            token_id=token_id if intent.kind != "reminder" else None,
            raw=msg.as_bytes(policy=WRITE_POLICY),
            prompt=prompt,
        )

    # ------------------------------------------------------------ induction

    def _meetings_summary(self) -> list[dict[str, str]]:
        summary = []
        seen: set[str] = set()
        for meeting, occ in next_occurrences(self.config, self.now, count=1):
            if meeting.id in seen:
                continue
            seen.add(meeting.id)
            summary.append(
                {
                    "title": meeting.title,
                    "rhythm": describe_rhythm(meeting),
                    "next": self._when(occ.start),
                    "location": meeting.location,
                }
            )
        return summary

    def _people(self) -> list[dict[str, Any]]:
        groups = []
        active = [m for m in self.members.values() if m.status == "active"]
        for sector in SECTORS:
            in_sector = [m for m in active if m.sector == sector]
            if not in_sector:
                continue
            orgs: dict[str, list[dict[str, str]]] = {}
            for m in sorted(in_sector, key=lambda m: (m.organisation.lower(), m.name.lower())):
                orgs.setdefault(m.organisation, []).append({"name": m.name, "role": m.role})
            groups.append(
                {
                    "sector_label": SECTOR_LABELS[sector],
                    "organisations": [{"name": k, "people": v} for k, v in orgs.items()],
                }
            )
        return groups

    def _induction(self, intent: Intent) -> Outgoing:
        member = self._member(intent.member_email)
        p = self.config.partnership
        handovers = [
            {**h.__dict__, "paragraphs": _paragraphs(h.text)} for h in self.handovers_for(member)
        ]
        first_question = next(iter(self.content.questions.values()), None)
        context = {
            **self._common,
            "member_name": member.name,
            "purpose": p.purpose,
            "story": p.story.strip(),
            "story_paragraphs": _paragraphs(p.story),
            "people": self._people(),
            "meetings": self._meetings_summary(),
            "decisions": p.decisions,
            "between_meetings": p.between_meetings,
            "glossary": sorted(p.glossary.items()),
            "questions": [q.text for q in self.content.questions.values() if q.number],
            "framework_source": first_question.source if first_question else "the framework",
            "handovers": handovers,
        }
        return self._simple(intent, "member-induction", context, member.name)

    def _welcome_back(self, intent: Intent) -> Outgoing:
        member = self._member(intent.member_email)
        context = {
            **self._common,
            "member_name": member.name,
            "purpose": self.config.partnership.purpose,
            "meetings": self._meetings_summary(),
        }
        return self._simple(intent, "member-welcome-back", context, member.name)

    def _leaver(self, intent: Intent) -> dict[str, Any]:
        leaver = self._member(intent.member_email)
        return {
            **self._common,
            "leaver_name": leaver.name,
            "leaver_organisation": leaver.organisation,
            "leaver_role": leaver.role,
            "left_on": long_date(leaver.left_on) if leaver.left_on else "today",
            "handover_sent": not leaver.address_failing,
            "back": leaver.status == "active",  # left, and has since rejoined
        }

    def _leaver_notice(self, intent: Intent) -> Outgoing:
        context = self._leaver(intent)
        return self._simple(intent, "convenor-leaver-notice", context, self.config.convenor.name)

    def _handover_note(self, intent: Intent) -> Outgoing:
        """A leaver's note, to a newcomer who joined before it arrived."""
        member = self._member(intent.recipient)
        context = {
            **self._leaver(intent),
            "member_name": member.name,
            "paragraphs": _paragraphs(self.answer_text(intent.answer_id or 0)),
        }
        return self._simple(intent, "member-handover-note", context, member.name)

    def _handover_news(self, intent: Intent) -> Outgoing:
        """To the convenor: a leaver's note has arrived, or has not after two weeks."""
        arrived = intent.kind == "handover_arrived"
        context = {
            **self._leaver(intent),
            "arrived": arrived,
            "passed_to": [self._role_holder(email) for email in intent.passed_to],
            "paragraphs": _paragraphs(self.answer_text(intent.answer_id or 0)) if arrived else [],
        }
        return self._simple(intent, "convenor-handover", context, self.config.convenor.name)

    def _role_holder(self, email: str | None) -> str:
        member = self.members.get(email or "")
        return f"{member.name} ({member.organisation})" if member else ""

    def _role_note(self, intent: Intent) -> Outgoing:
        """An email to the chair or note-taker of a meeting: it is their turn.

        Calendars are left alone: naming a chair does not change the meeting.
        """
        member = self._member(intent.member_email)
        if intent.occurrence is None or not intent.chair or not intent.note_taker:
            raise ValueError("a role note needs an occurrence, a chair and a note-taker")
        meeting = self.meeting(intent.meeting_id or "")
        when = self._held_at(meeting, intent.occurrence)
        local_when = when.astimezone(self.config.partnership.zone)
        context = {
            **self._common,
            "member_name": member.name,
            "meeting_title": meeting.title,
            "meeting_when": self._when(when),
            "meeting_day": f"{local_when:%a} {local_when.day} {local_when:%b}",
            "chair": self._role_holder(intent.chair),
            "note_taker": self._role_holder(intent.note_taker),
            "role": {intent.chair: "chair", intent.note_taker: "notes"}.get(member.email, ""),
        }
        return self._simple(intent, "member-roles", context, member.name)

    def _conversation(self, intent: Intent) -> Outgoing:
        from scheduler.compose.calendar_mail import conversation_message
        from scheduler.plan.relationships import CONVERSATION_MINUTES

        member = self._member(intent.recipient)
        partner = self._member(intent.partner)
        if intent.occurrence is None or intent.round_key is None:
            raise ValueError("a conversation needs a slot and a round")
        context = {
            **self._common,
            "member_name": member.name,
            "partner_name": partner.name,
            "partner_organisation": partner.organisation,
            "partner_role": partner.role,
            "partner_email": partner.email,
            "when": self._when(intent.occurrence),
            "minutes": CONVERSATION_MINUTES,
            "newcomer": intent.round_key.startswith("newcomer-"),
            "newcomer_is_me": intent.round_key == f"newcomer-{member.email}",
        }
        subject, text, html = render_template("member-conversation", context)
        pair_key = intent_pair_key(intent.round_key, member.email, partner.email)
        body = conversation_message(
            config=self.config,
            key=pair_key,
            start=intent.occurrence,
            minutes=CONVERSATION_MINUTES,
            people=sorted([(member.email, member.name), (partner.email, partner.name)]),
            stamp=self.now,
            text=text,
            html=html,
        )
        msg = self._envelope(
            intent,
            subject=subject,
            body=MessageBytes.from_message(body),
            to_name=member.name,
            reply_token=None,
        )
        return self._outgoing(intent, subject, msg)

    def _introduction(self, intent: Intent) -> Outgoing:
        member = self._member(intent.recipient)
        newcomer = self._member(intent.member_email)
        context = {
            **self._common,
            "member_name": member.name,
            "newcomer_name": newcomer.name,
            "newcomer_organisation": newcomer.organisation,
            "newcomer_role": newcomer.role,
            "newcomer_email": newcomer.email,
            # at a partnership's start everyone is new together: nobody is "the newcomer"
            "founder": newcomer.first_seen is not None and newcomer.first_seen == self.started,
            "paragraphs": _paragraphs(self.answer_text(intent.answer_id or 0)),
        }
        return self._simple(intent, "member-introduction", context, member.name)

    def _digest(self, intent: Intent) -> Outgoing:
        if self.digest_for is None or intent.meeting_id is None or intent.occurrence is None:
            raise ValueError("a digest needs the archive and a meeting occurrence")
        meeting = self.meeting(intent.meeting_id)
        when = self._when(self._held_at(meeting, intent.occurrence))
        view = self.digest_for(meeting, intent.occurrence, when)
        member = self.members.get(intent.recipient)
        to_name = member.name if member else self.config.convenor.name
        context = {**self._common, **digest_context(view)}
        return self._simple(intent, "convenor-digest", context, to_name)

    def _quarantine_notice(self, intent: Intent) -> Outgoing:
        """To the convenor: replies held back for a person to look at, so none is missed."""
        context = {
            **self._common,
            "count": len(self.held_back),
            "items": [
                {  # a stranger's words: shown for what they are, each on its one line
                    "id": h.inbound_id,
                    "sender": printable(h.sender or "an unreadable address", 120),
                    "subject": printable(h.subject, 120),
                    "reason": printable(h.reason, 500),
                }
                for h in self.held_back
            ],
        }
        return self._simple(intent, "convenor-quarantine", context, self.config.convenor.name)

    def _simple(
        self, intent: Intent, template: str, context: Mapping[str, Any], to_name: str
    ) -> Outgoing:
        subject, text, html = render_template(template, context)
        msg = self._envelope(
            intent,
            subject=subject,
            body=self._alternative(text, html),
            to_name=to_name,
            reply_token=None,
        )
        return self._outgoing(intent, subject, msg)

    def _outgoing(self, intent: Intent, subject: str, msg: MessageBytes) -> Outgoing:
        """The outbox row of a message that carries no reply token."""
        return Outgoing(
            key=intent.key,
            kind=intent.kind,
            recipient=intent.recipient,
            member_email=intent.member_email,
            subject=subject,
            message_id=self.message_id(intent.key),
            token_id=None,
            raw=msg.as_bytes(policy=WRITE_POLICY),
        )

    # ------------------------------------------------------------ invitations

    def _invite(self, intent: Intent) -> Outgoing:
        """The whole series (a change to one meeting included), or its CANCEL for a leaver."""
        from scheduler.compose.calendar_mail import invite_message

        member = self._member(intent.member_email)
        meeting = self.meeting(intent.meeting_id or "")
        stored = self.meetings.get(meeting.id)
        cancelled = intent.kind == "cancel"
        upcoming = occurrences_between(
            meeting, self.config.partnership.timezone, self.now, self.now + timedelta(days=800)
        )
        if cancelled:
            reason = (
                f"The {meeting.title} series has ended, so it has been taken out of your calendar."
                if stored is not None and stored.status == "removed"
                else f"As you have left {self.config.partnership.name}, the {meeting.title} "
                "series has been taken out of your calendar. Thank you for taking part."
            )
        else:
            reason = ""
        held = self.invitations.get((meeting.id, member.email))
        update = not cancelled and held is not None and held.status == "invited"
        changes = None
        if update and held is not None and held.definition:
            now_local = self.now.astimezone(self.config.partnership.zone).replace(tzinfo=None)
            before = meeting_from_definition(meeting.id, held.definition)
            changes = series_changes(before, meeting, now=now_local)
        # a change to single meetings only keeps the member's answer to the series
        partstat = "NEEDS-ACTION"
        if changes is not None and changes.only_meetings:
            partstat = self.answer_to_meeting(member.email, meeting.id, None)
        only_called_off = (
            changes is not None
            and changes.only_meetings
            and len(changes.lines) == len(changes.called_off) > 0
        )
        start = localize_first(meeting, self.config)
        context = {
            **self._common,
            "member_name": member.name,
            "meeting_title": meeting.title,
            "cancelled": cancelled,
            "called_off": (
                " and ".join(_long_day(when) for when in changes.called_off)
                if changes is not None and only_called_off
                else ""
            ),
            "cancel_reason": reason,
            # an update only for someone who holds the series now (not a joiner or rejoiner)
            "update": update,
            "changes": list(changes.lines) if changes is not None else [],
            "answer_stands": partstat != "NEEDS-ACTION",
            "rhythm": describe_rhythm(meeting),
            "time_range": f"{start:%H:%M}–{(start + meeting.duration):%H:%M}",
            "tz": zone_label(self.config.partnership.timezone),
            "next": self._when(upcoming[0].start) if upcoming else "no further dates",
            "location": meeting.location,
            "purpose_line": meeting_purpose(self.config, self.content, meeting),
        }
        subject, text, html = render_template("member-invite", context)
        body = invite_message(
            config=self.config,
            content=self.content,
            meeting=meeting,
            member_email=member.email,
            member_name=member.name,
            sequence=intent.sequence or 0,
            cancel=cancelled,
            stamp=self.now,
            text=text,
            html=html,
            partstat=partstat,
        )
        msg = self._envelope(
            intent,
            subject=subject,
            body=body,
            to_name=member.name,
            reply_token=None,
        )
        return self._outgoing(intent, subject, msg)


def _long_day(moment: datetime) -> str:
    """A called-off date as a subject line says it: Tuesday 6 July 2027."""
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


@lru_cache(maxsize=64)
def new_points(prompts: tuple[str, ...], points: tuple[str, ...]) -> tuple[str, ...]:
    """The long read's points that the one-page prompts do not already ask.

    The framework's points mostly restate its prompts word for word or
    nearly, sometimes two prompts in one point or one prompt's sentences
    apart. A point is kept only if one of its sentences is unlike every
    sentence of the prompts, so an email does not ask the same thing twice.
    """

    def sentences(text: str) -> list[str]:
        spelt_out = re.sub(r"\bVCSE\b", "voluntary, community and social enterprise", text)
        found = (" ".join(re.findall(r"[a-z0-9]+", s.lower())) for s in _SENTENCE.split(spelt_out))
        return [s for s in found if s]

    asked = [s for prompt in prompts for s in sentences(prompt)]

    def already_asked(sentence: str) -> bool:
        return any(SequenceMatcher(None, sentence, a).ratio() >= 0.75 for a in asked)

    return tuple(p for p in points if not all(already_asked(s) for s in sentences(p)))


_SENTENCE = re.compile(r"(?<=[?.!])\s+")


def zone_label(tz_name: str) -> str:
    """A time zone as people say it: "London time", "New York time"; UTC as it is."""
    place = tz_name.rsplit("/", 1)[-1].replace("_", " ")
    return "UTC" if tz_name in ("UTC", "Etc/UTC") else f"{place} time"


def long_date(day: date) -> str:
    """A date as the emails write it: 8 February 2027."""
    return f"{day.day} {day:%B %Y}"


@lru_cache(maxsize=4096)
def _address(*, display_name: str, addr_spec: str) -> Address:
    """An ``Address`` (immutable), made once per sender and member: parsing one costs ~0.1 ms."""
    return Address(display_name=display_name, addr_spec=addr_spec)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def localize_first(meeting: Meeting, config: Config) -> datetime:
    return meeting.first.replace(tzinfo=config.partnership.zone)


def meeting_from_definition(meeting_id: str, d: Mapping[str, Any]) -> Meeting:
    return Meeting(
        id=meeting_id,
        kind=str(d["kind"]),
        title=str(d["title"]),
        first=datetime.fromisoformat(str(d["first"])),
        duration=timedelta(minutes=int(d["duration_minutes"])),
        rrule=d.get("rrule"),
        location=str(d.get("location", "")),
        description=str(d.get("description", "")),
        cancelled=tuple(datetime.fromisoformat(c) for c in d.get("cancelled", [])),
        moved=tuple(
            (datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in d.get("moved", [])
        ),
    )


_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
         "SA": "Saturday", "SU": "Sunday"}  # fmt: skip


def describe_rhythm(meeting: Meeting) -> str:
    """The rule in a convenor's words: "every 6 weeks on Tuesday"."""
    if not meeting.rrule:
        return f"once, on {meeting.first:%A} {meeting.first.day} {meeting.first:%B %Y}"
    parts = dict(p.split("=", 1) for p in meeting.rrule.upper().split(";") if "=" in p)
    interval = int(parts.get("INTERVAL", "1"))
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}.get(
        parts.get("FREQ", ""), "time"
    )
    every = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
    byday = parts.get("BYDAY")
    if byday:
        m = re.fullmatch(r"([+-]?\d)?([A-Z]{2})", byday.split(",")[0])
        if m and m.group(1):
            return (
                f"{every}, on the {_ORDINALS.get(int(m.group(1)), m.group(1))} {_DAYS[m.group(2)]}"
            )
        days = [_DAYS.get(d[-2:], d) for d in byday.split(",")]
        return f"{every} on {', '.join(days)}"
    if unit == "week":
        return f"{every} on {meeting.first:%A}"
    return every


def intent_pair_key(round_key: str, a: str, b: str) -> str:
    """One calendar UID for both people's copy of a conversation."""
    first, second = sorted((a, b))
    return hashlib.sha256(f"{round_key}\x1f{first}\x1f{second}".encode()).hexdigest()[:24]
