"""The SQL behind the convenor's inbox: replies forwarded to them, and their commands.

``scheduler/inbound/forwarding.py`` and ``convenor_commands.py`` decide; this store
counts what was forwarded (for the caps), says what a reply replied to, and queues
the one message a reading sends (a forward, a command's confirmation) as an outbox
row, inside the reader's transaction, so the reply's state and the message it causes
commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduler.archive.database import Archive, utc_text
from scheduler.archive.outbox_store import Rendered

FORWARDED = "forwarded"  # the inbound status of a reply passed on to the convenor
COMMAND = "command"  # the inbound status of the convenor's command by reply


@dataclass(frozen=True)
class OurMessage:
    """One message of ours, as a reply to it names it: what it was, to whom, and when."""

    id: int
    key: str
    kind: str
    recipient: str
    subject: str
    sent_at: datetime  # when it went (when it was queued, if it has not gone yet)
    raw: bytes


class ConvenorStore:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def our_message(self, outbox_id: int) -> OurMessage | None:
        row = self.archive.one(
            "SELECT id, key, kind, recipient, subject, coalesce(sent_at, created_at) AS at, raw "
            "FROM outbox WHERE id = ?",
            (outbox_id,),
        )
        if row is None:
            return None
        return OurMessage(
            id=int(row["id"]),
            key=str(row["key"]),
            kind=str(row["kind"]),
            recipient=str(row["recipient"]),
            subject=str(row["subject"] or ""),
            sent_at=datetime.fromisoformat(row["at"]),
            raw=bytes(row["raw"] or b""),
        )

    def forwarded_from(self, sender: str, since: datetime) -> int:
        """How many replies from ``sender`` were forwarded since ``since``."""
        return int(
            self.archive.scalar(
                "SELECT count(*) FROM inbound WHERE status = ? AND from_address = ? "
                "AND processed_at >= ?",
                (FORWARDED, sender, utc_text(since)),
            )
        )

    def forwarded_from_strangers(self, since: datetime) -> int:
        """How many replies from addresses that are no member's were forwarded since then."""
        return int(
            self.archive.scalar(
                "SELECT count(*) FROM inbound WHERE status = ? AND member_id IS NULL "
                "AND processed_at >= ?",
                (FORWARDED, utc_text(since)),
            )
        )

    def forwarded_since(self, since: datetime) -> list[dict[str, Any]]:
        """Replies forwarded to the convenor since ``since``, newest first."""
        return self.archive.rows(
            "SELECT id, from_address, subject, processed_at FROM inbound "
            "WHERE status = ? AND processed_at >= ? ORDER BY id DESC",
            (FORWARDED, utc_text(since)),
        )

    def queue(self, message: Rendered, now: datetime) -> bool:
        """Queue one message, due now; False when its key was queued before. Inside the
        caller's transaction."""
        stamp = utc_text(now)
        cursor = self.archive.conn.execute(
            """INSERT OR IGNORE INTO outbox (key, kind, recipient, message_id, subject, raw,
               status, due_at, next_attempt_at, created_at)
               VALUES (?,?,?,?,?,?,'queued',?,?,?)""",
            (message.key, message.kind, message.recipient, message.message_id,
             message.subject, message.raw, stamp, stamp, stamp),
        )  # fmt: skip
        return cursor.rowcount == 1
