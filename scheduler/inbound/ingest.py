"""Inbound mail: custody first, then reading, then exactly one recorded state.

``store_raw`` commits a message's exact bytes before anyone is told we have
it (the IMAP move, the Maildir move, the pipe's exit 0). ``process_pending``
then reads each stored message and ends it in one state: ``answer``, ``rsvp``,
``bounce``, ``auto_reply``, ``duplicate`` or ``quarantined`` with a reason.
An answer is recorded only with proof: a reply token that verifies for that
prompt (or, with no token, a keyed Message-ID of that prompt in the thread),
exactly one well-formed From address, and that address the member's. A bounce
is believed only at the returned message's own signed return address, or when
it quotes a keyed Message-ID of ours sent to the address it names; an RSVP only
from the attendee, for a series they were invited to. What proves nothing is
held for the convenor (docs/reliability.md has the threat model).
"""

from __future__ import annotations

import email.policy
import hashlib
import logging
import re
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr
from typing import Any

from scheduler.archive.database import Archive, utc_text
from scheduler.compose.tokens import (
    BOUNCE_PREFIX,
    RETURN_PATH,
    message_id_for_return,
    token_from_address,
    verify_message_id,
    verify_token,
)
from scheduler.errors import TokenError
from scheduler.faults import Checkpoint, no_checkpoint
from scheduler.inbound.limits import Limits, structure_problem
from scheduler.inbound.trust import dmarc_failure
from scheduler.replies import ParsedReply, ReplyKind, parse_reply
from scheduler.replies.mime import header_value, header_values
from scheduler.safety import printable

log = logging.getLogger("reflect.ingest")

MAX_ATTEMPTS = 3
COMMIT_EVERY = 100  # messages whose outcomes share one commit
TERMINAL = ("answer", "rsvp", "bounce", "auto_reply", "duplicate", "quarantined", "rejected")
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(<[^>\r\n]{1,500}>)", re.IGNORECASE | re.MULTILINE)
_QUOTED = r'"(?:[^"\\\r\n]|\\.)*"'
_STRICT_FROM = re.compile(
    rf"^\s*(?:(?:{_QUOTED}|[^\"<>@,;:\r\n]*)\s*<([^<>@\s\"(),;:]+@[^<>@\s\"(),;:]+)>"
    r"|([^<>@\s\"(),;:]+@[^<>@\s\"(),;:]+))\s*$"
)
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")


@dataclass(frozen=True)
class Stored:
    id: int
    duplicate: bool


