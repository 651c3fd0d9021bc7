"""Replies about what a meeting agreed: the note-taker's notes, an owner's "done".

The reader's hook (``Reader.read``) asks ``AgreedReplies.claim`` first: a
message with an ``agreed-`` token (``tokens.AGREED``) in a recipient header, or
a keyed Message-ID of one of those emails in its thread, is ours to read. The
trust rules are an answer's: the token must verify, and the From must be the
address the email went to; anything else is held for the convenor. A
note-taker's reply is read line by line (``replies.agreed``) and replaces any
earlier one for that meeting; an owner's reply starting ``done``, ``not yet``
or ``drop`` sets the action, anything else is kept beside it, the action open.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import getaddresses
from zoneinfo import ZoneInfo

from scheduler.archive.action_store import ActionStore, NewLine
from scheduler.archive.database import Archive, from_utc_text
from scheduler.archive.sent_store import SentStore
from scheduler.compose.tokens import (
    AGREED,
    AGREED_PREFIX,
    token_from_address,
    verify_message_id,
    verify_token,
)
from scheduler.errors import TokenError
from scheduler.inbound.outcome import Outcome
from scheduler.replies import ParsedReply, ReplyKind, author, body_text, parse_reply
from scheduler.replies.agreed import Directory, Person, is_greeting, read_agreed
from scheduler.replies.mime import header_value, header_values
from scheduler.vocabulary import InboundStatus

__all__ = ["AgreedReplies", "Claim", "read_verdict", "read_verdicts"]

_VERDICT = re.compile(
    r"^\W*(?P<word>done|completed?|finished|not\s+yet|not\s+done(?:\s+yet)?|no[, ]+not\s+yet|"
    r"drop(?:ped)?|drop\s+it|cancel(?:led)?)\b[\s.,:;!\-–—]*(?P<why>.*)$",
    re.IGNORECASE | re.DOTALL,
)


def read_verdict(text: str) -> tuple[str, str] | None:
    """(done | not_yet | dropped, the why) from an owner's reply, or None."""
    found = _VERDICT.match(text.strip())
    if found is None:
        return None
    word = found["word"].lower()
    status = (
        "not_yet" if "not" in word else "dropped" if word.startswith(("drop", "cancel")) else "done"
    )
    return status, " ".join(found["why"].split())[:500]


def _first_line(raw: bytes) -> str:
    """The first line of a message's body that is not a greeting."""
    for line in body_text(raw).splitlines():
        if line.strip() and not is_greeting(line):
            return line.strip()
    return ""


_NUMBERED = re.compile(r"^\W*(?:no\.?\s*|number\s+|#)?(?P<n>\d{1,2})\s*[.):\-–—]?\s+(?P<rest>\S.*)$",
                       re.IGNORECASE)  # fmt: skip


def read_verdicts(text: str, count: int) -> dict[int, tuple[str, str]]:
    """Which of ``count`` numbered actions an owner's reply settles, and how: one verdict
    for all ("done"), or a line (or a comma-separated part) per number ("1 done")."""
    numbered: dict[int, tuple[str, str]] = {}
    for line in text.splitlines():
        for part in re.split(r"[;,]\s*(?=\W*\d{1,2}\b)", line):
            found = _NUMBERED.match(part.strip())
            if found is None or not 1 <= int(found["n"]) <= count:
                continue
            verdict = read_verdict(found["rest"])
            if verdict is not None:
                numbered[int(found["n"])] = verdict
    if numbered:
        return numbered
    whole = read_verdict(text)
    return {n: whole for n in range(1, count + 1)} if whole is not None else {}


@dataclass(frozen=True)
class Claim:
    """What the hook decided; ``write`` records it, inside the reader's transaction."""

    outcome: Outcome
    write: Callable[[], None] | None = None


@dataclass(frozen=True)
class _Sent:
    key: str
    kind: str
    recipient: str
    member_id: int | None
    meeting_id: str
    occurrence: str
    question_id: str
    raw: bytes


