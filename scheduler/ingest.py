"""Inbound mail: custody first, then reading, then exactly one recorded state.

``store_raw`` commits a message's exact bytes before anyone is told we have
it (the IMAP move, the Maildir move, the pipe's exit 0). ``process_pending``
then reads each stored message and ends it in one state: ``answer``, ``rsvp``,
``bounce``, ``auto_reply``, ``duplicate`` or ``quarantined`` with a reason.
An answer is recorded only with proof: a reply token that verifies for that
prompt, exactly one well-formed From address, and that address the member's.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from .archive import Archive, utc_text
from .errors import TokenError
from .faults import crash_point
from .replies import ParsedReply, ReplyKind, message_from_raw, parse_reply
from .replies.mime import header_value, header_values
from .tokens import token_from_address, verify_token

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
    archive: Archive, raw: bytes, *, source: str, ref: str | None, now: datetime
) -> Stored:
    """Commit the exact bytes; a second copy of the same bytes is recognised, not stored twice."""
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
               status) VALUES (?,?,?,?,?,?,?,'pending')""",
            (digest, message_id, raw, len(raw), source, ref, utc_text(now)),
        )
        stored = Stored(int(cursor.lastrowid or 0), False)
    crash_point("after_store_raw")
    return stored


@dataclass(frozen=True)
class MatchedPrompt:
    id: int
    kind: str
    member_id: int
    member_email: str
    body_text: str


ANSWER_KINDS = {"handover": "handover", "getting_to_know_you": "introduction"}


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str
    member_id: int | None = None
    prompt_id: int | None = None


