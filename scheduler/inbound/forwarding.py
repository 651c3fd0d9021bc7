"""People's replies to what asked nothing reach the convenor, as they wrote them.

A reply to the induction pack, a digest, a notice or a suggested conversation is
no answer to a question, but someone wrote it to be read. It is passed on to the
convenor (never to anyone else) with ``Reply-To`` its sender, and recorded as
``forwarded``; the raw message stays in custody. What proves it: one of our keyed
Message-IDs in its thread (nobody without the key can make one) and one well-formed
``From``: a member, or someone we do not know writing as a person would (mail from
machines is told apart first, by ``replies``). Automatic replies, delivery reports
and calendar replies are never forwarded.

So that nobody can flood the convenor with it, at most ``PER_SENDER_PER_DAY``
replies from one address and ``STRANGERS_PER_DAY`` from addresses that are no
member's are forwarded in any 24 hours; the rest are quarantined (nothing lost),
listed in the next notice, with that reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr

from scheduler.archive.convenor_store import ConvenorStore
from scheduler.archive.database import Archive
from scheduler.archive.sent_store import SentMessage, SentStore
from scheduler.compose.convenor_mail import ConvenorMail, RepliedTo, Sender
from scheduler.inbound.outcome import Outcome
from scheduler.replies import ParsedReply, body_text
from scheduler.replies.mime import header_value
from scheduler.safety import printable
from scheduler.vocabulary import InboundStatus

PER_SENDER_PER_DAY = 5
STRANGERS_PER_DAY = 20
# our messages whose replies are not passed on, and why (said in the quarantine reason)
NOT_FORWARDED = {
    "quarantine_notice": "a reply to the quarantine notice that did not come to its own reply "
    "address, so it is not taken as a command; nothing was done (reply to the notice "
    "itself, or use reflect quarantine)",
    "command_answer": "a reply to our answer to your command that did not come to its own "
    "reply address; nothing was done",
    "forward": "a reply to a message we forwarded to the convenor: it was meant for the person "
    "who wrote it, so write to them directly",
}


class Forwarder:
    """Decides on a reply to one of our messages that asked nothing, and passes it on."""

    def __init__(self, archive: Archive, mail: ConvenorMail) -> None:
        self.archive = archive
        self.mail = mail
        self.store = ConvenorStore(archive)
        self.sent = SentStore(archive)

    @staticmethod
    def unread(raw: bytes, replied: SentMessage, sender: str | None, limit: int) -> str | None:
        """Why a large reply from an address our message did not go to is not read."""
        if len(raw) <= limit or sender == replied.recipient:
            return None
        return (
            f"a large message ({len(raw):,} bytes) replying to our "
            f"{replied.kind.replace('_', ' ')} email, from an address it was not sent to: "
            "kept, not read"
        )

    def outcome(
        self,
        inbound_id: int,
        raw: bytes,
        head: EmailMessage,
        parsed: ParsedReply,
        replied: SentMessage,
        sender: str | None,
        from_problem: str | None,
        now: datetime,
    ) -> Outcome:
        what = f"a reply to our {replied.kind.replace('_', ' ')} email"
        if replied.kind in NOT_FORWARDED:
            return Outcome(InboundStatus.QUARANTINED, NOT_FORWARDED[replied.kind])
        if from_problem or not sender:
            return Outcome(InboundStatus.QUARANTINED, f"{what}, but {from_problem or 'no sender'}")
        machine = _machine_written(head)
        if machine:
            return Outcome(InboundStatus.AUTO_REPLY, f"{what} {machine}: not forwarded")
        member_id = self.sent.member_id(sender)
        too_many = self._over_cap(sender, member_id, now)
        if too_many:
            return Outcome(InboundStatus.QUARANTINED, f"{what}, {too_many}", member_id=member_id)
        ours = self.store.our_message(replied.id)
        if ours is None:  # pragma: no cover - the proof found this very row
            return Outcome(InboundStatus.QUARANTINED, f"{what} that is no longer in the outbox")
        try:
            outgoing = self.mail.forward(
                inbound_id,
                self._sender(sender, member_id, head),
                RepliedTo(ours.subject, ours.recipient, ours.sent_at),
                parsed.text or body_text(raw),
                trimmed=bool(parsed.text),
                received=now,
                now=now,
            )
        except ValueError as exc:  # an address no header can carry safely
            return Outcome(InboundStatus.QUARANTINED, f"{what}, but it cannot be passed on ({exc})")
        return Outcome(
            InboundStatus.FORWARDED,
            f"{what}, forwarded to the convenor",
            member_id=member_id,
            then=lambda: self.store.queue(outgoing, now),
        )

    def _over_cap(self, sender: str, member_id: int | None, now: datetime) -> str | None:
        since = now - timedelta(days=1)
        if self.store.forwarded_from(sender, since) >= PER_SENDER_PER_DAY:
            return (
                f"but {PER_SENDER_PER_DAY} replies from {sender} were already forwarded to you "
                "in the last 24 hours: this one waits here for you to read"
            )
        if member_id is None and self.store.forwarded_from_strangers(since) >= STRANGERS_PER_DAY:
            return (
                f"from an address that is no member's, but {STRANGERS_PER_DAY} such replies "
                "were already forwarded to you in the last 24 hours: this one waits here"
            )
        return None

    def _sender(self, sender: str, member_id: int | None, head: EmailMessage) -> Sender:
        facts = self.sent.member(member_id) if member_id is not None else None
        if facts is not None:
            return Sender(sender, str(facts["name"]), str(facts["organisation"] or ""), True)
        written, _address = parseaddr(str(header_value(head, "From") or ""))
        name = printable(written, 80) if written else ""
        try:
            Address(display_name=name, addr_spec=sender)
        except (ValueError, IndexError):
            name = ""
        return Sender(sender, name)


def _machine_written(head: EmailMessage) -> str:
    """Why the headers say a machine wrote this, if they do (what ``replies`` has not
    caught already): a mailing list's copy."""
    for name in ("List-Id", "List-Unsubscribe", "List-Post"):
        if head.get(name) is not None:
            return f"came through a mailing list ({name})"
    return ""
