"""Inbound mail: custody first, then reading, then exactly one recorded state.

``store_raw`` (``custody.py``) commits a message's exact bytes before anyone is
told we have it (the IMAP move, the Maildir move, the pipe's exit 0).
``Reader.process_pending`` then reads each stored message and ends it in one
state: ``answer``, ``rsvp``, ``bounce``, ``auto_reply``, ``request`` (a
member's one-word request, ``controls.py``), ``duplicate`` or ``quarantined``
with a reason. An answer is recorded only with proof (``proof.py``): a reply
token that verifies for that prompt (or, with no token, a keyed Message-ID of
that prompt in the thread), exactly one well-formed From address
(``headers.py``), and that address the member's. Bounces and RSVPs
have rules of their own (``machine_mail.py``). What proves nothing is held for
the convenor (docs/reliability.md has the threat model).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.archive.answer_store import AnswerStore
from scheduler.archive.database import Archive
from scheduler.archive.inbound_store import InboundStore
from scheduler.archive.request_store import RequestStore
from scheduler.archive.sent_store import MatchedPrompt, SentStore
from scheduler.compose.convenor_mail import ConvenorMail
from scheduler.faults import Checkpoint, no_checkpoint
from scheduler.inbound.agreed_replies import AgreedReplies
from scheduler.inbound.controls import Control, read_control
from scheduler.inbound.convenor_commands import Commands
from scheduler.inbound.custody import Stored, store_raw
from scheduler.inbound.forwarding import Forwarder
from scheduler.inbound.headers import headers_of, strict_sender
from scheduler.inbound.limits import Limits, structure_problem
from scheduler.inbound.machine_mail import (
    ConversationInvite,
    SentUids,
    bounce_outcome,
    looks_like_delivery_report,
    rsvp_outcome,
    stranger_outcome,
)
from scheduler.inbound.moves import move_outcome
from scheduler.inbound.numbered import file_answer
from scheduler.inbound.outcome import Outcome
from scheduler.inbound.proof import RECIPIENT_HEADERS, Proof, find_proof
from scheduler.inbound.trust import dmarc_failure
from scheduler.replies import (
    ParsedReply,
    ReplyKind,
    author,
    body_text,
    learn_signatures,
    parse_reply,
)
from scheduler.replies.mime import header_value
from scheduler.replies.signature import MAX_LEARN_MESSAGES
from scheduler.safety import printable
from scheduler.vocabulary import InboundStatus, QuarantineReason

__all__ = [
    "COMMIT_EVERY",
    "MAX_ATTEMPTS",
    "RECIPIENT_HEADERS",
    "TERMINAL",
    "Outcome",
    "Proof",
    "Reader",
    "Stored",
    "headers_of",
    "looks_like_delivery_report",
    "store_raw",
    "strict_sender",
]

log = logging.getLogger("reflect.ingest")

MAX_ATTEMPTS = 3
# Read no more of a message with no proof than this: it can make no claim about a member,
# and a stranger may write a member's public address in From.
UNPROVEN_READ_BYTES = 128 * 1024
COMMIT_EVERY = 100  # messages whose outcomes share one commit
TERMINAL = (
    "answer",
    "rsvp",
    "bounce",
    "auto_reply",
    "request",
    "duplicate",
    "quarantined",
    "rejected",
    "forwarded",
    "command",
    "conversation_move",
    "agreed",
)


class Reader:
    """Reads stored messages against the archive's prompts and members."""

    def __init__(self, archive: Archive, *, secret: bytes, reply_to: str, from_address: str,
                 meeting_for_uid: Mapping[str, str],
                 conversation_for_uid: Mapping[str, ConversationInvite] | None = None,
                 called_off: Collection[tuple[str, str]] = (),
                 trusted_authserv_id: str = "",
                 zone: ZoneInfo | None = None,
                 limits: Limits | None = None,
                 convenor_mail: ConvenorMail | None = None,
                 checkpoint: Checkpoint = no_checkpoint,
                 agreed: AgreedReplies | None = None) -> None:  # fmt: skip
        self.archive = archive
        self.inbound = InboundStore(archive)
        self.sent = SentStore(archive)
        self.answers = AnswerStore(archive)
        self.secret = secret
        self.reply_to = reply_to
        self.from_address = from_address.lower()
        self.uids = SentUids(
            series={k.lower(): v for k, v in meeting_for_uid.items()},
            conversations={k.lower(): v for k, v in (conversation_for_uid or {}).items()},
        )
        self.called_off = frozenset(called_off)  # (meeting id, occurrence as UTC text)
        self.trusted_authserv_id = trusted_authserv_id
        self.zone = zone or ZoneInfo("UTC")
        self.limits = limits or Limits()
        self.checkpoint = checkpoint
        self.agreed = agreed  # replies about what a meeting agreed (agreed_replies.py)
        self._signatures: dict[int, tuple[str, ...]] = {}  # member id -> learnt this round
        # the convenor's inbox: replies to what asked nothing, and commands by reply
        self.forwarder = Forwarder(archive, convenor_mail) if convenor_mail else None
        self.commands = None
        if convenor_mail is not None:
            convenor = convenor_mail.config.convenor.email
            self.commands = Commands(archive, convenor_mail, convenor=convenor, uids=self.uids)

    def process_pending(self, now: datetime, *, limit: int = 1000) -> dict[str, int]:
        counts: dict[str, int] = {}
        rows = self.inbound.pending(limit)
        for start in range(0, len(rows), COMMIT_EVERY):
            # One commit per batch: a crash mid-batch leaves those messages pending, to be
            # read again; their raw bytes were committed before any of this.
            with self.archive.transaction():
                for row in rows[start : start + COMMIT_EVERY]:
                    self._read_one(row, now, counts)
        return counts

    def _read_one(self, row: dict[str, Any], now: datetime, counts: dict[str, int]) -> None:
        try:
            outcome: Outcome | None = self.read(row["id"], row["raw"], row["message_id"], now)
        except sqlite3.OperationalError:
            raise  # the archive itself is failing (locked, full): stop, nothing half-written
        except Exception as exc:  # one bad message must not stop the rest
            outcome = self._failed_attempt(row["id"], exc, now)
        if outcome is None:
            return
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        level = logging.WARNING if outcome.status == InboundStatus.QUARANTINED else logging.INFO
        log.log(level, "ingested #%s: %s (%s)", row["id"], outcome.status, outcome.reason)

    def _failed_attempt(self, inbound_id: int, exc: Exception, now: datetime) -> Outcome | None:
        with self.archive.transaction():
            attempts = self.inbound.add_attempt(inbound_id)
            if attempts < MAX_ATTEMPTS:
                log.warning("could not read #%s (try %s): %s", inbound_id, attempts, exc)
                return None
            reason = f"could not be read after {attempts} tries: {type(exc).__name__}: {exc}"
            self.inbound.quarantine(inbound_id, reason[:500], now)
        return Outcome(InboundStatus.QUARANTINED, reason)

    # ------------------------------------------------------------------

    def read(
        self, inbound_id: int, raw: bytes, message_id: str | None, now: datetime
    ) -> Outcome | None:
        # Headers first, and only they: who sent it, and what proves it, before any
        # parser spends time on a body a stranger wrote.
        head = headers_of(raw)
        duplicate_of = self.inbound.same_message_id(inbound_id, message_id) if message_id else None
        sender, from_problem = strict_sender(head)
        subject = printable(header_value(head, "Subject") or "", 300)
        proof = find_proof(head, self.sent, secret=self.secret, reply_to=self.reply_to)
        prompt = proof.prompt
        doubt = (
            (
                f"same Message-ID as message #{duplicate_of} but different content (a replay?)"
                if duplicate_of is not None
                else None
            )
            or dmarc_failure(head, self.trusted_authserv_id, sender)
            or structure_problem(raw, self.limits)
        )
        self.checkpoint("after_parse")
        if doubt is not None:
            outcome = Outcome(
                InboundStatus.QUARANTINED, doubt, prompt_id=prompt.id if prompt else None
            )
        else:
            outcome = self._judge(inbound_id, head, raw, proof, sender, from_problem, now)

        with self.archive.transaction():
            if not self.inbound.still_pending(inbound_id):
                return None  # another tick running at the same time read it first
            if outcome.status == InboundStatus.ANSWER and prompt is not None:
                file_answer(self.answers, self.sent, inbound_id, prompt, outcome.text, now)
            if outcome.then is not None:
                outcome.then()  # what else the state means, committed with it
            self.inbound.set_outcome(
                inbound_id,
                status=outcome.status,
                reason=printable(outcome.reason, 500),
                from_address=printable(sender) if sender else None,
                subject=subject,
                member_id=outcome.member_id,
                prompt_id=outcome.prompt_id,
                now=now,
            )
        return outcome

    def _judge(
        self,
        inbound_id: int,
        head: EmailMessage,
        raw: bytes,
        proof: Proof,
        sender: str | None,
        from_problem: str | None,
        now: datetime,
    ) -> Outcome:
        """What a message that raised no doubt is, by what proves it, cheapest test first."""
        prompt = proof.prompt
        unproven = prompt is None and proof.returned is None and proof.replied is None
        claim = (
            self.agreed.claim(head, raw, inbound_id, sender, from_problem, now)
            if self.agreed is not None
            else None
        )
        if claim is not None:  # a meeting's notes, or an owner's word on an action
            return replace(claim.outcome, then=claim.write) if claim.write else claim.outcome
        if proof.refused is not None:
            # a token that fails is a reason to hold it, never a cue to try the thread instead
            return Outcome(InboundStatus.QUARANTINED, proof.refused)
        if head.get("X-Reflect-Kind") is not None or sender == self.from_address:
            return Outcome(InboundStatus.QUARANTINED, QuarantineReason.MAIL_LOOP)
        if proof.command is not None and self.commands is not None:
            return self.commands.outcome(inbound_id, raw, proof.command, sender,
                                         from_problem, now)  # fmt: skip
        if proof.replied is not None and (
            unread := Forwarder.unread(raw, proof.replied, sender, UNPROVEN_READ_BYTES)
        ):
            return Outcome(InboundStatus.QUARANTINED, unread)
        if unproven and not self._is_member(sender):
            return stranger_outcome(head)
        if unproven and len(raw) > UNPROVEN_READ_BYTES:
            # a member's address is public: without a token, a large body is not worth a read
            return Outcome(
                InboundStatus.QUARANTINED,
                f"a large message ({len(raw):,} bytes) with no reply token, not a reply to one "
                "of our messages: kept, not read",
            )
        control = self._control(head, raw, proof, sender, from_problem, now)
        if control is not None:  # a member's own request, never archived as an answer
            request = control.request
            if request is None:
                return control.outcome
            return replace(
                control.outcome,
                then=lambda: RequestStore(self.archive).record(inbound_id, request, now),
            )
        parsed = parse_reply(
            raw,
            prompt_text=prompt.body_text if prompt else None,
            **(self._who(prompt.member_id, inbound_id) if prompt else {}),
        )
        outcome = self._decide(inbound_id, raw, parsed, proof, sender, from_problem, now)
        if outcome.status == InboundStatus.ANSWER and prompt is not None:
            outcome = self._withdrawn(prompt) or outcome
        return outcome

    def _decide(
        self,
        inbound_id: int,
        raw: bytes,
        parsed: ParsedReply,
        proof: Proof,
        sender: str | None,
        from_problem: str | None,
        now: datetime,
    ) -> Outcome:
        prompt = proof.prompt
        if parsed.kind == ReplyKind.BOUNCE:
            return bounce_outcome(raw, parsed, proof, self.archive, secret=self.secret)
        if parsed.kind == ReplyKind.RSVP:
            return rsvp_outcome(inbound_id, parsed, self.archive, sender=sender,
                                from_problem=from_problem, uids=self.uids,
                                now=now)  # fmt: skip
        if parsed.kind == ReplyKind.AUTO_REPLY:
            return Outcome(InboundStatus.AUTO_REPLY, parsed.reason)
        if parsed.kind == ReplyKind.COUNTER:
            return Outcome(
                InboundStatus.QUARANTINED,
                f"a proposal of another time for a meeting, for you to answer ({parsed.reason})",
                prompt_id=prompt.id if prompt else None,
            )
        if parsed.kind == ReplyKind.FEEDBACK_REPORT:
            return Outcome(
                InboundStatus.QUARANTINED,
                f"a complaint report: someone's mail system marked our mail as unwanted "
                f"({parsed.reason})",
            )
        if prompt is None and proof.conversation is not None:
            with self.archive.transaction():
                if not self.inbound.still_pending(inbound_id):
                    return Outcome(InboundStatus.QUARANTINED, QuarantineReason.READ_ELSEWHERE)
                return move_outcome(self.archive, proof.conversation, parsed, sender=sender,
                                    from_problem=from_problem, uids=self.uids, zone=self.zone,
                                    now=now)  # fmt: skip
        if prompt is None and proof.replied is not None and self.forwarder is not None:
            return self.forwarder.outcome(inbound_id, raw, headers_of(raw), parsed,
                                          proof.replied, sender, from_problem, now)  # fmt: skip
        if prompt is None:
            return Outcome(
                InboundStatus.QUARANTINED,
                proof.why_none or QuarantineReason.NO_PROOF,
            )
        if from_problem:
            return Outcome(InboundStatus.QUARANTINED, from_problem, prompt_id=prompt.id)
        if sender != prompt.member_email:
            return Outcome(
                InboundStatus.QUARANTINED,
                f"sent from {sender}, but the question went to {prompt.member_email} (accept "
                "it only if it truly is theirs, written from another address)",
                prompt_id=prompt.id,
            )
        if parsed.kind == ReplyKind.EMPTY:
            return Outcome(
                InboundStatus.QUARANTINED,
                f"no words of the member's own were found ({parsed.reason})",
                member_id=prompt.member_id,
                prompt_id=prompt.id,
            )
        return Outcome(
            InboundStatus.ANSWER, "answer recorded", prompt.member_id, prompt.id, parsed.text
        )

    def _control(self, head: EmailMessage, raw: bytes, proof: Proof, sender: str | None,
                 from_problem: str | None, now: datetime) -> Control | None:  # fmt: skip
        """A member's one-word request (``controls.py``), proved as an answer is."""
        return read_control(head, raw, proof, self.sent, sender=sender, from_problem=from_problem,
                            secret=self.secret, now=now, today=now.astimezone(self.zone).date())  # fmt: skip

    def _withdrawn(self, prompt: MatchedPrompt) -> Outcome | None:
        """A reply to a question that no longer stands: its series removed, its meeting off."""
        if prompt.meeting_id is None:
            return None
        if self.sent.meeting_status(prompt.meeting_id) == "removed":
            why = f"the meeting series {prompt.meeting_id!r} it asks about has been removed"
        elif (prompt.meeting_id, prompt.occurrence) in self.called_off:
            why = f"the {prompt.meeting_id!r} meeting it asks about was called off"
        else:
            return None
        return Outcome(
            InboundStatus.QUARANTINED,
            f"a reply to a question that was withdrawn: {why}",
            member_id=prompt.member_id,
            prompt_id=prompt.id,
        )

    def _who(self, member_id: int, inbound_id: int) -> dict[str, Any]:
        """What only we know of the member a question went to, for reading their reply:
        their names and organisation, and the signature their earlier messages share."""
        facts = self.sent.member(member_id)
        if facts is None:
            return {}
        if member_id not in self._signatures:  # once a round: reading old mail costs a parse each
            earlier = self.sent.earlier_raw(member_id, inbound_id, MAX_LEARN_MESSAGES)
            self._signatures[member_id] = (
                learn_signatures([body_text(raw) for raw in earlier]) if earlier else ()
            )
        return {"sender": author(facts), "known_signatures": self._signatures[member_id]}

    def _is_member(self, address: str | None) -> bool:
        return bool(address) and self.sent.is_member(str(address))
