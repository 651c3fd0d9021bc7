"""The convenor's decision on messages held back: accept or reject, one or many.

Accepting an answer files it against the question it was matched to. Accepting a
calendar reply records it only as the reader would (from the attendee's own
address, for an invitation we sent them), unless the convenor vouches for it:
then the attendee must still be the member that invitation went to, and the
record says the convenor accepted it. A delivery report is never acted on.
Many at once are all done or none: one that cannot be is named, with why.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from scheduler.archive.answer_store import AnswerStore
from scheduler.archive.database import Archive
from scheduler.archive.inbound_store import InboundStore
from scheduler.archive.sent_store import SentStore
from scheduler.errors import ReflectError
from scheduler.inbound.headers import headers_of, strict_sender
from scheduler.inbound.held import seems, seems_held
from scheduler.inbound.limits import Limits, structure_problem
from scheduler.inbound.machine_mail import SentUids, record_calendar_reply
from scheduler.inbound.numbered import file_answer
from scheduler.replies import ReplyKind, parse_reply
from scheduler.safety import printable
from scheduler.vocabulary import InboundStatus, QuarantineReason

CONVENOR = "convenor"  # who vouched for a calendar reply accepted from the quarantine


class _Undo(Exception):
    """Raised inside the one transaction of many decisions, to undo them all."""


def _held(archive: Archive, item: int) -> dict[str, Any]:
    row = InboundStore(archive).message(item)
    if row is None or row["status"] != InboundStatus.QUARANTINED:
        raise ReflectError(f"#{item} is not in quarantine (see: reflect quarantine).")
    return row


def held_items(archive: Archive, kind: str | None = None) -> list[int]:
    """The numbers of everything held back, or of what seems to be ``kind``."""
    return [item for item, what in seems_held(archive).items() if kind is None or what == kind]


def decide(
    archive: Archive,
    action: str,
    items: Sequence[int],
    now: datetime,
    *,
    uids: SentUids | None = None,
    vouch: bool = False,
) -> list[str]:
    """Accept or reject each of ``items``, all or none; one line for each."""
    if not items:
        return ["Nothing to decide on: nothing held back matches."]
    done: list[str] = []
    problems: list[str] = []
    try:
        with archive.transaction():
            for item in dict.fromkeys(items):
                try:
                    with archive.transaction():
                        if action == "accept":
                            done.append(accept(archive, item, now, uids=uids, vouch=vouch))
                        else:
                            done.append(reject(archive, item, now))
                except ReflectError as exc:
                    problems.append(str(exc))
            if problems:
                raise _Undo
    except _Undo:
        if len(items) == 1:
            raise ReflectError(problems[0]) from None
        raise ReflectError(
            f"nothing was changed: {len(problems)} of {len(set(items))} cannot be "
            f"{action}ed.\n  " + "\n  ".join(problems)
        ) from None
    return done


def accept(
    archive: Archive,
    item: int,
    now: datetime,
    *,
    uids: SentUids | None = None,
    vouch: bool = False,
) -> str:
    """Record a held message as what it is: an answer, or a calendar reply."""
    row = _held(archive, item)
    kind = seems(row)
    if kind == "rsvp":
        return _accept_calendar_reply(archive, row, now, uids or SentUids(), vouch=vouch)
    if kind == "bounce":
        raise ReflectError(
            f"#{item} is a delivery report the service could not prove is about a message of "
            "ours; it never acts on one (anyone can send them). If the address truly fails, "
            "correct it in the membership list; reject this one to clear it."
        )
    if row["prompt_id"] is None:
        raise ReflectError(
            f"#{item} could not be matched to any question we sent, so it cannot be accepted as an "
            "answer; reject it, or ask the member to reply to the question's email."
        )
    prompt = SentStore(archive).prompt(row["prompt_id"])
    assert prompt is not None
    raw = row["raw"]
    assert isinstance(raw, bytes)
    parsed = parse_reply(raw, prompt_text=str(prompt["body_text"]))
    sent = SentStore(archive)
    matched = sent.matched_prompt(int(prompt["id"]))
    assert matched is not None
    with archive.transaction():
        # filed as the reader files it: a checklist reply by its numbered parts
        file_answer(AnswerStore(archive), sent, item, matched, parsed.text, now)
        InboundStore(archive).mark_accepted(
            item, f"accepted by the convenor (was: {row['reason']})"
        )
    return f"#{item} accepted as an answer."


def _accept_calendar_reply(
    archive: Archive, row: dict[str, Any], now: datetime, uids: SentUids, *, vouch: bool
) -> str:
    item = int(row["id"])
    raw = bytes(row["raw"] or b"")
    problem = structure_problem(raw, Limits()) if raw else "its text was erased"
    if problem is not None:
        raise ReflectError(f"#{item} cannot be read ({problem}); reject it.")
    parsed = parse_reply(raw)
    if parsed.kind != ReplyKind.RSVP:
        raise ReflectError(
            f"#{item} looks like a calendar reply but holds no answer to an invitation "
            f"({printable(parsed.reason, 120)}); reject it."
        )
    try:
        sender, from_problem = strict_sender(headers_of(raw))
    except Exception as exc:  # a stranger's unparsable headers
        raise ReflectError(
            f"#{item}: its headers cannot be read ({type(exc).__name__}); reject it."
        ) from None
    with archive.transaction():
        outcome = record_calendar_reply(
            item, parsed.rsvps, archive, sender=sender, from_problem=from_problem, uids=uids,
            now=now, vouched_by=CONVENOR if vouch else None,
        )  # fmt: skip
        if outcome.status != InboundStatus.RSVP:
            hint = (
                "; if you know it is the attendee's own answer, accept it with --vouch"
                if not vouch and outcome.reason != QuarantineReason.NO_INVITATION
                else ""
            )
            raise ReflectError(f"#{item} was not recorded: {printable(outcome.reason)}{hint}.")
        how = "vouched for" if vouch else "accepted"
        InboundStore(archive).mark_decided(
            item,
            InboundStatus.RSVP,
            f"{how} by the convenor (was: {row['reason']})",
            outcome.member_id,
        )
    return (
        f"#{item} calendar reply recorded: {printable('; '.join(parsed.text.splitlines()), 160)}."
    )


def reject(archive: Archive, item: int, now: datetime) -> str:
    row = _held(archive, item)
    InboundStore(archive).mark_rejected(
        item, f"rejected by the convenor (was: {row['reason']})", now
    )
    return f"#{item} rejected; it stays in the archive but is not an answer."
