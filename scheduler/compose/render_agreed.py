"""The emails about what meetings agreed: the note-taker's "What did the meeting
agree?", its confirmation, an owner's follow-up, the convenor's word when an
owner has left; and the "Last time we agreed" lines other emails open with.

A note-taker's or an owner's reply comes back to a token signed for its own
purpose (``tokens.AGREED``, behind ``agreed-`` in the local part): it can never
stand for an answer to a question, nor an answer's token for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from scheduler.compose.agreed_view import item_view
from scheduler.compose.message_bytes import alternative
from scheduler.compose.render import Outgoing, Renderer
from scheduler.compose.templates import render_template
from scheduler.compose.tokens import AGREED, AGREED_PREFIX, sign_token, token_id_for
from scheduler.compose.wording import greeting_name, short_day
from scheduler.plan.intents import ActionOf, Intent, NotesOf
from scheduler.plan.state import AgreedItem

__all__ = ["agreed_handlers"]


def agreed_handlers(renderer: Renderer) -> dict[str, Callable[[Intent], Outgoing]]:
    return {
        "notes_request": lambda i: _notes_request(renderer, i),
        "notes_confirm": lambda i: _notes_confirm(renderer, i),
        "action_follow_up": lambda i: _follow_up(renderer, i),
        "action_skipped": lambda i: _skipped(renderer, i),
    }


def _meeting_context(renderer: Renderer, intent: Intent) -> dict[str, Any]:
    at = intent.facts(NotesOf).at
    meeting = renderer.meeting(at.meeting_id)
    held = renderer._held_at(meeting, at.occurrence)
    member = renderer.members.get(intent.recipient)
    return {
        **renderer.common,
        "greeting_name": (
            greeting_name(member.name, member.preferred_name)
            if member
            else greeting_name(renderer.config.convenor.name, "")
        ),
        "to_name": member.name if member else renderer.config.convenor.name,
        "meeting_title": meeting.title,
        "meeting_when": renderer.when(held),
        "meeting_day": short_day(held, renderer.config.partnership.zone),
    }


def _with_token(
    renderer: Renderer, intent: Intent, template: str, context: dict[str, Any], *, own: bool
) -> Outgoing:
    """A message whose reply comes back to an ``agreed-`` token: its own (``own``), or
    that of the message it follows (a confirmation answers for its request)."""

    subject, text, html = render_template(template, context)
    follows = intent.payload.follows if isinstance(intent.payload, NotesOf) else None
    token_id = token_id_for(follows if follows and not own else intent.key)
    token = AGREED_PREFIX + sign_token(token_id, renderer.secret, AGREED)
    msg = renderer.envelope(intent, subject=subject, body=alternative(text, html),
                            to_name=context["to_name"], reply_token=token)  # fmt: skip
    if follows:  # a confirmation threads under the question it confirms
        msg["In-Reply-To"] = renderer.message_id(follows)
        msg["References"] = renderer.message_id(follows)
    return renderer.outgoing(intent, subject, msg, token_id=token_id if own else None)


def _notes_request(renderer: Renderer, intent: Intent) -> Outgoing:
    context = _meeting_context(renderer, intent)
    return _with_token(renderer, intent, "member-notes-request", context, own=True)


def _notes_confirm(renderer: Renderer, intent: Intent) -> Outgoing:
    notes_id = intent.facts(NotesOf).notes_id
    lines: Sequence[AgreedItem] = renderer.inputs.agreed.lines.get(notes_id or 0, ())
    context = {
        **_meeting_context(renderer, intent),
        "decisions": [item_view(i) for i in lines if i.kind == "decision"],
        "actions": [item_view(i) for i in lines if i.kind == "action"],
        "notes": [item_view(i) for i in lines if i.kind == "note"],
        "corrected": notes_id in renderer.inputs.agreed.corrected,
    }
    return _with_token(renderer, intent, "member-notes-confirm", context, own=False)


def _action(renderer: Renderer, intent: Intent) -> dict[str, Any]:
    """An owner's open actions, each with the meeting it was agreed at, before ``at``."""
    facts = intent.facts(ActionOf)
    zone = renderer.config.partnership.zone
    actions = []
    for action_id in facts.action_ids:
        action = renderer.inputs.agreed.actions.get(action_id)
        if action is None:
            raise ValueError(f"no action gathered for action {action_id}")
        agreed_at = renderer.meeting(action.meeting_id)
        held = renderer._held_at(agreed_at, action.occurrence)
        actions.append({**item_view(action), "meeting_title": agreed_at.title,
                        "meeting_when": renderer.when(held),
                        "meeting_day": short_day(held, zone)})  # fmt: skip
    first = renderer.inputs.agreed.actions[facts.action_ids[0]]
    upcoming = renderer.meeting(facts.at.meeting_id)
    short = first.text if len(first.text) <= 60 else first.text[:57].rstrip() + "..."
    owner = renderer.members.get(first.owner_email)
    member = renderer.members.get(intent.recipient)
    return {
        **renderer.common,
        "greeting_name": greeting_name(member.name, member.preferred_name)
        if member
        else greeting_name(renderer.config.convenor.name, ""),
        "to_name": member.name if member else renderer.config.convenor.name,
        "actions": actions,
        "short_text": short if len(actions) == 1 else f"{len(actions)} things",
        "owner": first.owner,
        "next_title": upcoming.title,
        "next_when": short_day(renderer._held_at(upcoming, facts.at.occurrence), zone),
        "left": owner is not None and owner.status == "left",
        # still a member, so not asked because they asked for a rest (pause, away, stop)
        "resting": owner is not None and owner.status == "active",
    }


def _follow_up(renderer: Renderer, intent: Intent) -> Outgoing:
    return _with_token(renderer, intent, "member-action-follow-up", _action(renderer, intent),
                       own=True)  # fmt: skip


def _skipped(renderer: Renderer, intent: Intent) -> Outgoing:
    context = {**_action(renderer, intent), "to_name": renderer.config.convenor.name}
    subject, text, html = render_template("convenor-action-skipped", context)
    msg = renderer.envelope(intent, subject=subject, body=alternative(text, html),
                            to_name=renderer.config.convenor.name, reply_token=None)  # fmt: skip
    return renderer.outgoing(intent, subject, msg)
