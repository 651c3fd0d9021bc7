"""The SQLite archive: members, meetings, outbox, prompts, inbound mail and answers.

Opened through sqlite-utils in WAL mode with a busy timeout. The schema moves
forward through named migrations recorded in ``schema_migrations``; a newer
archive than this code knows is refused rather than damaged. Every write is a
short transaction; claiming outbox rows uses ``BEGIN IMMEDIATE`` so that two
ticks at once cannot both take the same message.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from scheduler.archive.migrations import MIGRATIONS
from scheduler.archive.rebuilds import apply_migration
from scheduler.clock import utc_text
from scheduler.errors import ArchiveError

__all__ = ["MIGRATIONS", "Archive", "from_utc_text", "utc_text"]  # utc_text lives with the clock


def from_utc_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _create_private(path: Path) -> None:
    """Make a new archive file 0600 in a 0700 folder, whatever the umask.

    SQLite gives the ``-wal`` and ``-shm`` files the database file's mode, so they
    follow. An archive that is already there keeps the mode it has.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot create the archive ({exc.strerror}).") from exc


class Archive:
    """The partnership's SQLite file."""

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 10_000) -> None:
        self.path = Path(path)
        self._savepoints = 0
        if str(path) != ":memory:":
            _create_private(self.path)
        try:
            conn = sqlite3.connect(str(path), isolation_level=None, timeout=busy_timeout_ms / 1000)
            self.db = sqlite_utils.Database(conn)
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if str(path) != ":memory:":
                self.db.enable_wal()
            self.migrate()
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{path}: cannot open the archive ({exc}).") from exc

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        self.conn.close()

    def migrate(self) -> list[str]:
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        done = {row[0] for row in self.conn.execute("SELECT name FROM schema_migrations")}
        known = {name for name, _ in MIGRATIONS}
        unknown = done - known
        if unknown:
            raise ArchiveError(
                f"{self.path} was written by a newer version (migrations {sorted(unknown)}); "
                "upgrade reflection scheduler before using it."
            )
        applied = []
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            apply_migration(self, name, sql)
            applied.append(name)
        return applied

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0])

    @contextmanager
    def transaction(self, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        """One short transaction; IMMEDIATE takes the write lock at once.

        Inside another transaction this is a savepoint: a batch can group many
        messages' writes into one commit, and one message's failure undoes only
        its own writes.
        """
        if self.conn.in_transaction:
            self._savepoints += 1
            name = f"sp{self._savepoints}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
            return
        self.conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def rows(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def identity(self, name: str, domain: str) -> tuple[str, str]:
        """The partnership's name and mail domain as it first ran: (key, UID domain).

        Intent keys, pairing and rotation seeds and calendar UIDs are made from
        these, so a renamed partnership, or one whose mail moves, sends nothing
        again and keeps everyone's calendar entries.
        """
        stored = dict(self.conn.execute("SELECT name, value FROM settings").fetchall())
        if "partnership_key" not in stored or "uid_domain" not in stored:
            with self.transaction() as conn:  # the first run only: later ones just read
                conn.executemany(
                    "INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)",
                    [("partnership_key", name), ("uid_domain", domain)],
                )
                stored = dict(conn.execute("SELECT name, value FROM settings").fetchall())
        return stored["partnership_key"], stored["uid_domain"]

    def last_tick(self) -> datetime | None:
        """When the latest tick on this archive ran (by its own clock), if any has."""
        value = self.scalar("SELECT value FROM settings WHERE name = 'last_tick'")
        return from_utc_text(value) if value else None

    def record_tick(self, now: datetime) -> None:
        """Remember ``now`` as the latest tick; a value only ever moves forward.

        Kept in ``settings`` (migration 0006), so it needs no migration of its own.
        """
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO settings (name, value) VALUES ('last_tick', ?) "
                "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
                (utc_text(now),),
            )

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None
