"""Mail written by machines: delivery reports, calendar replies, and strangers' mail.

A bounce is believed only when it came back to the returned message's own
signed return address, or quotes a keyed Message-ID of ours sent to the very
address it says failed; an RSVP only from the attendee's own address, for a
calendar entry (a series, a single meeting or a one-to-one conversation) they
were sent. A message with no proof from nobody we know is triaged
on its headers alone and never parsed further.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr

from scheduler.archive.answer_store import AnswerStore
from scheduler.archive.database import Archive
from scheduler.archive.inbound_store import InboundStore
from scheduler.archive.sent_store import SentStore
from scheduler.compose.tokens import verify_message_id
from scheduler.inbound.outcome import Outcome
from scheduler.inbound.proof import Proof
from scheduler.replies import ParsedReply, Rsvp
from scheduler.replies.mime import header_value
from scheduler.safety import printable
from scheduler.vocabulary import InboundStatus, QuarantineReason

_QUOTED_MESSAGE_ID = re.compile(rb"<[A-Za-z2-7]{32}@[A-Za-z0-9.-]{1,253}>")
_REPORT = re.compile(r"(?i)multipart/report|message/delivery-status")
_MAILER = re.compile(r"(?i)^(mailer-daemon|postmaster)@")
_FAILURE_SUBJECT = re.compile(
    r"(?i)undeliver|delivery (status|failure|has failed)|returned mail|failure notice|"
    r"mail delivery failed|non[- ]?delivery"
)


def looks_like_delivery_report(head: EmailMessage) -> bool:
    """Whether the headers alone say this is a delivery report (for a message with no proof)."""
    sender = str(header_value(head, "From") or "")
    _name, address = parseaddr(sender)
    return bool(
        _REPORT.search(str(head.get("Content-Type") or ""))
        or _MAILER.match(address)
        or _FAILURE_SUBJECT.search(str(header_value(head, "Subject") or ""))
    )


def stranger_outcome(head: EmailMessage) -> Outcome:
    """A message with no proof, from nobody we know: read no further than its headers."""
    if looks_like_delivery_report(head):
        return Outcome(
            InboundStatus.QUARANTINED,
            QuarantineReason.UNBELIEVED_REPORT,
        )
    if (head.get("Auto-Submitted") or "no").strip().lower().startswith("auto-replied"):
        return Outcome(
            InboundStatus.AUTO_REPLY, "an automatic reply from an address we do not know"
        )
    return Outcome(InboundStatus.QUARANTINED, QuarantineReason.NO_PROOF)


def bounce_outcome(
    raw: bytes, parsed: ParsedReply, proof: Proof, archive: Archive, *, secret: bytes
) -> Outcome:
    """Believe a delivery report only about a message of ours it proves it returns."""
    bounce = parsed.bounce
    permanent = bool(bounce and bounce.permanent)
    named = tuple(bounce.recipients) if bounce else ()
    if proof.returned is not None:
        failed = [proof.returned]  # it came back to that one message's own address
    else:
        sent = SentStore(archive)
        quoted = [
            row
            for ref in dict.fromkeys(_QUOTED_MESSAGE_ID.findall(raw))
            if verify_message_id(ref.decode("ascii"), secret)
            and (row := sent.sent_with_message_id(ref.decode("ascii")))
        ]
        failed = [row for row in quoted if row.recipient in named]
    if not failed:
        return Outcome(
            InboundStatus.QUARANTINED,
            "a delivery report that did not come back to one of our return addresses "
            "nor quote one of our messages to the address it names, so it was not believed"
            + (f" (it names {', '.join(named)})" if named else ""),
        )
    member_id = next((row.member_id for row in failed if row.member_id), None)
    addresses = ", ".join(dict.fromkeys(row.recipient for row in failed))
    if permanent and bounce is not None:
        why = printable(f"{bounce.status or ''} {bounce.diagnostic or ''}".strip(), 300)
        AnswerStore(archive).mark_failing(
            (row.member_id for row in failed if row.member_id is not None), why
        )
    state = "failing" if permanent else "delayed"
    return Outcome(InboundStatus.BOUNCE, f"{addresses}: {state}", member_id)


@dataclass(frozen=True)
class ConversationInvite:
    """A one-to-one conversation's calendar entry, as a calendar reply names it by UID."""

    round_key: str
    slot: str  # UTC text, as ``pairings`` keeps it
    copies: Mapping[str, str]  # each of the two addresses -> the outbox key of their copy


