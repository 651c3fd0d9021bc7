"""The messages members' own requests and the convenor's follow-up call for: a request
confirmed to the member, a ``stop`` reported to the convenor, who has not replied before
a meeting, and the one nudge ``reflect nudge`` sends.

None of them holds a link: what a member can do, they do by replying one word, so a
link scanner (Safe Links opens every link it sees) can change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scheduler.compose.message_bytes import alternative
from scheduler.compose.questions import question_context
from scheduler.compose.templates import render_template
from scheduler.compose.tokens import sign_token, token_id_for
from scheduler.compose.wording import greeting_name, held_at, long_date, short_day, spoken_when
from scheduler.plan.intents import Intent, Reminder, RequestNote, SilentList
from scheduler.plan.state import Request

if TYPE_CHECKING:
    from scheduler.compose.render import Outgoing, Renderer

# what each word does, as the member's confirmation says it
WORDS = ("pause", "resume", "skip", "away", "stop")


def request_handlers(r: Renderer) -> dict[str, Callable[[Intent], Outgoing]]:
    return {
        "request_confirm": lambda i: render_confirmation(r, i),
        "stop_notice": lambda i: render_stop_notice(r, i),
        "silent_members": lambda i: render_silent_members(r, i),
        "nudge": lambda i: render_nudge(r, i),
    }


def _request(r: Renderer, intent: Intent) -> Request:
    note = intent.facts(RequestNote)
    request = r.inputs.requests.get(note.request_id)
    if request is None:
        raise ValueError(f"no member's request #{note.request_id} to render")
    return request


def _cycle(r: Renderer, request: Request) -> dict[str, str]:
    """The meeting a ``skip`` is for, when the reply named it."""
    if request.meeting_id is None or request.occurrence is None:
        return {"cycle_title": "", "cycle_day": ""}
    try:
        meeting = r.meeting(request.meeting_id)
    except KeyError:
        return {"cycle_title": "", "cycle_day": ""}
    zone = r.config.partnership.zone
    return {
        "cycle_title": meeting.title,
        "cycle_day": short_day(held_at(meeting, request.occurrence, zone), zone),
    }


def render_confirmation(r: Renderer, intent: Intent) -> Outgoing:
    """To the member: what their one-word reply did, and how to undo it."""
    request = _request(r, intent)
    member = r.member(intent.member_email)
    context: dict[str, Any] = {
        **r.common,
        "greeting_name": greeting_name(member.name, member.preferred_name),
        "word": request.word,
        "until": long_date(request.until) if request.until else "",
        **_cycle(r, request),
    }
    return r._simple(intent, "member-request", context, member.name)


def render_stop_notice(r: Renderer, intent: Intent) -> Outgoing:
    """To the convenor: a member replied ``stop``; the file is theirs to change."""
    request = _request(r, intent)
    member = r.member(intent.member_email)
    context = {
        **r.common,
        "leaver_name": member.name,
        "leaver_organisation": member.organisation,
        "leaver_email": member.email,
        "asked_on": long_date(request.at.astimezone(r.config.partnership.zone).date()),
        "members_file": r.config.partnership.members.name,
    }
    return r._simple(intent, "convenor-stop", context, r.config.convenor.name)


def render_silent_members(r: Renderer, intent: Intent) -> Outgoing:
    """To the convenor alone: who has not replied to a meeting's questions, and the nudge."""
    facts = intent.facts(SilentList)
    meeting = r.meeting(facts.at.meeting_id)
    zone = r.config.partnership.zone
    when = held_at(meeting, facts.at.occurrence, zone)
    people = []
    for email, why in facts.people:
        member = r.members.get(email)
        if member is not None:
            people.append({"name": member.name, "organisation": member.organisation, "why": why})
    context = {
        **r.common,
        "meeting_title": meeting.title,
        "meeting_when": spoken_when(when, zone),
        "meeting_day": short_day(when, zone),
        "meeting_id": meeting.id,
        "people": people,
        "silent": sum(1 for p in people if not p["why"]),
    }
    return r._simple(intent, "convenor-silent", context, r.config.convenor.name)


def render_nudge(r: Renderer, intent: Intent) -> Outgoing:
    """One more reminder of an unanswered question, sent when the convenor asks.

    It carries the question's own reply token, so a reply to it answers that question.
    """
    facts = intent.facts(Reminder)
    member = r.member(facts.member_email)
    if facts.at is None:
        raise ValueError("a nudge follows one question of one meeting")
    _kind, question = question_context(r.content, facts.question_id)
    meeting = r.meeting(facts.at.meeting_id)
    zone = r.config.partnership.zone
    when = held_at(meeting, facts.at.occurrence, zone)
    context = {
        **r.common,
        **question,
        "greeting_name": greeting_name(member.name, member.preferred_name),
        "meeting_title": meeting.title,
        "meeting_when": spoken_when(when, zone),
        "meeting_day": short_day(when, zone),
    }
    subject, text, html = render_template("member-nudge", context)
    msg = r.envelope(
        intent,
        subject=subject,
        body=alternative(text, html),
        to_name=member.name,
        reply_token=sign_token(token_id_for(facts.follows), r.secret),
    )
    return r.outgoing(intent, subject, msg)
