"""The ``inbound`` table's SQL: mail in our custody, and the one state each ends in.

``scheduler/inbound/`` decides (what proves a message, what state it ends in);
this store keeps the rows. Methods that say "inside the caller's transaction"
are steps of a transaction the reader holds (``Archive.transaction``), so that
a message's outcome and what it records commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduler.archive.database import Archive, utc_text
from scheduler.vocabulary import InboundStatus


@dataclass(frozen=True)
class Stored:
    id: int
    duplicate: bool


class InboundStore:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def store_raw(
        self,
        raw: bytes,
        *,
        digest: str,
        message_id: str | None,
        size: int,
        source: str,
        ref: str | None,
        now: datetime,
        held: str | None,
        from_address: str | None,
        subject: str | None,
    ) -> Stored:
        """Commit the exact bytes, ``pending`` (or ``quarantined`` with ``held`` as reason).

        A second copy of the same bytes (same ``digest``) is found, not stored twice.
        """
        with self.archive.transaction() as conn:
            row = conn.execute("SELECT id FROM inbound WHERE sha256 = ?", (digest,)).fetchone()
            if row is not None:
                return Stored(int(row[0]), True)
            cursor = conn.execute(
                """INSERT INTO inbound (sha256, message_id, raw, size, source, source_ref,
                   received_at, status, reason, from_address, subject)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
                (digest, message_id, raw, size, source, ref, utc_text(now),
                 "quarantined" if held else "pending", held or "", from_address, subject),
            )  # fmt: skip
            return Stored(int(cursor.lastrowid or 0), False)

    def pending(self, limit: int) -> list[dict[str, Any]]:
        """Messages stored and not yet read, oldest first: id, raw, message_id, sha256."""
        return self.archive.rows(
            "SELECT id, raw, message_id, sha256 FROM inbound WHERE status = 'pending' "
            "ORDER BY id LIMIT ?",
            (limit,),
        )

    def same_message_id(self, inbound_id: int, message_id: str) -> int | None:
        """The first message stored before this one with the same Message-ID, if any."""
        row = self.archive.conn.execute(
            "SELECT id FROM inbound WHERE message_id = ? AND id < ? ORDER BY id LIMIT 1",
            (message_id, inbound_id),
        ).fetchone()
        return int(row[0]) if row else None

    def still_pending(self, inbound_id: int) -> bool:
        row = self.archive.conn.execute(
            "SELECT status FROM inbound WHERE id = ?", (inbound_id,)
        ).fetchone()
        return row is not None and row[0] == InboundStatus.PENDING

    def add_attempt(self, inbound_id: int) -> int:
        """Count one failed reading; returns the count. Inside the caller's transaction."""
        conn = self.archive.conn
        conn.execute("UPDATE inbound SET attempts = attempts + 1 WHERE id = ?", (inbound_id,))
        return int(
            conn.execute("SELECT attempts FROM inbound WHERE id = ?", (inbound_id,)).fetchone()[0]
        )

    def quarantine(self, inbound_id: int, reason: str, now: datetime) -> None:
        """Hold a message with ``reason``, as of ``now`` (so the next notice lists it).
        Inside the caller's transaction."""
        self.archive.conn.execute(
            "UPDATE inbound SET status = 'quarantined', reason = ?, processed_at = ? WHERE id = ?",
            (reason, utc_text(now), inbound_id),
        )

    def set_outcome(
        self,
        inbound_id: int,
        *,
        status: str,
        reason: str,
        from_address: str | None,
        subject: str,
        member_id: int | None,
        prompt_id: int | None,
        now: datetime,
    ) -> None:
        """The state a reading ended in. Inside the caller's transaction."""
        self.archive.conn.execute(
            """UPDATE inbound SET status = ?, reason = ?, from_address = ?, subject = ?,
               member_id = ?, prompt_id = ?, processed_at = ? WHERE id = ?""",
            (status, reason, from_address, subject, member_id, prompt_id, utc_text(now),
             inbound_id),
        )  # fmt: skip

    def message(self, inbound_id: int) -> dict[str, Any] | None:
        """Every column of one stored message."""
        return self.archive.one("SELECT * FROM inbound WHERE id = ?", (inbound_id,))

    def mark_accepted(self, inbound_id: int, reason: str) -> None:
        """A held message taken as an answer. Inside the caller's transaction."""
        self.archive.conn.execute(
            "UPDATE inbound SET status = 'answer', reason = ? WHERE id = ?",
            (reason, inbound_id),
        )

    def mark_decided(
        self, inbound_id: int, status: str, reason: str, member_id: int | None
    ) -> None:
        """A held message recorded as ``status`` by the convenor. Inside the caller's
        transaction."""
        self.archive.conn.execute(
            "UPDATE inbound SET status = ?, reason = ?, member_id = coalesce(?, member_id) "
            "WHERE id = ?",
            (status, reason, member_id, inbound_id),
        )

    def held(self) -> list[dict[str, Any]]:
        """Every message held back, oldest first: id, raw, reason, prompt_id."""
        return self.archive.rows(
            "SELECT id, raw, reason, prompt_id FROM inbound WHERE status = 'quarantined' "
            "ORDER BY id"
        )

    def mark_rejected(self, inbound_id: int, reason: str, now: datetime) -> None:
        with self.archive.transaction() as conn:
            conn.execute(
                "UPDATE inbound SET status = 'rejected', reason = ?, processed_at = ? WHERE id = ?",
                (reason, utc_text(now), inbound_id),
            )
