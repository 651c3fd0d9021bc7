"""Reading an archive file without writing to it: a copy for ``reflect preview``, and the
series ``reflect check`` compares with the config. Neither migrates nor locks the file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from scheduler.errors import ReflectError


def _open_read_only(database: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)


def copy_read_only(database: Path, copy: Path) -> None:
    """Copy the archive opened read-only, so a preview never changes it (nor migrates it)."""
    try:
        source = _open_read_only(database)
    except sqlite3.Error as exc:
        raise ReflectError(f"{database}: cannot open the archive to preview ({exc}).") from None
    try:
        source.execute("VACUUM INTO ?", (str(copy),))
    except sqlite3.Error as exc:
        raise ReflectError(f"{database}: cannot read the archive to preview ({exc}).") from None
    finally:
        source.close()


def archived_meeting_ids(database: Path) -> set[str] | None:
    """Ids of the series the archive holds, read without writing; None if it cannot say."""
    if not database.exists():
        return set()
    try:
        conn = _open_read_only(database)
        try:
            return {row[0] for row in conn.execute("SELECT id FROM meetings")}
        finally:
            conn.close()
    except sqlite3.Error:
        return None
