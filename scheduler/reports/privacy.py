"""Data protection: forget a member, tell a member what is held, and keep raw mail no longer than needed.

``forget_member`` erases one member's words and identity from every table
while keeping the counts (they were asked, they replied): their answers
become empty, their raw messages (sent and received) are emptied, their row
becomes "forgotten member #id", and wherever their name, address or a line of
their answers appears in another row (another member's answer, a digest in
the outbox) it is replaced. Deleted content is overwritten on disk
(``secure_delete``) and the write-ahead log is checkpointed, so the words do
not linger in free pages either. What counts as their name or words, and how
a message is cleaned of them, is decided here; ``archive.forgetting``'s
``ForgetStore`` finds the rows and does the writes.

``member_record`` is everything held about one member, for a subject access
request. ``purge_raw_older_than`` empties raw messages past the retention
age, keeping what was extracted from them.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from functools import cached_property
from typing import Any

from scheduler.archive.action_store import ActionStore
from scheduler.archive.database import Archive
from scheduler.archive.forgetting import ForgetStore
from scheduler.archive.member_records import MemberRecords
from scheduler.errors import ReflectError

FORGOTTEN_DOMAIN = "forgotten.invalid"  # RFC 2606: can never be delivered to
NAME_GONE = "[forgotten member]"
WORDS_GONE = "[removed]"
# Inbound rows still needed for a decision keep their raw message under retention.
_KEEP_RAW = ("pending", "quarantined")


@dataclass(frozen=True)
class ForgetReport:
    member_id: int
    answers: int  # answers emptied
    inbound: int  # received messages whose raw bytes were erased
    outbox: int  # messages to or about them erased
    scrubbed: int  # other rows where their name or words were replaced

    def summary(self) -> str:
        return (
            f"forgotten member #{self.member_id}: {self.answers} answer(s) emptied, "
            f"{self.inbound} received message(s) and {self.outbox} sent message(s) erased, "
            f"{self.scrubbed} other record(s) cleaned of their name or words"
        )


def forgotten_address(member_id: int) -> str:
    return f"forgotten-{member_id}@{FORGOTTEN_DOMAIN}"


def _find_member(archive: Archive, address: str) -> dict[str, Any]:
    member = MemberRecords(archive).by_address(address.strip().lower())
    if member is None:
        raise ReflectError(
            f"no member with the address {address.strip()} is in the archive; check the "
            "spelling (reflect export --format csv lists everyone who has answered)."
        )
    return member


# ---------------------------------------------------------------- forgetting


def _word_lines(texts: list[str]) -> list[str]:
    """Lines of a member's answers long enough to be theirs rather than anyone's ("Yes.")."""
    lines = set()
    for text in texts:
        for line in text.splitlines():
            line = line.strip(" \t>")
            if len(line) >= 15 or len(line.split()) >= 3:
                lines.add(line)
    return sorted(lines, key=len, reverse=True)


@dataclass(frozen=True)
class _Needles:
    identity: tuple[str, ...]  # name, address: replaced by NAME_GONE
    words: tuple[str, ...]  # lines of their answers: replaced by WORDS_GONE

    @cached_property
    def patterns(self) -> list[tuple[re.Pattern[str], str]]:
        found: list[tuple[re.Pattern[str], str]] = []
        for needles, replacement in ((self.words, WORDS_GONE), (self.identity, NAME_GONE)):
            variants = {v for n in needles for v in (n, html.escape(n), html.escape(n, False))}
            for needle in sorted(variants, key=len, reverse=True):
                body = re.escape(needle).replace(r"\ ", r"\s+")
                found.append((re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE), replacement))
        return found

    def scrub(self, text: str) -> str:
        for pattern, replacement in self.patterns:
            text = pattern.sub(replacement, text)
        return text

    def present(self, text: str) -> bool:
        return any(pattern.search(text) for pattern, _ in self.patterns)


def _scrub_message(raw: bytes, needles: _Needles) -> bytes | None:
    """The message with their name and words replaced in its text parts; None if unchanged.

    ``b""`` when it cannot be cleaned (the mention is in a header or a non-text part).
    """
    if not raw:
        return None
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    changed = False
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_maintype() != "text" or part.get_content_subtype() not in (
            "plain",
            "html",
        ):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and needles.present(payload.decode("utf-8", "replace")):
                return b""
            continue
        content = part.get_content()
        cleaned = needles.scrub(content)
        if cleaned != content:
            part.set_content(cleaned, subtype=part.get_content_subtype(), charset="utf-8")
            changed = True
    if any(needles.present(str(value)) for value in msg.values()):
        return b""
    return msg.as_bytes(policy=email.policy.SMTP) if changed else None


def forget_member(archive: Archive, address: str, *, now: datetime) -> ForgetReport:
    """Erase a member's words and identity, keeping that they were asked and replied."""
    member = _find_member(archive, address)
    member_id = int(member["id"])
    if member["email"] == forgotten_address(member_id):
        raise ReflectError(f"{address} has already been forgotten.")
    email_address = str(member["email"])
    store = ForgetStore(archive)
    needles = _Needles(
        identity=(str(member["name"]), email_address),
        words=tuple(_word_lines(store.answer_texts(member_id))),
    )
    gone = forgotten_address(member_id)

    def clean_message(raw: bytes) -> bytes | None:
        return _scrub_message(raw, needles)

    with store.erasing():
        # their actions stay, owned by their organisation, with their names taken out
        ActionStore(archive).forget_owner(member_id, _names_of(member))
        answers = store.empty_answers(member_id)
        theirs = store.their_inbound(member_id, email_address)
        store.erase_inbound(theirs, on=now)
        scrubbed = store.scrub_inbound(clean_message)
        outbox = store.erase_outbox(member_id, email_address, recipient=gone)
        scrubbed += store.scrub_outbox(clean_message, except_to=gone)
        store.close_member(member_id, name=f"forgotten member #{member_id}", email=gone, on=now)
        # Their own row is rewritten above; another member may share the name.
        scrubbed += store.scrub_text_columns(needles.scrub, skip=("members",))
    return ForgetReport(member_id, answers, len(theirs), outbox, scrubbed)


