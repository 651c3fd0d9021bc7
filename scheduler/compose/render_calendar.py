"""The two messages that carry a calendar entry: a series invitation (or an update,
or its CANCEL) and a one-to-one conversation between two members.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from scheduler.compose.calendar_changes import series_changes
from scheduler.compose.calendar_mail import conversation_message, invite_message, meeting_purpose
from scheduler.compose.message_bytes import MessageBytes
from scheduler.compose.render_agreed import agreed_text, carried_forward
from scheduler.compose.templates import render_template
from scheduler.compose.wording import (
    describe_rhythm,
    greeting_name,
    intent_pair_key,
    localize_first,
    long_day,
    meeting_from_definition,
    zone_label,
)
from scheduler.plan.intents import Conversation, Intent, SeriesInvitation
from scheduler.plan.occurrences import occurrences_between
from scheduler.plan.relationships import CONVERSATION_MINUTES

if TYPE_CHECKING:
    from scheduler.compose.render import Outgoing, Renderer


def render_invite(r: Renderer, intent: Intent) -> Outgoing:
    """The whole series (a change to one meeting included), or its CANCEL for a leaver."""
    invitation = intent.facts(SeriesInvitation)
    member = r.member(invitation.member_email)
    meeting = r.meeting(invitation.meeting_id)
    stored = r.meetings.get(meeting.id)
    cancelled = intent.kind == "cancel"
    upcoming = occurrences_between(
        meeting, r.config.partnership.timezone, r.now, r.now + timedelta(days=800)
    )
    if cancelled:
        reason = (
            f"The {meeting.title} series has ended, so it has been taken out of your calendar."
            if stored is not None and stored.status == "removed"
            else f"As you have left {r.config.partnership.name}, the {meeting.title} "
            "series has been taken out of your calendar. Thank you for taking part."
        )
    else:
        reason = ""
    held = r.invitations.get((meeting.id, member.email))
    update = not cancelled and held is not None and held.status == "invited"
    changes = None
    if update and held is not None and held.definition:
        now_local = r.now.astimezone(r.config.partnership.zone).replace(tzinfo=None)
        before = meeting_from_definition(meeting.id, held.definition)
        changes = series_changes(before, meeting, now=now_local)
    # a change to single meetings only keeps the member's answer to the series
    partstat = "NEEDS-ACTION"
    if changes is not None and changes.only_meetings:
        partstat = r.inputs.series_answer(member.email, meeting.id)
    only_called_off = (
        changes is not None
        and changes.only_meetings
        and len(changes.lines) == len(changes.called_off) > 0
    )
    start = localize_first(meeting, r.config)
    context = {
        **r.common,
        "member_name": member.name,
        "greeting_name": greeting_name(member.name, member.preferred_name),
        "meeting_title": meeting.title,
        "cancelled": cancelled,
        "called_off": (
            " and ".join(long_day(when) for when in changes.called_off)
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
        "tz": zone_label(r.config.partnership.timezone),
        "next": r.when(upcoming[0].start) if upcoming else "no further dates",
        "location": meeting.location,
        "purpose_line": meeting_purpose(r.config, r.content, meeting),
    }
    subject, text, html = render_template("member-invite", context)
    body = invite_message(
        config=r.config,
        content=r.content,
        meeting=meeting,
        member_email=member.email,
        member_name=member.name,
        sequence=invitation.sequence,
        cancel=cancelled,
        stamp=r.now,
        text=text,
        html=html,
        partstat=partstat,
        agreed=agreed_text(carried_forward(r, intent)),
    )
    msg = r.envelope(
        intent,
        subject=subject,
        body=body,
        to_name=member.name,
        reply_token=None,
    )
    return r.outgoing(intent, subject, msg)


def render_conversation(r: Renderer, intent: Intent) -> Outgoing:
    """A one-to-one conversation slot: the same calendar entry for both people."""
    talk = intent.facts(Conversation)
    member = r.member(intent.recipient)
    partner = r.member(talk.partner)
    context = {
        **r.common,
        "member_name": member.name,
        "greeting_name": greeting_name(member.name, member.preferred_name),
        "partner_name": partner.name,
        "partner_organisation": partner.organisation,
        "partner_role": partner.role,
        "partner_email": partner.email,
        "when": r.when(talk.slot),
        "minutes": CONVERSATION_MINUTES,
        "newcomer": talk.round_key.startswith("newcomer-"),
        "newcomer_is_me": talk.round_key == f"newcomer-{member.email}",
        "moved": bool(talk.sequence),
    }
    subject, text, html = render_template("member-conversation", context)
    pair_key = intent_pair_key(talk.round_key, member.email, partner.email)
    body = conversation_message(
        config=r.config,
        key=pair_key,
        start=talk.slot,
        minutes=CONVERSATION_MINUTES,
        people=sorted([(member.email, member.name), (partner.email, partner.name)]),
        stamp=r.now,
        text=text,
        html=html,
        sequence=talk.sequence,
    )
    msg = r.envelope(
        intent,
        subject=subject,
        body=MessageBytes.from_message(body),
        to_name=member.name,
        reply_token=None,
    )
    return r.outgoing(intent, subject, msg)
