"""Which function turns each kind of intent into its message.

The ``Renderer`` (``render.py``) holds what every message needs and renders the
member emails itself; calendar mail, the convenor's mail, what meetings agreed and
members' requests have modules of their own. This table joins them, so that none
of those modules is imported by the one they build on.
"""

from __future__ import annotations

from collections.abc import Callable

from scheduler.compose.convenor_mail import render_notice
from scheduler.compose.render import Outgoing, Renderer
from scheduler.compose.render_agreed import agreed_handlers
from scheduler.compose.render_calendar import render_conversation, render_invite
from scheduler.compose.render_requests import request_handlers
from scheduler.plan.intents import Intent

__all__ = ["render_message"]


def render_message(renderer: Renderer, intent: Intent) -> Outgoing:
    """The message ``intent`` stands for, ready for the outbox."""
    handlers: dict[str, Callable[[Intent], Outgoing]] = {
        **renderer.own_handlers(),
        "invite": lambda i: render_invite(renderer, i),
        "cancel": lambda i: render_invite(renderer, i),
        "conversation": lambda i: render_conversation(renderer, i),
        "quarantine_notice": lambda i: render_notice(renderer, i),
        **agreed_handlers(renderer),
        **request_handlers(renderer),
    }
    return handlers[intent.kind](intent)
