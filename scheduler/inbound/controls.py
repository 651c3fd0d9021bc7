"""Members' own requests: one word alone on the first line of a reply to any of our
emails (``pause``, ``resume``, ``skip``, ``away until DATE``, ``stop``).

A request is proved as an answer is (docs/reliability.md): a reply token that
verifies, or one of our keyed Message-IDs in the thread, for a message we sent to
that very address, and exactly one well-formed From, the member's own. What a
stranger sends (a member's public address in From, no token) changes nothing: it
is held for the convenor with the reason. A request is never archived as an answer.
Nothing here is reached by a link, so a link scanner opening every URL in a
message (Microsoft Safe Links) can do nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage

from scheduler.archive.request_store import NewRequest, RequestStore
from scheduler.archive.sent_store import SentStore
from scheduler.compose.tokens import verify_message_id
from scheduler.inbound.outcome import Outcome
from scheduler.inbound.proof import Proof
from scheduler.replies import body_text
from scheduler.replies.mime import header_value
from scheduler.replies.patterns import GREETING
from scheduler.safety import printable
from scheduler.vocabulary import InboundStatus

WORDS = ("pause", "resume", "skip", "stop")
_AWAY = re.compile(r"^away\s+(?:until|till|til|to)\s+(.+)$")
# what a phone or a hurried hand puts around one word: quotes, stops, exclamation marks
_TRIM = " \t\"'`*_.,;:!?()[]<>\u201c\u201d\u2018\u2019"
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
AWAY_LONGEST_DAYS = 400  # an "away until" further off than this is surely a slip


@dataclass(frozen=True)
class Control:
    """What a reply asked, as the reader records it: its outcome, and the request to keep
    (None when it is held instead)."""

    outcome: Outcome
    request: NewRequest | None = None


def first_line_word(text: str, today: date) -> tuple[str, date | None] | str | None:
    """The request on a reply's first line: (word, the day back for ``away``); a string
    saying why an ``away`` could not be read; or None when it is no request at all.
    A greeting above the word ("Hi Priya,") is passed over, as people write one."""
    for raw_line in text.splitlines():
        line = _INVISIBLE.sub("", raw_line).strip()
        if not line or GREETING.match(line):
            continue
        words = " ".join(line.split()).strip(_TRIM).lower()
        if words in WORDS:
            return words, None
        away = _AWAY.match(words)
        if away is None:
            return None
        return _away_until(away.group(1).strip(_TRIM), today)
    return None


def _away_until(when: str, today: date) -> tuple[str, date | None] | str:
    import dateparser  # slow to import; only an "away" reply needs it

    found = dateparser.parse(
        when,
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "future",
            # dateparser compares with a naive base; a day has no time zone of its own
            "RELATIVE_BASE": datetime(today.year, today.month, today.day),  # noqa: DTZ001
            "DATE_ORDER": "DMY",
            "PREFER_DAY_OF_MONTH": "first",
        },
    )
    if found is None:
        return f'"away until {printable(when, 60)}": that is not a date we could read'
    back = found.date()
    if back <= today or (back - today).days > AWAY_LONGEST_DAYS:
        return (
            f'"away until {printable(when, 60)}" reads as {back.isoformat()}, which is not '
            f"in the coming {AWAY_LONGEST_DAYS} days"
        )
    return "away", back


def read_control(
    head: EmailMessage,
    raw: bytes,
    proof: Proof,
    sent: SentStore,
    *,
    sender: str | None,
    from_problem: str | None,
    secret: bytes,
    now: datetime,
    today: date,
) -> Control | None:
    """The request a reply makes, proved or held; None when it makes none."""
    if str(header_value(head, "Auto-Submitted") or "no").strip().lower() != "no":
        return None  # an out-of-office, not the member at the keyboard
    found = first_line_word(body_text(raw), today)
    if found is None:
        return None
    if isinstance(found, str):
        return Control(
            Outcome(InboundStatus.QUARANTINED, f"a request by reply not understood: {found}")
        )
    word, until = found
    member_id, why_not = _proved_member(head, proof, sent, sender, from_problem, secret)
    if member_id is None:
        return Control(
            Outcome(InboundStatus.QUARANTINED, f'a request to "{word}", not acted on: {why_not}')
        )
    meeting_id, occurrence = None, None
    if word == "skip":
        prompt = proof.prompt
        if prompt is not None and prompt.meeting_id and prompt.occurrence:
            meeting_id, occurrence = prompt.meeting_id, prompt.occurrence
        else:
            cycle = RequestStore(sent.archive).cycle_in_progress(member_id, now)
            meeting_id, occurrence = cycle if cycle else (None, None)
    request = NewRequest(member_id, word, until, meeting_id, occurrence)
    said = f"away until {until.isoformat()}" if until else word
    return Control(
        Outcome(InboundStatus.REQUEST, f'the member asked: "{said}"', member_id=member_id), request
    )


def _proved_member(
    head: EmailMessage,
    proof: Proof,
    sent: SentStore,
    sender: str | None,
    from_problem: str | None,
    secret: bytes,
) -> tuple[int | None, str]:
    """The member a request is proved to come from, or None and why not."""
    if from_problem or not sender:
        return None, from_problem or "no sender address"
    if proof.prompt is not None:
        if proof.prompt.member_email == sender:
            return proof.prompt.member_id, ""
        return (
            None,
            f"sent from {sender}, but the email it answers went to {proof.prompt.member_email}",
        )
    references = " ".join(str(header_value(head, h) or "") for h in ("In-Reply-To", "References"))
    for ref in reversed(re.findall(r"<[^<>\s]{1,300}>", references)):
        if not verify_message_id(ref, secret):
            continue  # not ours, or computable from public facts: proves nothing
        row = sent.sent_with_message_id(ref)
        if row is not None and row.recipient.lower() == sender:
            member_id = sent.member_id(sender)
            if member_id is not None:
                return member_id, ""
        if row is not None:
            return None, f"sent from {sender}, but the email it answers went to {row.recipient}"
    return None, (
        f"from {sender} with no reply token and not a reply to one of our emails to that "
        "address, so nothing proves it is theirs"
    )