class Reader:
    """Reads stored messages against the archive's prompts and members."""

    def __init__(self, archive: Archive, *, secret: bytes, reply_to: str, from_address: str,
                 meeting_for_uid: dict[str, str]) -> None:  # fmt: skip
        self.archive = archive
        self.secret = secret
        self.reply_to = reply_to
        self.from_address = from_address.lower()
        self.meeting_for_uid = {k.lower(): v for k, v in meeting_for_uid.items()}

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
        msg = message_from_raw(raw)
        duplicate_of = self._same_message_id(inbound_id, message_id)
        sender, from_problem = strict_sender(msg)
        subject = str(header_value(msg, "Subject") or "")[:300]
        prompt, token_error = self._prompt_for(msg)
        parsed = parse_reply(raw, prompt_text=prompt.body_text if prompt else None)
        crash_point("after_parse")

        if duplicate_of is not None:
            outcome = Outcome(
                "quarantined",
                f"same Message-ID as message #{duplicate_of} but different content (a replay?)",
            )
        elif parsed.kind == ReplyKind.BOUNCE:
            outcome = self._bounce(parsed, now)
        elif parsed.kind == ReplyKind.RSVP:
            outcome = self._rsvp(inbound_id, parsed, sender, now)
        elif parsed.kind == ReplyKind.AUTO_REPLY:
            outcome = Outcome("auto_reply", parsed.reason)
        elif msg.get("X-Reflect-Kind") is not None or sender == self.from_address:
            outcome = Outcome("quarantined", "one of our own messages came back (a mail loop)")
        elif prompt is None:
            outcome = Outcome(
                "quarantined",
                token_error or "no valid reply token and not a reply to one of our messages",
            )
        elif from_problem:
            outcome = Outcome("quarantined", from_problem, prompt_id=prompt.id)
        elif sender != prompt.member_email:
            outcome = Outcome(
                "quarantined",
                f"sent from {sender}, but the question went to {prompt.member_email} (accept "
                "it only if it truly is theirs, written from another address)",
                prompt_id=prompt.id,
            )
        elif parsed.kind == ReplyKind.EMPTY:
            outcome = Outcome(
                "quarantined",
                f"no words of the member's own were found ({parsed.reason})",
                member_id=prompt.member_id,
                prompt_id=prompt.id,
            )
        else:
            outcome = Outcome("answer", "answer recorded", prompt.member_id, prompt.id)

        with self.archive.transaction() as conn:
            if not _still_pending(conn, inbound_id):
                return None  # another tick running at the same time read it first
            if outcome.status == "answer" and prompt is not None:
                kind = ANSWER_KINDS.get(prompt.kind, "answer")
                conn.execute(
                    """INSERT INTO answers (inbound_id, prompt_id, member_id, kind, text, received_at)
                       VALUES (?,?,?,?,?,?)""",
                    (
                        inbound_id,
                        prompt.id,
                        prompt.member_id,
                        kind,
                        parsed.text,
                        utc_text(now),
                    ),
                )
                conn.execute("UPDATE prompts SET answered = 1 WHERE id = ?", (prompt.id,))
            conn.execute(
                """UPDATE inbound SET status = ?, reason = ?, from_address = ?, subject = ?,
                   member_id = ?, prompt_id = ?, processed_at = ? WHERE id = ?""",
                (
                    outcome.status,
                    outcome.reason[:500],
                    sender,
                    subject,
                    outcome.member_id,
                    outcome.prompt_id,
                    utc_text(now),
                    inbound_id,
                ),
            )
        return outcome

    def _same_message_id(self, inbound_id: int, message_id: str | None) -> int | None:
        if not message_id:
            return None
        row = self.archive.conn.execute(
            "SELECT id FROM inbound WHERE message_id = ? AND id < ? ORDER BY id LIMIT 1",
            (message_id, inbound_id),
        ).fetchone()
        return int(row[0]) if row else None

    def _prompt_for(self, msg: EmailMessage) -> tuple[MatchedPrompt | None, str | None]:
        """The prompt this message answers, by signed token, else by thread headers.

        The second item says why a token that was present was refused.
        """
        token_error: str | None = None
        for header in RECIPIENT_HEADERS:
            for value in header_values(msg, header):
                for _name, address in getaddresses([value]):
                    token = token_from_address(address, self.reply_to)
                    if token is None:
                        continue
                    try:
                        token_id = verify_token(token, self.secret)
                    except TokenError as exc:
                        token_error = f"reply token in {address} refused: {exc}"
                        continue
                    found = self._prompt_where("o.token_id = ?", token_id)
                    if found is not None:
                        return found, None
                    token_error = f"reply token in {address} is for no prompt we sent"
        references = " ".join(
            str(header_value(msg, h) or "") for h in ("In-Reply-To", "References")
        )
        for ref in re.findall(r"<[^<>\s]{1,300}>", references):
            found = self._prompt_where("o.message_id = ?", ref)
            if found is not None:
                return found, None
        return None, token_error

    def _prompt_where(self, condition: str, value: str) -> MatchedPrompt | None:
        row = self.archive.one(
            f"""SELECT p.id, p.kind, p.member_id, m.email AS member_email, p.body_text
                FROM prompts p JOIN outbox o ON o.id = p.outbox_id
                JOIN members m ON m.id = p.member_id WHERE {condition}""",  # noqa: S608 - fixed conditions
            (value,),
        )
        return MatchedPrompt(**row) if row else None

    def _bounce(self, parsed: ParsedReply, now: datetime) -> Outcome:
        bounce = parsed.bounce
        if bounce is None or not bounce.recipients:
            return Outcome("bounce", parsed.reason or "delivery report with no recipient")
        member_id = None
        if bounce.permanent:
            with self.archive.transaction() as conn:
                for address in bounce.recipients:
                    row = conn.execute(
                        "SELECT id FROM members WHERE email = ?", (address.lower(),)
                    ).fetchone()
                    if row is None:
                        continue
                    member_id = int(row[0])
                    conn.execute(
                        "UPDATE members SET address_failing = 1, failing_reason = ? WHERE id = ?",
                        (
                            f"{bounce.status or ''} {bounce.diagnostic or ''}".strip()[:300],
                            member_id,
                        ),
                    )
        state = "failing" if bounce.permanent else "delayed"
        return Outcome("bounce", f"{', '.join(bounce.recipients)}: {state}", member_id)

    def _rsvp(
        self, inbound_id: int, parsed: ParsedReply, sender: str | None, now: datetime
    ) -> Outcome:
        recorded = 0
        member_id = None
        with self.archive.transaction() as conn:
            for rsvp in parsed.rsvps if _still_pending(conn, inbound_id) else ():
                meeting_id = self.meeting_for_uid.get(rsvp.uid.lower())
                row = conn.execute(
                    "SELECT id FROM members WHERE email = ?", (rsvp.attendee.lower(),)
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
            return Outcome("quarantined", "calendar reply for no meeting or member we know")
        return Outcome("rsvp", f"{recorded} calendar reply recorded", member_id)


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
