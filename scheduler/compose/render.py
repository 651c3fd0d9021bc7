"""Turning an ``Intent`` into the exact message bytes that will be sent.

Rendering never sends: it produces an ``Outgoing`` (the outbox row to be). It
queries nothing either: what a message quotes from the archive comes in a
``RenderInputs`` gathered beforehand (see ``render_inputs``). The Message-ID
and reply token derive from the intent's key and the secret, so a message that
is rendered, lost and rendered again is still the same message, and nobody
without the key can name either. Member-provided strings reach headers only
through ``email.headerregistry.Address`` (which encodes them) and HTML only
through autoescaped Jinja2.
"""

from __future__ import annotations

import email.policy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.headerregistry import Address
from email.utils import format_datetime
from typing import Any

from scheduler.compose.agreed_view import carried_forward
from scheduler.compose.message_bytes import MessageBytes, alternative
from scheduler.compose.partnership_view import meetings_summary, people_by_sector
from scheduler.compose.questions import checklist_parts, question_context
from scheduler.compose.render_inputs import HandoverNote, RenderInputs, find_meeting
from scheduler.compose.templates import render_template, templates_dir
from scheduler.compose.tokens import keyed_message_id, sign_token, token_id_for
from scheduler.compose.wording import (
    address,
    greeting_name,
    held_at,
    long_date,
    new_points,
    paragraphs,
    short_day,
    spoken_when,
)
from scheduler.inputs.config import Config, Meeting
from scheduler.inputs.content import Content
from scheduler.plan.intents import (
    Digest,
    HandoverArrived,
    Intent,
    Partners,
    PassedOn,
    Question,
    Reminder,
    RoleNote,
)
from scheduler.plan.state import HeldBack, Invitation, MeetingState, MemberState
from scheduler.reports.digest import digest_context
from scheduler.safety import clean_header_text

# names other modules and tests know this module by
__all__ = [
    "POLICY",
    "REPLY_MARKER",
    "WRITE_POLICY",
    "HandoverNote",
    "Outgoing",
    "PromptRecord",
    "RenderInputs",
    "Renderer",
    "new_points",
    "render_template",
    "templates_dir",
]

REPLY_MARKER = "## Please reply above this line ##"
POLICY = email.policy.SMTP
# Writing headers with room to breathe: the standard library folds some short
# subjects ("Checklist: Governance & ...") onto a continuation line, which
# readers then show with a leading space. RFC 5322 allows lines to 998 octets;
# bodies are already encoded (at 76 per line) when this is used.
WRITE_POLICY = POLICY.clone(max_line_length=998)


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
    parts: tuple[PromptRecord, ...] = ()  # one email, several prompts: the checklist's parts