@dataclass(frozen=True)
class SentUids:
    """Every calendar UID we sent: series (single meetings too) and conversations."""

    series: Mapping[str, str] = field(default_factory=dict)  # UID, lower-cased -> meeting id
    conversations: Mapping[str, ConversationInvite] = field(default_factory=dict)


def rsvp_outcome(
    inbound_id: int,
    parsed: ParsedReply,
    archive: Archive,
    *,
    sender: str | None,
    from_problem: str | None,
    uids: SentUids,
    now: datetime,
) -> Outcome:
    """Record a calendar reply only from the attendee themself, for an invitation they had."""
    with archive.transaction():
        if not InboundStore(archive).still_pending(inbound_id):
            return Outcome(InboundStatus.QUARANTINED, QuarantineReason.READ_ELSEWHERE)
        return record_calendar_reply(
            inbound_id, parsed.rsvps, archive, sender=sender, from_problem=from_problem,
            uids=uids, now=now,
        )  # fmt: skip


def record_calendar_reply(
    inbound_id: int,
    rsvps: Iterable[Rsvp],
    archive: Archive,
    *,
    sender: str | None,
    from_problem: str | None,
    uids: SentUids,
    now: datetime,
    vouched_by: str | None = None,
) -> Outcome:
    """Record each answer of a calendar reply that names an invitation we sent its attendee.

    Without ``vouched_by`` an answer counts only when its attendee is the message's one
    well-formed sender; with it (the convenor, deciding on a held reply) the attendee
    still has to be the member that UID was sent to, and the record says who vouched.
    Inside the caller's transaction.
    """
    if vouched_by is None and (from_problem or not sender):
        return Outcome(InboundStatus.QUARANTINED, f"a calendar reply, but {from_problem}")
    recorded = 0
    member_id = None
    others: list[str] = []
    sent, answers = SentStore(archive), AnswerStore(archive)
    for rsvp in rsvps:
        attendee = rsvp.attendee.lower()
        if vouched_by is None and attendee != sender:
            others.append(rsvp.attendee)
            continue
        uid = rsvp.uid.strip().lower()
        partstat = rsvp.partstat.upper()
        invited: int | None = None
        if (meeting_id := uids.series.get(uid)) is not None:
            invited = sent.invited_member_id(attendee, meeting_id)
            if invited is not None:
                answers.record_rsvp(inbound_id, invited, meeting_id, rsvp.recurrence_id,
                                    partstat, now, accepted_by=vouched_by)  # fmt: skip
        elif (talk := uids.conversations.get(uid)) is not None and attendee in talk.copies:
            invited = sent.sent_to_member(talk.copies[attendee], attendee)
            partner = next((a for a in talk.copies if a != attendee), None)
            if invited is not None:
                answers.record_conversation_reply(
                    inbound_id, invited, partner_id=sent.member_id(partner) if partner else None,
                    round_key=talk.round_key, slot=talk.slot, partstat=partstat, now=now,
                    accepted_by=vouched_by,
                )  # fmt: skip
        if invited is not None:
            member_id = invited
            recorded += 1
    if not recorded:
        if others:
            return Outcome(
                InboundStatus.QUARANTINED,
                f"a calendar reply from {sender} on behalf of "
                f"{printable(', '.join(others), 200)}: only an attendee can answer for "
                "themself",
            )
        return Outcome(InboundStatus.QUARANTINED, QuarantineReason.NO_INVITATION)
    return Outcome(InboundStatus.RSVP, f"{recorded} calendar reply recorded", member_id)
