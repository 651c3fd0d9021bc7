"""Data protection: forget a member, tell a member what is held, and keep raw mail no longer than needed.

``forget_member`` erases one member's words and identity from every table
while keeping the counts (they were asked, they replied): their answers
become empty, their raw messages (sent and received) are emptied, their row
becomes "forgotten member #id", and wherever their name, address or a line of
their answers appears in another row (another member's answer, a digest in
the outbox) it is replaced. Deleted content is overwritten on disk
(``secure_delete``) and the write-ahead log is checkpointed, so the words do
not linger in free pages either.

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

from scheduler.archive.database import Archive, utc_text
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


def _columns(archive: Archive, table: str) -> dict[str, str]:
    return {
        row["name"]: (row["type"] or "").upper()
        for row in archive.rows(f"PRAGMA table_info({_quote(table)})")
    }


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(archive: Archive) -> list[str]:
    return [
        row["name"]
        for row in archive.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'schema_migrations' ORDER BY name"
        )
    ]


def _find_member(archive: Archive, address: str) -> dict[str, Any]:
    member = archive.one("SELECT * FROM members WHERE email = ?", (address.strip().lower(),))
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
    texts = [
        str(row["text"])
        for row in archive.rows("SELECT text FROM answers WHERE member_id = ?", (member_id,))
    ]
    needles = _Needles(
        identity=(str(member["name"]), email_address), words=tuple(_word_lines(texts))
    )
    stamp = utc_text(now)
    gone = forgotten_address(member_id)
    email_bytes = email_address.encode().lower()

    archive.conn.execute("PRAGMA secure_delete = ON")
    scrubbed = 0
    with archive.transaction() as conn:
        answers = conn.execute(
            "UPDATE answers SET text = '' WHERE member_id = ?", (member_id,)
        ).rowcount
        if "forgotten" in _columns(archive, "answers"):
            conn.execute("UPDATE answers SET forgotten = 1 WHERE member_id = ?", (member_id,))

        theirs = [
            int(row[0])
            for row in conn.execute(
                "SELECT id FROM inbound WHERE member_id = ? OR lower(from_address) = ? "
                "OR prompt_id IN (SELECT id FROM prompts WHERE member_id = ?)",
                (member_id, email_address, member_id),
            )
        ]
        for row in conn.execute("SELECT id, raw FROM inbound WHERE length(raw) > 0").fetchall():
            if email_bytes in bytes(row[1]).lower() and int(row[0]) not in theirs:
                theirs.append(int(row[0]))
        for inbound_id in theirs:
            conn.execute(
                """UPDATE inbound SET raw = x'', sha256 = ?, message_id = NULL, source_ref = NULL,
                   from_address = NULL, subject = NULL,
                   reason = ? WHERE id = ?""",
                (f"forgotten:{inbound_id}", f"raw message erased on {stamp[:10]}: member "
                 "forgotten", inbound_id),
            )  # fmt: skip

        for row in conn.execute(
            "SELECT id, raw FROM inbound WHERE length(raw) > 0 AND sha256 NOT LIKE 'forgotten:%'"
        ).fetchall():
            cleaned = _scrub_message(bytes(row[1]), needles)
            if cleaned is not None:
                conn.execute("UPDATE inbound SET raw = ? WHERE id = ?", (cleaned, row[0]))
                scrubbed += 1

        outbox = conn.execute(
            """UPDATE outbox SET raw = x'', subject = '(erased: member forgotten)',
               recipient = ?, last_error = NULL,
               status = CASE WHEN status IN ('queued', 'sending') THEN 'cancelled' ELSE status END
               WHERE member_id = ? OR lower(recipient) = ?""",
            (gone, member_id, email_address),
        ).rowcount
        for row in conn.execute(
            "SELECT id, raw FROM outbox WHERE length(raw) > 0 AND recipient != ?", (gone,)
        ).fetchall():
            cleaned = _scrub_message(bytes(row[1]), needles)
            if cleaned is not None:
                conn.execute("UPDATE outbox SET raw = ? WHERE id = ?", (cleaned, row[0]))
                scrubbed += 1

        conn.execute(
            "UPDATE prompts SET body_text = '', reminded = 1 WHERE member_id = ?", (member_id,)
        )
        conn.execute(
            "UPDATE invitations SET status = 'cancelled', updated_at = ? WHERE member_id = ?",
            (stamp, member_id),
        )
        conn.execute("UPDATE membership_events SET detail = '' WHERE member_id = ?", (member_id,))
        conn.execute(
            """UPDATE members SET name = ?, email = ?, role = '', status = 'left', left_on = NULL,
               share_introduction = 0, address_failing = 0, failing_reason = NULL,
               updated_at = ? WHERE id = ?""",
            (f"forgotten member #{member_id}", gone, stamp, member_id),
        )
        if "forgotten_at" in _columns(archive, "members"):
            conn.execute("UPDATE members SET forgotten_at = ? WHERE id = ?", (stamp, member_id))

        scrubbed += _scrub_text_columns(archive, needles)
    archive.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return ForgetReport(member_id, answers, len(theirs), outbox, scrubbed)


def _scrub_text_columns(archive: Archive, needles: _Needles) -> int:
    """Their name, address and words wherever else they appear as text (e.g. quoted by others)."""
    changed = 0
    for table in _tables(archive):
        if table == "members":
            continue  # their own row is rewritten; another member may share the name
        columns = [c for c, kind in _columns(archive, table).items() if "BLOB" not in kind]
        for column in columns:
            rows = archive.conn.execute(
                f"SELECT rowid, {_quote(column)} FROM {_quote(table)} "  # noqa: S608 - names from the schema
                f"WHERE typeof({_quote(column)}) = 'text'"
            ).fetchall()
            for rowid, value in rows:
                cleaned = needles.scrub(value)
                if cleaned != value:
                    archive.conn.execute(
                        f"UPDATE {_quote(table)} SET {_quote(column)} = ? WHERE rowid = ?",  # noqa: S608
                        (cleaned, rowid),
                    )
                    changed += 1
    return changed


# ---------------------------------------------------------------- subject access


def _text(raw: object) -> str:
    return bytes(raw).decode("utf-8", "replace") if isinstance(raw, bytes | memoryview) else ""


def member_record(archive: Archive, address: str) -> dict[str, Any]:
    """Everything the archive holds about one member, as plain JSON-ready data."""
    member = _find_member(archive, address)
    member_id = member["id"]
    outbox = [
        {**{k: v for k, v in row.items() if k != "raw"}, "message": _text(row["raw"])}
        for row in archive.rows(
            """SELECT id, kind, recipient, meeting_id, occurrence, question_id, subject, status,
                      sent_at, created_at, raw FROM outbox WHERE member_id = ? ORDER BY id""",
            (member_id,),
        )
    ]
    inbound = [
        {**{k: v for k, v in row.items() if k != "raw"}, "message": _text(row["raw"])}
        for row in archive.rows(
            """SELECT id, received_at, from_address, subject, status, reason, raw FROM inbound
               WHERE member_id = ? OR lower(from_address) = ?
                  OR prompt_id IN (SELECT id FROM prompts WHERE member_id = ?) ORDER BY id""",
            (member_id, member["email"], member_id),
        )
    ]
    return {
        "member": member,
        "membership_events": archive.rows(
            "SELECT kind, on_date, detail, recorded_at FROM membership_events "
            "WHERE member_id = ? ORDER BY id",
            (member_id,),
        ),
        "answers": archive.rows(
            """SELECT a.received_at, a.kind, p.question_id, p.question_text AS question,
                      p.meeting_id, p.occurrence, a.text
               FROM answers a JOIN prompts p ON p.id = a.prompt_id
               WHERE a.member_id = ? ORDER BY a.received_at, a.id""",
            (member_id,),
        ),
        "questions_sent": archive.rows(
            """SELECT p.kind, p.meeting_id, p.occurrence, p.question_id, p.question_text,
                      p.body_text, p.answered, p.reminded
               FROM prompts p WHERE p.member_id = ? ORDER BY p.id""",
            (member_id,),
        ),
        "calendar_invitations": archive.rows(
            "SELECT meeting_id, sequence, status, updated_at FROM invitations WHERE member_id = ?",
            (member_id,),
        ),
        "calendar_replies": archive.rows(
            "SELECT meeting_id, recurrence_id, partstat, received_at FROM rsvps "
            "WHERE member_id = ? ORDER BY id",
            (member_id,),
        ),
        "messages_sent_to_them": outbox,
        "messages_received_from_them": inbound,
    }


# ---------------------------------------------------------------- retention


def purge_raw_older_than(archive: Archive, cutoff: datetime) -> int:
    """Empty raw messages (received and sent) older than ``cutoff``; answers stay.

    A received message still waiting to be read or held in quarantine keeps
    its bytes: the convenor may yet need them. Returns how many were emptied.
    """
    limit = utc_text(cutoff)
    note = " (raw message deleted after the retention period)"
    archive.conn.execute("PRAGMA secure_delete = ON")
    with archive.transaction() as conn:
        inbound = conn.execute(
            f"""UPDATE inbound SET raw = x'', reason = substr(reason || ?, 1, 500)
               WHERE received_at < ? AND length(raw) > 0
                 AND status NOT IN ({", ".join("?" * len(_KEEP_RAW))})""",  # noqa: S608 - placeholders
            (note, limit, *_KEEP_RAW),
        ).rowcount
        outbox = conn.execute(
            """UPDATE outbox SET raw = x''
               WHERE status IN ('sent', 'failed', 'cancelled') AND length(raw) > 0
                 AND coalesce(sent_at, created_at) < ?""",
            (limit,),
        ).rowcount
    archive.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return int(inbound) + int(outbox)
