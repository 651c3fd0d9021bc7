"""What a reply makes the service send the convenor: a forward, or a command's answer.

A forward passes on a person's reply to something that asked nothing (the induction
pack, a digest, a notice) as they wrote it, with ``Reply-To`` their own address, so
the convenor can simply answer. A command's answer says what was done with
``accept 3`` or ``reject all``, or, when it was not understood, what can be written.
Both go to the convenor only, whoever wrote in. Like the renderer, this queries
nothing: it is given what it shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.utils import format_datetime
from typing import Any

from scheduler.compose.message_bytes import MessageBytes, alternative
from scheduler.compose.render import WRITE_POLICY, Outgoing, Renderer
from scheduler.compose.templates import render_template
from scheduler.compose.tokens import command_address, keyed_message_id
from scheduler.compose.wording import SEEMS_PLURAL, address, held_item, spoken_when
from scheduler.inputs.config import Config
from scheduler.plan.intents import Intent, intent_key
from scheduler.safety import clean_header_text
from scheduler.vocabulary import MessageKind

ITEMS_HEADER = "X-Reflect-Items"  # the numbers a quarantine notice lists, in its own bytes
FORWARD_TEXT_LIMIT = 20_000  # characters of a reply passed on; the rest is in the archive
# control characters other than the line break and tab, which a forward's text keeps
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Sender:
    """Who wrote a reply: the one well-formed address it came from, and, if a member, who."""

    address: str
    name: str = ""  # the member's name, or the display name they wrote
    organisation: str = ""
    member: bool = False


@dataclass(frozen=True)
class RepliedTo:
    """Our message a reply answers."""

    subject: str
    recipient: str
    sent_at: datetime


class ConvenorMail:
    """Composes the convenor's mail that a reading causes, keyed by the reply's number."""

    def __init__(self, config: Config, secret: bytes) -> None:
        self.config = config
        self.secret = secret

    def forward(
        self,
        number: int,
        sender: Sender,
        replied: RepliedTo,
        text: str,
        *,
        trimmed: bool,
        received: datetime,
        now: datetime,
    ) -> Outgoing:
        words = body_safe(text).strip()
        if len(words) > FORWARD_TEXT_LIMIT:
            words = words[:FORWARD_TEXT_LIMIT] + "\n[... the rest is in the archive]"
        words = words or "(no words of their own: see the whole message in the archive)"
        name = clean_header_text(sender.name).strip()
        who = f"{name} <{sender.address}>" if name else sender.address
        if sender.organisation:
            who += f" of {clean_header_text(sender.organisation)}"
        context = {
            **self._common(),
            "who": who,
            "who_short": name or sender.address,
            "sender": sender.address,
            "member": sender.member,
            "to_them": replied.recipient.lower() == sender.address.lower(),
            "replied_to": replied.recipient,
            "replied_subject": clean_header_text(replied.subject),
            "replied_on": self._when(replied.sent_at),
            "received_on": self._when(received),
            "trimmed": trimmed,
            "text": words,
            "paragraphs": [p.splitlines() for p in re.split(r"\n\s*\n", words) if p.strip()],
            "number": number,
        }
        key = intent_key(self.config.partnership.identity, MessageKind.FORWARD, number)
        reply_to = Address(display_name=name, addr_spec=sender.address)  # raises if unsafe
        return self._message(key, MessageKind.FORWARD, "convenor-forward", context, reply_to, now)

    def command_answer(
        self,
        number: int,
        *,
        asked: str,
        notice_key: str,
        notice_sent: datetime,
        listed: Sequence[int] = (),
        done: Sequence[str] = (),
        problems: Sequence[str] = (),
        why: str = "",
        now: datetime,
    ) -> Outgoing:
        """What a command by reply did; ``why`` set means it was not understood."""
        asked = clean_header_text(asked).strip()
        context = {
            **self._common(),
            "asked": asked,
            "asked_short": asked if len(asked) <= 40 else asked[:39] + "…",
            "notice_on": self._when(notice_sent),
            "understood": not why,
            "why": why,
            "done": list(done),
            "problems": list(problems),
            "listed": ", ".join(f"#{n}" for n in listed) or "nothing",
        }
        key = intent_key(self.config.partnership.identity, MessageKind.COMMAND_ANSWER, number)
        reply_to = Address(  # more commands for the same notice, by replying to this
            display_name=clean_header_text(self.config.partnership.name),
            addr_spec=command_address(notice_key, self.secret, self.config.mail.reply_to),
        )
        return self._message(
            key, MessageKind.COMMAND_ANSWER, "convenor-command", context, reply_to, now
        )

    # ------------------------------------------------------------------

    def _common(self) -> dict[str, Any]:
        return {
            "partnership": self.config.partnership.name,
            "convenor_name": self.config.convenor.name,
            "convenor_email": self.config.convenor.email,
        }

    def _when(self, moment: datetime) -> str:
        return spoken_when(moment, self.config.partnership.zone)

    def _message(
        self,
        key: str,
        kind: str,
        template: str,
        context: dict[str, Any],
        reply_to: Address,
        now: datetime,
    ) -> Outgoing:
        cfg = self.config
        subject, text, html = render_template(template, context)
        message_id = keyed_message_id(key, self.secret, cfg.mail.from_domain)
        msg: MessageBytes = alternative(text, html)
        msg["From"] = address(
            display_name=clean_header_text(cfg.mail.from_name or cfg.partnership.name),
            addr_spec=cfg.mail.from_address,
        )
        msg["To"] = address(
            display_name=clean_header_text(cfg.convenor.name), addr_spec=cfg.convenor.email
        )
        msg["Subject"] = subject
        msg["Date"] = format_datetime(now.astimezone(UTC))
        msg["Message-ID"] = message_id
        msg["Reply-To"] = reply_to
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
        msg["X-Reflect-Kind"] = kind
        return Outgoing(
            key=key,
            kind=kind,
            recipient=cfg.convenor.email,
            member_email=None,
            subject=subject,
            message_id=message_id,
            token_id=None,
            raw=msg.as_bytes(policy=WRITE_POLICY),
        )


def render_notice(renderer: Renderer, intent: Intent) -> Outgoing:
    """To the convenor: messages held back, each a decision to make, so none is missed.

    Its reply address is signed for commands: the convenor answers ``accept 3`` by
    replying; the numbers it lists travel in its ``X-Reflect-Items`` header."""
    held = renderer.held_back
    items = [held_item(h) for h in held]
    kinds = sorted({h.seems for h in held if h.seems})
    context = {
        **renderer.common,
        "count": len(held),
        "items": items,
        "numbers": " ".join(str(h.inbound_id) for h in held),
        "first": held[0].inbound_id if held else 0,
        "kinds": [{"kind": k, "what": SEEMS_PLURAL[k]} for k in kinds if k in SEEMS_PLURAL],
    }
    config = renderer.config
    subject, text, html = render_template("convenor-quarantine", context)
    msg = renderer.envelope(intent, subject=subject, body=alternative(text, html),
                            to_name=config.convenor.name, reply_token=None)  # fmt: skip
    msg["Reply-To"] = address(
        display_name=clean_header_text(config.partnership.name),
        addr_spec=command_address(intent.key, renderer.secret, config.mail.reply_to),
    )
    msg[ITEMS_HEADER] = context["numbers"]
    return renderer.outgoing(intent, subject, msg)


def body_safe(text: str) -> str:
    """A stranger's text made safe to pass on in a body: line breaks kept, every other
    control and bidi character dropped, line endings made one kind."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