@dataclass
class Renderer:
    config: Config
    content: Content
    secret: bytes
    members: Mapping[str, MemberState]
    meetings: Mapping[str, MeetingState]
    now: datetime
    inputs: RenderInputs = field(default_factory=RenderInputs)  # what messages quote
    invitations: Mapping[tuple[str, str], Invitation] = field(default_factory=dict)
    held_back: Sequence[HeldBack] = ()  # what a quarantine notice lists
    common: dict[str, Any] = field(default_factory=dict)  # every template's shared variables
    started: date | None = None  # the day the partnership began here (State.started)

    def __post_init__(self) -> None:
        self.common = {
            "partnership": self.config.partnership.name,
            "convenor_name": self.config.convenor.name,
            "convenor_email": self.config.convenor.email,
            "reply_marker": REPLY_MARKER,
        }

    # ------------------------------------------------------------ helpers

    def message_id(self, key: str) -> str:
        # keyed: a reply that names it in its thread proves it saw our message
        return keyed_message_id(key, self.secret, self.config.mail.from_domain)

    def member(self, email: str | None) -> MemberState:
        if email is None or email not in self.members:
            raise KeyError(f"unknown member {email!r}")
        return self.members[email]

    def when(self, moment: datetime) -> str:
        return spoken_when(moment, self.config.partnership.zone)

    def envelope(
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
        msg["From"] = address(
            display_name=clean_header_text(cfg.mail.from_name or cfg.partnership.name),
            addr_spec=cfg.mail.from_address,
        )
        if cfg.mail.rehearsal:
            msg["To"] = address(display_name=cfg.convenor.name, addr_spec=cfg.convenor.email)
            msg["X-Reflect-Intended-Recipient"] = recipient
        else:
            msg["To"] = address(display_name=clean_header_text(to_name), addr_spec=recipient)
        msg["Subject"] = subject
        # a message booked for a later day (``plan.pacing``) is dated when it goes
        msg["Date"] = format_datetime(max(self.now, intent.due).astimezone(UTC))
        msg["Message-ID"] = self.message_id(intent.key)
        if reply_token is not None:
            msg["Reply-To"] = Address(
                display_name=clean_header_text(cfg.partnership.name),
                addr_spec=cfg.mail.reply_to.replace("{token}", reply_token),
            )
        if isinstance(intent.payload, Reminder):
            parent = self.message_id(intent.payload.follows)
            msg["In-Reply-To"] = parent
            msg["References"] = parent
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
        msg["X-Reflect-Kind"] = intent.kind
        return msg

    def _held_at(self, meeting: Meeting, occurrence: datetime) -> datetime:
        """When an occurrence (by its original start) is held: moved, or as planned."""
        return held_at(meeting, occurrence, self.config.partnership.zone)

    def meeting(self, meeting_id: str) -> Meeting:
        return find_meeting(self.config, self.meetings, meeting_id)

    # ------------------------------------------------------------ entry point

    def own_handlers(self) -> dict[str, Callable[[Intent], Outgoing]]:
        """The kinds this class renders itself; ``compose/dispatch.py`` adds the rest."""
        return {
            "prompt": self._prompt,
            "reminder": self._prompt,
            "handover": self._prompt,
            "induction": self._induction,
            "welcome_back": self._welcome_back,
            "role_note": self._role_note,
            "leaver_notice": self._leaver_notice,
            "handover_note": self._handover_note,
            "handover_arrived": self._handover_news,
            "handover_missing": self._handover_news,
            "introduction": self._introduction,
            "partners": self._partners,
            "digest": self._digest,
        }

    # ------------------------------------------------------------ prompts

    def _prompt(self, intent: Intent) -> Outgoing:
        facts: Question | Reminder = (
            intent.facts(Reminder) if intent.kind == "reminder" else intent.facts(Question)
        )
        asked = facts if isinstance(facts, Question) else None
        reminder = facts if isinstance(facts, Reminder) else None
        member = self.member(facts.member_email)
        qid = facts.question_id
        kind, question = question_context(self.content, qid)
        meeting_title, meeting_when, meeting_day = "", "", ""
        if facts.at is not None:
            meeting = self.meeting(facts.at.meeting_id)
            meeting_title = meeting.title
            held = self._held_at(meeting, facts.at.occurrence)
            meeting_when = self.when(held)
            meeting_day = short_day(held, self.config.partnership.zone)
        context = {
            **self.common,
            **question,
            "member_name": member.name,
            "greeting_name": greeting_name(member.name, member.preferred_name),
            "organisation": member.organisation,
            "meeting_title": meeting_title,
            "meeting_when": meeting_when,
            "meeting_day": meeting_day,  # for the subject line: Tue 2 Mar
            "chair": self._role_holder(asked.chair if asked else None),
            "note_taker": self._role_holder(asked.note_taker if asked else None),
            "agreed": carried_forward(self.inputs.agreed, intent),
            "also": [
                area.title
                for qid in (reminder.also if reminder else ())
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
        subject, text, html = render_template(self._template(intent.kind, facts, context), context)
        # a reminder carries the prompt's token so that a reply to either is the same answer
        token_source = reminder.follows if reminder else intent.key
        token_id = token_id_for(token_source)
        token = sign_token(token_id, self.secret)
        msg = self.envelope(
            intent,
            subject=subject,
            body=alternative(text, html),
            to_name=member.name,
            reply_token=token,
        )
        # the checklist's parts are each a prompt of the archive's, carried by this email
        parts = tuple(PromptRecord("checklist", p["id"], p["question_text"], text)
                      for p in (context.get("parts", ()) if asked else ()))  # fmt: skip
        prompt = None
        if intent.kind != "reminder" and not parts:
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
            parts=parts,
        )

    def _template(self, kind: str, facts: Question | Reminder, context: dict[str, Any]) -> str:
        """A prompt's template; the checklist's numbered parts are added to ``context``."""
        if isinstance(facts, Question) and facts.parts:
            context.update(checklist_parts(self.content, facts.parts))
            return "member-checklist"
        if isinstance(facts, Reminder) and facts.numbers:
            asked = (facts.question_id, *facts.also)
            context.update(checklist_parts(self.content, asked, facts.numbers))
            return "member-checklist-reminder"
        return {"prompt": "member-prompt", "reminder": "member-reminder"}.get(
            kind, "leaver-handover"
        )

    # ------------------------------------------------------------ induction

    def _induction(self, intent: Intent) -> Outgoing:
        member = self.member(intent.member_email)
        p = self.config.partnership
        handovers = [
            {
                "name": h.name,
                "organisation": h.organisation,
                "role": h.role,
                "left_on": long_date(h.left_on) if h.left_on else "",
                "text": h.text,
                "paragraphs": paragraphs(h.text),
            }
            for h in self.inputs.handovers.get(member.email, ())
        ]
        first_question = next(iter(self.content.questions.values()), None)
        context = {
            **self.common,
            "member_name": member.name,
            "greeting_name": greeting_name(member.name, member.preferred_name),
            "purpose": p.purpose,
            "story": p.story.strip(),
            "story_paragraphs": paragraphs(p.story),
            "people": people_by_sector(self.members),
            "meetings": meetings_summary(self.config, self.now),
            "decisions": p.decisions,
            "between_meetings": p.between_meetings,
            "glossary": sorted(p.glossary.items()),
            "questions": [q.text for q in self.content.questions.values() if q.number],
            "framework_source": first_question.source if first_question else "the framework",
            "handovers": handovers,
        }
        return self._simple(intent, "member-induction", context, member.name)

    def _welcome_back(self, intent: Intent) -> Outgoing:
        member = self.member(intent.member_email)
        context = {
            **self.common,
            "member_name": member.name,
            "greeting_name": greeting_name(member.name, member.preferred_name),
            "purpose": self.config.partnership.purpose,
            "meetings": meetings_summary(self.config, self.now),
        }
        return self._simple(intent, "member-welcome-back", context, member.name)

    def _leaver(self, intent: Intent) -> dict[str, Any]:
        leaver = self.member(intent.member_email)
        return {
            **self.common,
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
        member = self.member(intent.recipient)
        context = {
            **self._leaver(intent),
            "member_name": member.name,
            "greeting_name": greeting_name(member.name, member.preferred_name),
            "paragraphs": paragraphs(self.inputs.answer_text(intent.facts(PassedOn).answer_id)),
        }
        return self._simple(intent, "member-handover-note", context, member.name)

    def _handover_news(self, intent: Intent) -> Outgoing:
        """To the convenor: a leaver's note has arrived, or has not after two weeks."""
        note = intent.facts(HandoverArrived) if intent.kind == "handover_arrived" else None
        context = {
            **self._leaver(intent),
            "arrived": note is not None,
            "passed_to": [self._role_holder(email) for email in note.passed_to] if note else [],
            "paragraphs": paragraphs(self.inputs.answer_text(note.answer_id)) if note else [],
        }
        return self._simple(intent, "convenor-handover", context, self.config.convenor.name)

    def _role_holder(self, email: str | None) -> str:
        member = self.members.get(email or "")
        return f"{member.name} ({member.organisation})" if member else ""

    def _role_note(self, intent: Intent) -> Outgoing:
        """An email to the chair or note-taker of a meeting: it is their turn.

        Calendars are left alone: naming a chair does not change the meeting.
        """
        roles = intent.facts(RoleNote)
        member = self.member(roles.member_email)
        meeting = self.meeting(roles.at.meeting_id)
        when = self._held_at(meeting, roles.at.occurrence)
        context = {
            **self.common,
            "member_name": member.name,
            "greeting_name": greeting_name(member.name, member.preferred_name),
            "meeting_title": meeting.title,
            "meeting_when": self.when(when),
            "meeting_day": short_day(when, self.config.partnership.zone),
            "chair": self._role_holder(roles.chair),
            "note_taker": self._role_holder(roles.note_taker),
            "role": {roles.chair: "chair", roles.note_taker: "notes"}.get(member.email, ""),
        }
        return self._simple(intent, "member-roles", context, member.name)

    def _introduction(self, intent: Intent) -> Outgoing:
        introduction = intent.facts(PassedOn)
        member = self.member(intent.recipient)
        newcomer = self.member(introduction.member_email)
        context = {
            **self.common,
            "member_name": member.name,
            "greeting_name": greeting_name(member.name, member.preferred_name),
            "newcomer_name": newcomer.name,
            "newcomer_organisation": newcomer.organisation,
            "newcomer_role": newcomer.role,
            "newcomer_email": newcomer.email,
            # at a partnership's start everyone is new together: nobody is "the newcomer"
            "founder": newcomer.first_seen is not None and newcomer.first_seen == self.started,
            "paragraphs": paragraphs(self.inputs.answer_text(introduction.answer_id)),
        }
        return self._simple(intent, "member-introduction", context, member.name)

    def _partners(self, intent: Intent) -> Outgoing:
        """The founders' introductions, all in one email: "Meet your partners"."""
        member = self.member(intent.recipient)
        partners = []
        for answer_id in intent.facts(Partners).answer_ids:
            author = self.members.get(self.inputs.answer_authors.get(answer_id, ""))
            text = self.inputs.answer_text(answer_id)
            if author is None or not text.strip() or author.status != "active":
                continue  # forgotten, or left since: not passed on
            partners.append(
                {
                    "name": author.name,
                    "organisation": author.organisation,
                    "role": author.role,
                    "email": author.email,
                    "paragraphs": paragraphs(text),
                }
            )
        if not partners:
            raise ValueError("a Meet your partners email needs at least one introduction")
        context = {
            **self.common,
            "member_name": member.name,
            "greeting_name": greeting_name(member.name, member.preferred_name),
            "partners": partners,
        }
        return self._simple(intent, "member-partners", context, member.name)

    def _digest(self, intent: Intent) -> Outgoing:
        at = intent.facts(Digest).at
        meeting = self.meeting(at.meeting_id)
        view = self.inputs.digests.get((meeting.id, at.occurrence))
        if view is None:
            raise ValueError(f"no digest gathered for {meeting.id} at {at.occurrence}")
        member = self.members.get(intent.recipient)
        to_name = member.name if member else self.config.convenor.name
        context = {
            **self.common,
            **digest_context(view, fold_lines=self.config.digest.fold_lines),
            "agreed": carried_forward(self.inputs.agreed, intent),
        }
        return self._simple(intent, "convenor-digest", context, to_name)

    def _simple(
        self, intent: Intent, template: str, context: Mapping[str, Any], to_name: str
    ) -> Outgoing:
        subject, text, html = render_template(template, context)
        msg = self.envelope(
            intent,
            subject=subject,
            body=alternative(text, html),
            to_name=to_name,
            reply_token=None,
        )
        return self.outgoing(intent, subject, msg)

    def outgoing(
        self, intent: Intent, subject: str, msg: MessageBytes, *, token_id: str | None = None
    ) -> Outgoing:
        """The outbox row of a message; ``token_id`` when replies to it come back to a token
        of its own (not one it shares with the message it follows)."""
        return Outgoing(
            key=intent.key,
            kind=intent.kind,
            recipient=intent.recipient,
            member_email=intent.member_email,
            subject=subject,
            message_id=self.message_id(intent.key),
            token_id=token_id,
            raw=msg.as_bytes(policy=WRITE_POLICY),
        )
