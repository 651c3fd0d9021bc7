"""One reflect at a time per archive: an advisory lock beside the database file.

Two ticks at once (cron starting one while the last is still sending, or a
convenor running one by hand) would each respect the relay's caps but could
together exceed them, and could both read the same calendar reply. So a tick,
and the reading step of ``reflect ingest``, hold ``<database>.lock`` while
they work. The lock is ``flock``: the operating system drops it when the
process ends, however it ends, so a crash never leaves it stuck.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scheduler.errors import Busy

__all__ = ["hold", "lock_path"]

POLL_SECONDS = 0.05


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextmanager
def hold(database: Path, *, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the archive's lock, waiting up to ``wait_seconds`` for another holder to finish.

    Raises ``Busy`` naming the other process if it is still held by then.
    """
    path = lock_path(database)
    # 0600 whatever the umask: it sits beside the archive and says who holds it
    with os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise Busy(
                        f"{database}: another reflect ({holder}) is working on this archive, "
                        "so this one did nothing. The next round carries on; if no other "
                        "reflect is running, the lock goes with the process that held it."
                    ) from None
                time.sleep(POLL_SECONDS)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"process {os.getpid()}")
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
