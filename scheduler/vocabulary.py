"""The service's vocabulary: the kinds of message, and the states of the outbox and the
inbound queue, as ``StrEnum``s whose values are the very strings the archive stores.

A member compares and hashes equal to its text (``MessageKind.PROMPT == "prompt"``),
so rows written before these existed read the same, and a dict keyed by either works
with both. Adding a kind of message starts here (see the README's checklist).
"""

from __future__ import annotations

from enum import StrEnum


class MessageKind(StrEnum):
    """What one intended message is; the outbox's ``kind`` column."""

    INDUCTION = "induction"
    WELCOME_BACK = "welcome_back"
    INVITE = "invite"
    CANCEL = "cancel"
    PROMPT = "prompt"
    ROLE_NOTE = "role_note"
    REMINDER = "reminder"
    HANDOVER = "handover"
    LEAVER_NOTICE = "leaver_notice"
    HANDOVER_MISSING = "handover_missing"
    HANDOVER_ARRIVED = "handover_arrived"
    HANDOVER_NOTE = "handover_note"
    DIGEST = "digest"
    QUARANTINE_NOTICE = "quarantine_notice"
    INTRODUCTION = "introduction"
    PARTNERS = "partners"  # the founders' introductions, as one "Meet your partners" email
    CONVERSATION = "conversation"
    REQUEST_CONFIRM = "request_confirm"  # a member's pause, skip, away or stop, confirmed
    STOP_NOTICE = "stop_notice"  # to the convenor: a member asked to stop
    SILENT_MEMBERS = "silent_members"  # to the convenor: who has not replied before a meeting
    NUDGE = "nudge"  # one more reminder, when the convenor asks (``reflect nudge``)
    # queued by the reader, not the planner: what a reply makes us send the convenor
    FORWARD = "forward"  # a person's reply to something that asked nothing, passed on
    COMMAND_ANSWER = "command_answer"  # what the convenor's "accept 3" by reply did
    # what a meeting agreed (plan/agreed.py): asked of its note-taker, confirmed to them,
    # and each open action followed up with its owner (or the convenor told they left)
    NOTES_REQUEST = "notes_request"
    NOTES_CONFIRM = "notes_confirm"
    ACTION_FOLLOW_UP = "action_follow_up"
    ACTION_SKIPPED = "action_skipped"
    # sent by earlier versions only, and still read from the outbox's history
    CANCEL_OCCURRENCE = "cancel_occurrence"
    ROLES = "roles"


class OutboxStatus(StrEnum):
    """Where a message is on its way out; the outbox's ``status`` column."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class InboundStatus(StrEnum):
    """What became of a message that came in; the inbound table's ``status`` column."""

    PENDING = "pending"  # stored, not yet read
    ANSWER = "answer"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    RSVP = "rsvp"
    REQUEST = "request"  # a member's own request by reply (pause, skip, away, stop)
    QUARANTINED = "quarantined"
    REJECTED = "rejected"  # by the convenor, from the quarantine
    FORWARDED = "forwarded"  # a person's reply that asked nothing, passed on to the convenor
    COMMAND = "command"  # the convenor's command by reply to a quarantine notice, carried out
    CONVERSATION_MOVE = "conversation_move"  # one of a pair asked for another time
    AGREED = "agreed"  # a meeting's notes from its note-taker, or an owner's word on an action


class QuarantineReason(StrEnum):
    """Why a message was held back, where the reason is one fixed sentence; the inbound
    table's ``reason`` column. Reasons that name what was found (an address, a count)
    are written out where they are found, and are not listed here."""

    NO_PROOF = "no valid reply token and not a reply to one of our messages"
    MAIL_LOOP = "one of our own messages came back (a mail loop)"
    READ_ELSEWHERE = "read by another tick at the same time"
    NO_INVITATION = "calendar reply for no meeting or member we know"
    UNBELIEVED_REPORT = (
        "a delivery report that did not come back to one of our return addresses "
        "nor quote one of our messages, so it was not believed"
    )
