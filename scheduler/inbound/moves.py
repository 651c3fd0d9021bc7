"""A reply to a conversation invitation that asks for another time: the conversation moves.

A calendar can only "propose" a new time to the organiser, and the organiser is the
service (docs/invitations.md), so either of the two replies to their invitation email
with a time ("Thursday 14:00"). The reply is proved as any other (our keyed
Message-ID in its thread, sent from the address the invitation went to); the time is
read by ``replies.times``; the conversation's slot moves and both get an updated
invitation at a higher SEQUENCE on the next round (``plan.conversations``).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.archive.database import Archive, utc_text
from scheduler.archive.sent_store import SentMessage, SentStore
from scheduler.inbound.machine_mail import SentUids
from scheduler.inbound.outcome import Outcome
from scheduler.replies.times import proposed_time
from scheduler.replies.types import ParsedReply
from scheduler.vocabulary import InboundStatus


def move_outcome(
    archive: Archive,
    invitation: SentMessage,
    parsed: ParsedReply,
    *,
    sender: str | None,
    from_problem: str | None,
    uids: SentUids,
    zone: ZoneInfo,
    now: datetime,
) -> Outcome:
    """Move the conversation ``invitation`` was for, if its own recipient asks for a time."""
    if from_problem or sender != invitation.recipient.lower():
        return Outcome(
            InboundStatus.QUARANTINED,
            f"a reply to a conversation invitation sent to {invitation.recipient}, "
            f"but from {sender or 'no clear sender'}",
            member_id=invitation.member_id,
        )
    talk = next(
        (t for t in uids.conversations.values() if t.copies.get(sender) == invitation.key), None
    )
    when = proposed_time(parsed.text or "", now=now, zone=zone)
    if talk is None or when is None:
        return Outcome(
            InboundStatus.QUARANTINED,
            "a reply to a conversation invitation with no new time in it that we could read "
            '(a day and a time, e.g. "Thursday 14:00")',
            member_id=invitation.member_id,
        )
    a, b = sorted(talk.copies)
    sequence = SentStore(archive).move_conversation(
        talk.round_key, a, b, slot=utc_text(when), moved_by=sender
    )
    return Outcome(
        InboundStatus.CONVERSATION_MOVE,
        f"conversation moved to {when:%A %d %B %H:%M} (sequence {sequence})",
        invitation.member_id,
    )
