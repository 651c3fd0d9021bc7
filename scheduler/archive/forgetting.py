"""Erasing from the archive: the writes that forget a member, and emptying raw
mail past its retention age.

What counts as a member's name or words, and how a message is cleaned of
them, is ``reports.privacy``'s to say: it hands this store the cleaning
functions. Here is only where the words are and how they are overwritten.
Erasing runs inside ``erasing()``: one transaction with ``secure_delete`` on,
and the write-ahead log checkpointed after it, so no copy lingers in free pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from scheduler.archive.database import Archive
from scheduler.clock import utc_text

# Cleans one raw message: the cleaned bytes, b"" if it cannot be cleaned, None if unchanged.
MessageCleaner = Callable[[bytes], bytes | None]
TextCleaner = Callable[[str], str]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class ForgetStore:
    """The writes behind ``forget_member`` and ``purge_raw_older_than``."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    @contextmanager
    def erasing(self) -> Iterator[None]:
        """One transaction whose deleted content is overwritten on disk, WAL included."""
        self.archive.conn.execute("PRAGMA secure_delete = ON")
        with self.archive.transaction():
            yield
        self.archive.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ------------------------------------------------------------ reading

    def answer_texts(self, member_id: int) -> list[str]:
        """Their answers' words, with what each said before a convenor corrected it."""
        return [
            str(row["text"])
            for row in self.archive.rows(
                "SELECT text FROM answers WHERE member_id = ? UNION ALL "
                "SELECT e.old_text FROM answer_edits e JOIN answers a ON a.id = e.answer_id "
                "WHERE a.member_id = ?",
                (member_id, member_id),
            )
        ]

    def columns(self, table: str) -> dict[str, str]:
        """A table's columns and their declared types, upper-cased."""
        return {
            row["name"]: (row["type"] or "").upper()
            for row in self.archive.rows(f"PRAGMA table_info({_quote(table)})")
        }

    def tables(self) -> list[str]:
        """Every table of ours (not SQLite's, not the migration log), by name."""
        return [
            row["name"]
            for row in self.archive.rows(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name != 'schema_migrations' ORDER BY name"
            )
        ]

    def their_inbound(self, member_id: int, email: str) -> list[int]:
        """Received messages that are theirs: matched to them, from their address,
        answering their prompt, or carrying their address anywhere in the raw bytes."""
        conn = self.archive.conn
        theirs = [
            int(row[0])
            for row in conn.execute(
                "SELECT id FROM inbound WHERE member_id = ? OR lower(from_address) = ? "
                "OR prompt_id IN (SELECT id FROM prompts WHERE member_id = ?)",
                (member_id, email, member_id),
            )
        ]
        email_bytes = email.encode().lower()
        for row in conn.execute("SELECT id, raw FROM inbound WHERE length(raw) > 0").fetchall():
            if email_bytes in bytes(row[1]).lower() and int(row[0]) not in theirs:
                theirs.append(int(row[0]))
        return theirs

    # ------------------------------------------------------------ forgetting

    def empty_answers(self, member_id: int) -> int:
        """Their answers' words erased, corrections included (the rows stay: they
        replied); how many."""
        conn = self.archive.conn
        conn.execute(
            "UPDATE answer_edits SET old_text = '', new_text = '' "
            "WHERE answer_id IN (SELECT id FROM answers WHERE member_id = ?)",
            (member_id,),
        )
        emptied = conn.execute(
            "UPDATE answers SET text = '' WHERE member_id = ?", (member_id,)
        ).rowcount
        if "forgotten" in self.columns("answers"):
            conn.execute("UPDATE answers SET forgotten = 1 WHERE member_id = ?", (member_id,))
        return int(emptied)

    def erase_inbound(self, inbound_ids: list[int], *, on: datetime) -> None:
        """These received messages' bytes and identifying fields erased, with a reason."""
        stamp = utc_text(on)
        for inbound_id in inbound_ids:
            self.archive.conn.execute(
                """UPDATE inbound SET raw = x'', sha256 = ?, message_id = NULL, source_ref = NULL,
                   from_address = NULL, subject = NULL,
                   reason = ? WHERE id = ?""",
                (f"forgotten:{inbound_id}", f"raw message erased on {stamp[:10]}: member "
                 "forgotten", inbound_id),
            )  # fmt: skip

    def scrub_inbound(self, clean: MessageCleaner) -> int:
        """Every other received message passed through ``clean``; how many changed."""
        rows = self.archive.conn.execute(
            "SELECT id, raw FROM inbound WHERE length(raw) > 0 AND sha256 NOT LIKE 'forgotten:%'"
        ).fetchall()
        return self._rewrite_raw("inbound", rows, clean)

    def erase_outbox(self, member_id: int, email: str, *, recipient: str) -> int:
        """Messages to them emptied, readdressed to ``recipient``, and cancelled if
        not yet sent; how many."""
        return int(
            self.archive.conn.execute(
                """UPDATE outbox SET raw = x'', subject = '(erased: member forgotten)',
                   recipient = ?, last_error = NULL,
                   status = CASE WHEN status IN ('queued', 'sending') THEN 'cancelled' ELSE status END
                   WHERE member_id = ? OR lower(recipient) = ?""",
                (recipient, member_id, email),
            ).rowcount
        )

    def scrub_outbox(self, clean: MessageCleaner, *, except_to: str) -> int:
        """Every other message in the outbox passed through ``clean``; how many changed."""
        rows = self.archive.conn.execute(
            "SELECT id, raw FROM outbox WHERE length(raw) > 0 AND recipient != ?", (except_to,)
        ).fetchall()
        return self._rewrite_raw("outbox", rows, clean)

    def _rewrite_raw(self, table: str, rows: list[tuple[int, bytes]], clean: MessageCleaner) -> int:
        changed = 0
        for row_id, raw in rows:
            cleaned = clean(bytes(raw))
            if cleaned is not None:
                self.archive.conn.execute(
                    f"UPDATE {_quote(table)} SET raw = ? WHERE id = ?",  # noqa: S608 - our table names
                    (cleaned, row_id),
                )
                changed += 1
        return changed

    def close_member(self, member_id: int, *, name: str, email: str, on: datetime) -> None:
        """Their prompts' bodies, invitations, event details and identity erased: the
        row stays, as ``name`` at ``email``, left, with nothing to send them."""
        conn = self.archive.conn
        stamp = utc_text(on)
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
               share_introduction = 0, preferred_name = '', address_failing = 0,
               failing_reason = NULL,
               updated_at = ? WHERE id = ?""",
            (name, email, stamp, member_id),
        )
        if "forgotten_at" in self.columns("members"):
            conn.execute("UPDATE members SET forgotten_at = ? WHERE id = ?", (stamp, member_id))

    def scrub_text_columns(self, clean: TextCleaner, *, skip: tuple[str, ...] = ()) -> int:
        """Every text value in every table but ``skip`` passed through ``clean``;
        how many changed."""
        conn = self.archive.conn
        changed = 0
        for table in self.tables():
            if table in skip:
                continue
            columns = [c for c, kind in self.columns(table).items() if "BLOB" not in kind]
            for column in columns:
                rows = conn.execute(
                    f"SELECT rowid, {_quote(column)} FROM {_quote(table)} "  # noqa: S608 - names from the schema
                    f"WHERE typeof({_quote(column)}) = 'text'"
                ).fetchall()
                for rowid, value in rows:
                    cleaned = clean(value)
                    if cleaned != value:
                        conn.execute(
                            f"UPDATE {_quote(table)} SET {_quote(column)} = ? WHERE rowid = ?",  # noqa: S608
                            (cleaned, rowid),
                        )
                        changed += 1
        return changed

    # ------------------------------------------------------------ retention

    def empty_raw_before(self, cutoff: datetime, *, keep: tuple[str, ...], note: str) -> int:
        """Raw messages older than ``cutoff`` emptied, received and sent; how many.

        A received message in one of the ``keep`` statuses keeps its bytes, and
        each emptied one has ``note`` added to its reason. Sent messages are
        emptied once finished with (sent, failed or cancelled).
        """
        limit = utc_text(cutoff)
        with self.erasing():
            conn = self.archive.conn
            inbound = conn.execute(
                f"""UPDATE inbound SET raw = x'', reason = substr(reason || ?, 1, 500)
                   WHERE received_at < ? AND length(raw) > 0
                     AND status NOT IN ({", ".join("?" * len(keep))})""",  # noqa: S608 - placeholders
                (note, limit, *keep),
            ).rowcount
            outbox = conn.execute(
                """UPDATE outbox SET raw = x''
                   WHERE status IN ('sent', 'failed', 'cancelled') AND length(raw) > 0
                     AND coalesce(sent_at, created_at) < ?""",
                (limit,),
            ).rowcount
        return int(inbound) + int(outbox)
