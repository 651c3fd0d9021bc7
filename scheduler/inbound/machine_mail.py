"""Mail written by machines: delivery reports, calendar replies, and strangers' mail.

A bounce is believed only when it came back to the returned message's own
signed return address, or quotes a keyed Message-ID of ours sent to the very
address it says failed; an RSVP only from the attendee's own address, for a
series they were sent. A message with no proof from nobody we know is triaged
on its headers alone and never parsed further.
"""

from __future__ import annotations

import re
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
from scheduler.replies import ParsedReply
from scheduler.replies.mime import header_value
from scheduler.safety import printable

_QUOTED_MESSAGE_ID = re.compile(rb"<[A-Za-z2-7]{32}@[A-Za-z0-9.-]{1,253}>")
_REPORT = re.compile(r"(?i)multipart/report|message/delivery-status")
_MAILER = re.compile(r"(?i)^(mailer-daemon|postmaster)@")
_FAILURE_SUBJECT = re.compile(
    r"(?i)undeliver|delivery (status|failure|has failed)|returned mail|failure notice|"
    r"mail delivery failed|non[- ]?delivery"
)
_NO_PROOF = "no valid reply token and not a reply to one of our messages"


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
            "quarantined",
            "a delivery report that did not come back to one of our return addresses "
            "nor quote one of our messages, so it was not believed",
        )
    if (head.get("Auto-Submitted") or "no").strip().lower().startswith("auto-replied"):
        return Outcome("auto_reply", "an automatic reply from an address we do not know")
    return Outcome("quarantined", _NO_PROOF)


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
            "quarantined",
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
    return Outcome("bounce", f"{addresses}: {state}", member_id)


def rsvp_outcome(
    inbound_id: int,
    parsed: ParsedReply,
    archive: Archive,
    *,
    sender: str | None,
    from_problem: str | None,
    meeting_for_uid: dict[str, str],
    now: datetime,
) -> Outcome:
    """Record a calendar reply only from the attendee themself, for an invitation they had."""
    if from_problem or not sender:
        return Outcome("quarantined", f"a calendar reply, but {from_problem}")
    recorded = 0
    member_id = None
    others: list[str] = []
    sent, answers = SentStore(archive), AnswerStore(archive)
    with archive.transaction():
        for rsvp in parsed.rsvps if InboundStore(archive).still_pending(inbound_id) else ():
            meeting_id = meeting_for_uid.get(rsvp.uid.lower())
            if rsvp.attendee.lower() != sender:
                others.append(rsvp.attendee)
                continue
            invited = None if meeting_id is None else sent.invited_member_id(sender, meeting_id)
            if meeting_id is None or invited is None:
                continue
            member_id = invited
            answers.record_rsvp(
                inbound_id, member_id, meeting_id, rsvp.recurrence_id, rsvp.partstat.upper(), now
            )
            recorded += 1
    if not recorded:
        if others:
            return Outcome(
                "quarantined",
                f"a calendar reply from {sender} on behalf of "
                f"{printable(', '.join(others), 200)}: only an attendee can answer for "
                "themself",
            )
        return Outcome("quarantined", "calendar reply for no meeting or member we know")
    return Outcome("rsvp", f"{recorded} calendar reply recorded", member_id)