def store_raw(
    archive: Archive,
    raw: bytes,
    *,
    source: str,
    ref: str | None,
    now: datetime,
    held: str | None = None,
    size: int | None = None,
    checkpoint: Checkpoint = no_checkpoint,
) -> Stored:
    """Commit the exact bytes; a second copy of the same bytes is recognised, not stored twice.

    ``held`` stores the message straight into quarantine with that reason, unread
    (one too large to read: ``raw`` is then its headers and ``size`` its whole size).
    """
    digest = hashlib.sha256(raw).hexdigest()
    head = raw[:65536].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    found = _MESSAGE_ID.search(head)
    message_id = found.group(1).decode("ascii", "replace") if found else None
    with archive.transaction() as conn:
        row = conn.execute("SELECT id FROM inbound WHERE sha256 = ?", (digest,)).fetchone()
        if row is not None:
            return Stored(int(row[0]), True)
        cursor = conn.execute(
            """INSERT INTO inbound (sha256, message_id, raw, size, source, source_ref, received_at,
               status, reason, from_address, subject) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            (digest, message_id, raw, len(raw) if size is None else size, source, ref,
             utc_text(now), "quarantined" if held else "pending", printable(held or "", 500),
             *(_sender_and_subject(raw) if held else (None, None))),
        )  # fmt: skip
        stored = Stored(int(cursor.lastrowid or 0), False)
    checkpoint("after_store_raw")
    return stored


def _sender_and_subject(raw: bytes) -> tuple[str | None, str]:
    head = headers_of(raw)
    sender, _problem = strict_sender(head)
    return (printable(sender) if sender else None), printable(
        header_value(head, "Subject") or "", 300
    )


@dataclass(frozen=True)
class MatchedPrompt:
    id: int
    kind: str
    member_id: int
    member_email: str
    body_text: str
    meeting_id: str | None = None
    occurrence: str | None = None  # UTC text, as the outbox keeps it


@dataclass(frozen=True)
class SentMessage:
    """One message in our outbox, as a reply or a delivery report names it."""

    id: int
    kind: str
    recipient: str
    member_id: int | None
    message_id: str


@dataclass(frozen=True)
class Proof:
    """What the headers prove: the question answered, or the message returned, or why not."""

    prompt: MatchedPrompt | None = None
    returned: SentMessage | None = None  # the message whose own return address this came to
    refused: str | None = None  # a token was there and failed: the reason to hold it
    why_none: str | None = None  # nothing proved, and what came closest


ANSWER_KINDS = {"handover": "handover", "getting_to_know_you": "introduction"}


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str
    member_id: int | None = None
    prompt_id: int | None = None
    text: str = ""  # an answer's words


class Reader:
    """Reads stored messages against the archive's prompts and members."""

    def __init__(self, archive: Archive, *, secret: bytes, reply_to: str, from_address: str,
                 meeting_for_uid: dict[str, str],
                 called_off: Collection[tuple[str, str]] = (),
                 trusted_authserv_id: str = "",
                 limits: Limits | None = None,
                 checkpoint: Checkpoint = no_checkpoint) -> None:  # fmt: skip
        self.archive = archive
        self.secret = secret
        self.reply_to = reply_to
        self.from_address = from_address.lower()
        self.meeting_for_uid = {k.lower(): v for k, v in meeting_for_uid.items()}
        self.called_off = frozenset(called_off)  # (meeting id, occurrence as UTC text)
        self.trusted_authserv_id = trusted_authserv_id
        self.limits = limits or Limits()
        self.checkpoint = checkpoint

    def process_pending(self, now: datetime, *, limit: int = 1000) -> dict[str, int]:
        counts: dict[str, int] = {}
        rows = self.archive.rows(
            "SELECT id, raw, message_id, sha256 FROM inbound WHERE status = 'pending' "
            "ORDER BY id LIMIT ?",
            (limit,),
        )
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
            outcome = self._failed_attempt(row["id"], exc)
        if outcome is None:
            return
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        level = logging.WARNING if outcome.status == "quarantined" else logging.INFO
        log.log(level, "ingested #%s: %s (%s)", row["id"], outcome.status, outcome.reason)

    def _failed_attempt(self, inbound_id: int, exc: Exception) -> Outcome | None:
        with self.archive.transaction() as conn:
            conn.execute("UPDATE inbound SET attempts = attempts + 1 WHERE id = ?", (inbound_id,))
            attempts = conn.execute(
                "SELECT attempts FROM inbound WHERE id = ?", (inbound_id,)
            ).fetchone()[0]
            if attempts < MAX_ATTEMPTS:
                log.warning("could not read #%s (try %s): %s", inbound_id, attempts, exc)
                return None
            reason = f"could not be read after {attempts} tries: {type(exc).__name__}: {exc}"
            conn.execute(
                "UPDATE inbound SET status = 'quarantined', reason = ? WHERE id = ?",
                (reason[:500], inbound_id),
            )
        return Outcome("quarantined", reason)

    # ------------------------------------------------------------------

    def read(
        self, inbound_id: int, raw: bytes, message_id: str | None, now: datetime
    ) -> Outcome | None:
        # Headers first, and only they: who sent it, and what proves it, before any
        # parser spends time on a body a stranger wrote.
        head = headers_of(raw)
        duplicate_of = self._same_message_id(inbound_id, message_id)
        sender, from_problem = strict_sender(head)
        subject = printable(header_value(head, "Subject") or "", 300)
        proof = self._proof(head)
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
            outcome = Outcome("quarantined", doubt, prompt_id=prompt.id if prompt else None)
        elif proof.refused is not None:
            # a token that fails is a reason to hold it, never a cue to try the thread instead
            outcome = Outcome("quarantined", proof.refused)
        elif head.get("X-Reflect-Kind") is not None or sender == self.from_address:
            outcome = Outcome("quarantined", "one of our own messages came back (a mail loop)")
        elif prompt is None and proof.returned is None and not self._is_member(sender):
            outcome = self._stranger(head)
        else:
            parsed = parse_reply(raw, prompt_text=prompt.body_text if prompt else None)
            outcome = self._decide(inbound_id, raw, parsed, proof, sender, from_problem, now)
            if outcome.status == "answer" and prompt is not None:
                outcome = self._withdrawn(prompt) or outcome

        with self.archive.transaction() as conn:
            if not _still_pending(conn, inbound_id):
                return None  # another tick running at the same time read it first
            if outcome.status == "answer" and prompt is not None:
                record_answer(conn, inbound_id, prompt.id, prompt.member_id, prompt.kind,
                              outcome.text, now)  # fmt: skip
            conn.execute(
                """UPDATE inbound SET status = ?, reason = ?, from_address = ?, subject = ?,
                   member_id = ?, prompt_id = ?, processed_at = ? WHERE id = ?""",
                (
                    outcome.status,
                    printable(outcome.reason, 500),
                    printable(sender) if sender else None,
                    subject,
                    outcome.member_id,
                    outcome.prompt_id,
                    utc_text(now),
                    inbound_id,
                ),
            )
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
            return self._bounce(raw, parsed, proof)
        if parsed.kind == ReplyKind.RSVP:
            return self._rsvp(inbound_id, parsed, sender, from_problem, now)
        if parsed.kind == ReplyKind.AUTO_REPLY:
            return Outcome("auto_reply", parsed.reason)
        if prompt is None:
            return Outcome(
                "quarantined",
                proof.why_none or "no valid reply token and not a reply to one of our messages",
            )
        if from_problem:
            return Outcome("quarantined", from_problem, prompt_id=prompt.id)
        if sender != prompt.member_email:
            return Outcome(
                "quarantined",
                f"sent from {sender}, but the question went to {prompt.member_email} (accept "
                "it only if it truly is theirs, written from another address)",
                prompt_id=prompt.id,
            )
        if parsed.kind == ReplyKind.EMPTY:
            return Outcome(
                "quarantined",
                f"no words of the member's own were found ({parsed.reason})",
                member_id=prompt.member_id,
                prompt_id=prompt.id,
            )
        return Outcome("answer", "answer recorded", prompt.member_id, prompt.id, parsed.text)

    def _stranger(self, head: EmailMessage) -> Outcome:
        """A message with no proof, from nobody we know: read no further than its headers."""
        if looks_like_delivery_report(head):
            return Outcome(
                "quarantined",
                "a delivery report that did not come back to one of our return addresses "
                "nor quote one of our messages, so it was not believed",
            )
        if (head.get("Auto-Submitted") or "no").strip().lower().startswith("auto-replied"):
            return Outcome("auto_reply", "an automatic reply from an address we do not know")
        return Outcome("quarantined", "no valid reply token and not a reply to one of our messages")

    def _withdrawn(self, prompt: MatchedPrompt) -> Outcome | None:
        """A reply to a question that no longer stands: its series removed, its meeting off."""
        if prompt.meeting_id is None:
            return None
        status = self.archive.scalar(
            "SELECT status FROM meetings WHERE id = ?", (prompt.meeting_id,)
        )
        if status == "removed":
            why = f"the meeting series {prompt.meeting_id!r} it asks about has been removed"
        elif (prompt.meeting_id, prompt.occurrence) in self.called_off:
            why = f"the {prompt.meeting_id!r} meeting it asks about was called off"
        else:
            return None
        return Outcome(
            "quarantined",
            f"a reply to a question that was withdrawn: {why}",
            member_id=prompt.member_id,
            prompt_id=prompt.id,
        )

    def _is_member(self, address: str | None) -> bool:
        if not address:
            return False
        return bool(self.archive.scalar("SELECT 1 FROM members WHERE email = ?", (address,)))

    def _same_message_id(self, inbound_id: int, message_id: str | None) -> int | None:
        if not message_id:
            return None
        row = self.archive.conn.execute(
            "SELECT id FROM inbound WHERE message_id = ? AND id < ? ORDER BY id LIMIT 1",
            (message_id, inbound_id),
        ).fetchone()
        return int(row[0]) if row else None

    # ------------------------------------------------------------ proof

    def _proof(self, head: EmailMessage) -> Proof:
        """What in the headers proves this message is about one message we sent.

        A signed reply token (to our Reply-To) or return token (to a message's own
        envelope sender) in a recipient header; failing both, a keyed Message-ID of
        ours in In-Reply-To or References. A token that is present but does not
        verify ends the search: it is the reason the message is held.
        """
        why_none: str | None = None
        for header in RECIPIENT_HEADERS:
            for value in header_values(head, header):
                for _name, address in getaddresses([value]):
                    token = token_from_address(address, self.reply_to)
                    if token is None:
                        continue
                    shown = printable(address, 120)
                    if token.startswith(BOUNCE_PREFIX):
                        try:
                            token_id = verify_token(
                                token[len(BOUNCE_PREFIX) :], self.secret, RETURN_PATH
                            )
                        except TokenError as exc:
                            return Proof(refused=f"return address {shown} refused: {exc}")
                        row = self._outbox_for_return(token_id)
                        if row is None:
                            why_none = f"return address {shown} is for no message we sent"
                            continue
                        return Proof(returned=row)
                    try:
                        token_id = verify_token(token, self.secret)
                    except TokenError as exc:
                        return Proof(refused=f"reply token in {shown} refused: {exc}")
                    found = self._prompt_where("o.token_id = ?", token_id)
                    if found is not None:
                        return Proof(prompt=found)
                    return Proof(refused=f"reply token in {shown} is for no question we sent")
        references = " ".join(
            str(header_value(head, h) or "") for h in ("In-Reply-To", "References")
        )
        for ref in reversed(re.findall(r"<[^<>\s]{1,300}>", references)):
            if not verify_message_id(ref, self.secret):
                continue  # not ours, or an old unkeyed one: proves nothing
            found = self._prompt_where("o.message_id = ?", ref)
            if found is not None:
                return Proof(prompt=found)
            row = self._outbox_where("message_id = ?", ref)
            if row is not None:
                why_none = f"a reply to our {row.kind.replace('_', ' ')} email, not to a question"
        return Proof(why_none=why_none)

    def _prompt_where(self, condition: str, value: str) -> MatchedPrompt | None:
        row = self.archive.one(
            f"""SELECT p.id, p.kind, p.member_id, m.email AS member_email, p.body_text,
                       p.meeting_id, p.occurrence
                FROM prompts p JOIN outbox o ON o.id = p.outbox_id
                JOIN members m ON m.id = p.member_id WHERE {condition}""",  # noqa: S608 - fixed conditions
            (value,),
        )
        return MatchedPrompt(**row) if row else None

    def _outbox_where(self, condition: str, *values: str) -> SentMessage | None:
        row = self.archive.one(
            f"""SELECT o.id, o.kind, o.recipient, o.member_id, o.message_id FROM outbox o
                WHERE {condition}""",  # noqa: S608 - fixed conditions
            values,
        )
        return SentMessage(**row) if row else None

    def _outbox_for_return(self, token_id: str) -> SentMessage | None:
        # the message whose return address this is has the Message-ID made from the same id
        local = message_id_for_return(token_id, self.secret)
        return self._outbox_where("message_id >= ? AND message_id < ?", *_prefix_range(local))

    # ------------------------------------------------------------ machine mail

    def _bounce(self, raw: bytes, parsed: ParsedReply, proof: Proof) -> Outcome:
        """Believe a delivery report only about a message of ours it proves it returns."""
        bounce = parsed.bounce
        permanent = bool(bounce and bounce.permanent)
        named = tuple(bounce.recipients) if bounce else ()
        if proof.returned is not None:
            failed = [proof.returned]  # it came back to that one message's own address
        else:
            quoted = [
                row
                for ref in dict.fromkeys(_QUOTED_MESSAGE_ID.findall(raw))
                if verify_message_id(ref.decode("ascii"), self.secret)
                and (row := self._outbox_where("message_id = ?", ref.decode("ascii")))
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
            with self.archive.transaction() as conn:
                for row in failed:
                    if row.member_id is not None:
                        conn.execute(
                            "UPDATE members SET address_failing = 1, failing_reason = ? "
                            "WHERE id = ?",
                            (why, row.member_id),
                        )
        state = "failing" if permanent else "delayed"
        return Outcome("bounce", f"{addresses}: {state}", member_id)

    def _rsvp(
        self,
        inbound_id: int,
        parsed: ParsedReply,
        sender: str | None,
        from_problem: str | None,
        now: datetime,
    ) -> Outcome:
        """Record a calendar reply only from the attendee themself, for an invitation they had."""
        if from_problem or not sender:
            return Outcome("quarantined", f"a calendar reply, but {from_problem}")
        recorded = 0
        member_id = None
        others: list[str] = []
        with self.archive.transaction() as conn:
            for rsvp in parsed.rsvps if _still_pending(conn, inbound_id) else ():
                meeting_id = self.meeting_for_uid.get(rsvp.uid.lower())
                if rsvp.attendee.lower() != sender:
                    others.append(rsvp.attendee)
                    continue
                row = conn.execute(
                    """SELECT m.id FROM members m JOIN invitations i ON i.member_id = m.id
                       WHERE m.email = ? AND i.meeting_id = ?""",
                    (sender, meeting_id),
                ).fetchone()
                if meeting_id is None or row is None:
                    continue
                member_id = int(row[0])
                conn.execute(
                    """INSERT INTO rsvps (inbound_id, member_id, meeting_id, recurrence_id, partstat,
                       received_at) VALUES (?,?,?,?,?,?)""",
                    (
                        inbound_id,
                        member_id,
                        meeting_id,
                        utc_text(rsvp.recurrence_id) if rsvp.recurrence_id else None,
                        rsvp.partstat.upper(),
                        utc_text(now),
                    ),
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


def record_answer(
    conn: sqlite3.Connection,
    inbound_id: int,
    prompt_id: int,
    member_id: int,
    prompt_kind: str,
    text: str,
    now: datetime,
) -> None:
    """File a member's answer to a prompt: the one way an answer enters the archive.

    A proved answer from the member also shows their address works again.
    """
    conn.execute(
        """INSERT INTO answers (inbound_id, prompt_id, member_id, kind, text, received_at)
           VALUES (?,?,?,?,?,?)""",
        (inbound_id, prompt_id, member_id, ANSWER_KINDS.get(prompt_kind, "answer"), text,
         utc_text(now)),
    )  # fmt: skip
    conn.execute("UPDATE prompts SET answered = 1 WHERE id = ?", (prompt_id,))
    conn.execute(
        "UPDATE members SET address_failing = 0, failing_reason = NULL WHERE id = ?",
        (member_id,),
    )


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


def _prefix_range(local: str) -> tuple[str, str]:
    # Message-IDs "<local@any.domain>": every one starting "<local@" sorts in [start, end)
    return f"<{local}@", f"<{local}A"  # "A" is the character after "@"


def headers_of(raw: bytes) -> EmailMessage:
    """The message's top-level headers alone, parsed without reading its body."""
    end = len(raw)
    for separator in (b"\r\n\r\n", b"\n\n"):
        found = raw.find(separator, 0, 256 * 1024)
        if found != -1:
            end = min(end, found + len(separator))
    head = BytesHeaderParser(policy=email.policy.default).parsebytes(raw[: min(end, 256 * 1024)])
    assert isinstance(head, EmailMessage)
    return head


_HEADERS = HeaderRegistry()
_FROM_HEADER = _HEADERS["from"]  # the registry builds this class afresh on every call


def _still_pending(conn: Any, inbound_id: int) -> bool:
    row = conn.execute("SELECT status FROM inbound WHERE id = ?", (inbound_id,)).fetchone()
    return row is not None and row[0] == "pending"


_FOLD = re.compile(r"\r?\n(?=[ \t])")


def strict_sender(msg: EmailMessage) -> tuple[str | None, str | None]:
    """(address, None) when From is exactly one well-formed address, else (best guess, problem).

    Python's address parser can be fooled (CVE-2023-27043: ``a@x <b@y>``), so the raw
    header must also pass a strict pattern; any defect means no proof.
    """
    values = [value for name, value in msg.raw_items() if name.lower() == "from"]
    if len(values) != 1:
        return None, f"{len(values)} From headers; an answer needs exactly one"
    # RFC 5322 folding (a line break before a space or tab) is not part of the value, and
    # clients fold long From headers; any other line break is left for the parser to refuse
    source = _FOLD.sub("", values[0])
    try:  # RFC 6532 allows UTF-8 in headers: read it as such, not as undecodable bytes
        source = source.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return None, "the From header is not valid UTF-8"
    try:
        header = _FROM_HEADER("from", source)
    except (ValueError, TypeError, IndexError) as exc:  # e.g. an encoded-word hiding CR LF
        return None, f"the From header cannot be read ({type(exc).__name__}: {exc})"[:300]
    raw = str(header)
    defects: tuple[object, ...] = tuple(getattr(header, "defects", ()))
    addresses: tuple[Any, ...] = tuple(getattr(header, "addresses", ()))
    if defects:
        return None, f"the From header is malformed ({defects[0].__class__.__name__})"
    if len(addresses) != 1:
        return None, f"From names {len(addresses)} addresses; an answer needs exactly one"
    address = str(addresses[0].addr_spec).lower()
    unfolded = re.sub(r"\r?\n[ \t]", " ", raw)
    match = _STRICT_FROM.match(_encoded_words_blanked(unfolded))
    if match is None or (match.group(1) or match.group(2) or "").lower() != address:
        return address, f"the From header {unfolded[:120]!r} is ambiguous"
    return address, None


def _encoded_words_blanked(value: str) -> str:
    return re.sub(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=", "x", value)
