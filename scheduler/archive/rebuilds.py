"""Applying one migration, and the migrations that rebuild a table others refer to.

SQLite cannot drop a column's UNIQUE: the table is made again under a new name, filled,
the old one dropped and the new one renamed. Other tables' references to it (answers
and inbound refer to ``prompts``) are by name, so they hold once the rename is done,
but only with foreign keys off while it happens (SQLite's own recipe); the pragma
cannot change inside a transaction, so it is set around it, and every reference is
checked before the migration commits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scheduler.clock import utc_text
from scheduler.errors import ArchiveError

if TYPE_CHECKING:
    from scheduler.archive.database import Archive

# the governance checklist as one email of numbered parts: one outbox row carries a
# prompt row per area (answers are still filed by area), so prompts.outbox_id is no
# longer UNIQUE
PROMPTS_CARRIED = (
    "0015-one-email-carries-several-prompts",
    """
        CREATE TABLE prompts_new (
            id INTEGER PRIMARY KEY, outbox_id INTEGER NOT NULL REFERENCES outbox(id),
            member_id INTEGER NOT NULL REFERENCES members(id), kind TEXT NOT NULL,
            meeting_id TEXT, occurrence TEXT, question_id TEXT NOT NULL,
            question_text TEXT NOT NULL, body_text TEXT NOT NULL,
            answered INTEGER NOT NULL DEFAULT 0, reminded INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO prompts_new SELECT * FROM prompts;  -- the same columns, in order
        DROP TABLE prompts; ALTER TABLE prompts_new RENAME TO prompts;
        CREATE INDEX prompts_open ON prompts(answered, reminded); CREATE INDEX prompts_outbox ON prompts(outbox_id);
    """,
)
REBUILDS = frozenset({PROMPTS_CARRIED[0]})


def apply_migration(archive: Archive, name: str, sql: str) -> None:
    """One migration in one transaction, recorded in ``schema_migrations``."""
    archive.conn.execute(f"PRAGMA foreign_keys = {'OFF' if name in REBUILDS else 'ON'}")
    try:
        with archive.transaction() as conn:
            for statement in sql.split(";"):
                if statement.strip():
                    conn.execute(statement)
            if name in REBUILDS and conn.execute("PRAGMA foreign_key_check").fetchone():
                raise ArchiveError(f"{archive.path}: migration {name} broke a reference.")
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?)", (name, utc_text(datetime.now(UTC)))
            )
    finally:
        archive.conn.execute("PRAGMA foreign_keys = ON")