def _names_of(member: dict[str, Any]) -> list[str]:
    """What a member may be called in a note: full name, preferred name, a first name."""
    name = str(member["name"])
    words = [w for w in name.split() if w.lower().rstrip(".") not in ("dr", "prof", "cllr", "mr",
             "mrs", "ms", "miss", "mx", "rev")]  # fmt: skip
    return [name, str(member.get("preferred_name") or ""), *words[:1], " ".join(words)]


# ---------------------------------------------------------------- subject access


def _text(raw: object) -> str:
    return bytes(raw).decode("utf-8", "replace") if isinstance(raw, bytes | memoryview) else ""


def member_record(archive: Archive, address: str) -> dict[str, Any]:
    """Everything the archive holds about one member, as plain JSON-ready data."""
    member = _find_member(archive, address)
    member_id = member["id"]
    records = MemberRecords(archive)
    return {
        "member": member,
        "membership_events": records.membership_events(member_id),
        "answers": records.answers(member_id),
        "answer_edits": records.answer_edits(member_id),
        "questions_sent": records.questions_sent(member_id),
        "calendar_invitations": records.calendar_invitations(member_id),
        "calendar_replies": records.calendar_replies(member_id),
        "requests_by_reply": records.requests(member_id),
        "messages_sent_to_them": _with_message(records.messages_sent_to(member_id)),
        "messages_received_from_them": _with_message(
            records.messages_received_from(member_id, member["email"])
        ),
        "actions_they_own": ActionStore(archive).owned_by(int(member_id)),
    }


def _with_message(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with its raw bytes as readable text, under ``message``."""
    return [
        {**{k: v for k, v in row.items() if k != "raw"}, "message": _text(row["raw"])}
        for row in rows
    ]


# ---------------------------------------------------------------- retention


def purge_raw_older_than(archive: Archive, cutoff: datetime) -> int:
    """Empty raw messages (received and sent) older than ``cutoff``; answers stay.

    A received message still waiting to be read or held in quarantine keeps
    its bytes: the convenor may yet need them. Returns how many were emptied.
    """
    return ForgetStore(archive).empty_raw_before(
        cutoff, keep=_KEEP_RAW, note=" (raw message deleted after the retention period)"
    )