class AgreedReplies:
    def __init__(self, archive: Archive, *, secret: bytes, reply_to: str, zone: str,
                 locale: str, next_meeting: Callable[[datetime], date | None]) -> None:  # fmt: skip
        self.archive = archive
        self.store = ActionStore(archive)
        self.secret = secret
        self.reply_to = reply_to
        self.zone = ZoneInfo(zone)
        self.locale = locale
        self.next_meeting = next_meeting

    def claim(self, head: EmailMessage, raw: bytes, inbound_id: int, sender: str | None,
              from_problem: str | None, now: datetime) -> Claim | None:  # fmt: skip
        """Ours to read (an outcome and what to record), or None: not about what was agreed."""
        found = self._sent(head)
        if found is None:
            return None
        if isinstance(found, str):
            return Claim(Outcome(InboundStatus.QUARANTINED, found))
        facts = SentStore(self.archive).member(found.member_id) if found.member_id else None
        parsed = parse_reply(raw, prompt_text=body_text(found.raw),
                             sender=author(facts) if facts else None)  # fmt: skip
        if parsed.kind == ReplyKind.AUTO_REPLY:  # an out-of-office records nothing, from anyone
            return Claim(Outcome(InboundStatus.AUTO_REPLY, parsed.reason))
        if from_problem:
            return Claim(Outcome(InboundStatus.QUARANTINED, from_problem))
        if sender != found.recipient:
            return Claim(Outcome(InboundStatus.QUARANTINED, f"sent from {sender}, but our email about what "
                                 f"the meeting agreed went to {found.recipient}"))  # fmt: skip
        if parsed.kind == ReplyKind.EMPTY and found.kind == "action_follow_up":
            # a verdict is a word or two ("Done Monday"), which the reader may take for a
            # sign-off: the first line of the owner's own, read as a verdict, is enough
            first = _first_line(raw)
            if read_verdict(first) is not None or _NUMBERED.match(first):
                return self._verdict(found, replace(parsed, text=first), now)
        if parsed.kind != ReplyKind.ANSWER:
            return Claim(
                Outcome(
                    InboundStatus.QUARANTINED,
                    f"a reply about what a meeting agreed, read as "
                    f"{parsed.kind.value}: {parsed.reason}",
                    member_id=found.member_id,
                )
            )
        if found.kind == "action_follow_up":
            return self._verdict(found, parsed, now)
        return self._notes(found, parsed, inbound_id, now)

    def _notes(self, sent: _Sent, parsed: ParsedReply, inbound_id: int, now: datetime) -> Claim:
        occurrence = from_utc_text(sent.occurrence)
        start = occurrence.astimezone(self.zone)
        people = Directory(tuple(
            Person(r["email"], r["name"], r["organisation"], r["preferred_name"] or "")
            for r in self.store.active_people()
        ))  # fmt: skip
        lines = [
            NewLine(x.kind, x.text, x.owner_text, x.owner_email, x.owner_organisation, x.due,
                    x.due_text)
            for x in read_agreed(parsed.text, people, meeting_start=start,
                                 next_meeting=self.next_meeting(occurrence), locale=self.locale)
        ]  # fmt: skip

        def write() -> None:
            self.store.record_notes(
                inbound_id=inbound_id, request_key=sent.key, meeting_id=sent.meeting_id,
                occurrence=sent.occurrence, note_taker=sent.recipient, lines=lines, now=now,
            )  # fmt: skip

        counts = {k: sum(1 for x in lines if x.kind == k) for k in ("decision", "action", "note")}
        reason = "meeting notes recorded: " + ", ".join(f"{n} {k}(s)" for k, n in counts.items())
        return Claim(Outcome(InboundStatus.AGREED, reason, member_id=sent.member_id), write)

    def _verdict(self, sent: _Sent, parsed: ParsedReply, now: datetime) -> Claim:
        ids = [int(i) for i in sent.question_id.removeprefix("action-").split(",") if i.isdigit()]
        verdicts = read_verdicts(parsed.text, len(ids))

        def write() -> None:
            for n, action_id in enumerate(ids, start=1):
                if n in verdicts:
                    self.store.set_status(action_id, *verdicts[n], now)
                else:  # kept beside the action, which stays open
                    self.store.add_note(action_id, parsed.text.strip(), now)

        said = ", ".join(
            f"{ids[n - 1]} {v[0].replace('_', ' ')}" for n, v in sorted(verdicts.items())
        )
        reason = (
            f"action(s) {said}"
            if verdicts
            else "a reply that says neither done, not yet nor "
            "drop; kept, and the action(s) left open"
        )
        return Claim(Outcome(InboundStatus.AGREED, reason, member_id=sent.member_id), write)

    def _sent(self, head: EmailMessage) -> _Sent | str | None:
        """The email of ours this replies to, a reason to hold it, or None."""
        for header in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
            for value in header_values(head, header):
                for _name, address in getaddresses([value]):
                    token = token_from_address(address, self.reply_to)
                    if token is None or not token.startswith(AGREED_PREFIX):
                        continue
                    try:
                        token_id = verify_token(token[len(AGREED_PREFIX) :], self.secret, AGREED)
                    except TokenError as exc:
                        return f"reply token for what a meeting agreed refused: {exc}"
                    row = self._row("token_id", token_id)
                    return row or "reply token for what a meeting agreed is for no email we sent"
        references = " ".join(
            str(header_value(head, h) or "") for h in ("In-Reply-To", "References")
        )
        for ref in reversed(re.findall(r"<[^<>\s]{1,300}>", references)):
            if verify_message_id(ref, self.secret) and (row := self._row("message_id", ref)):
                return row
        return None

    def _row(self, column: str, value: str) -> _Sent | None:
        row = self.store.agreed_email(column, value)
        if row is None:
            return None
        return _Sent(row["key"], row["kind"], row["recipient"], row["member_id"],
                     row["meeting_id"] or "", row["occurrence"] or "", row["question_id"] or "",
                     bytes(row["raw"]))  # fmt: skip
