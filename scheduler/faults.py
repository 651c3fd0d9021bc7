"""Named crash points: a test hook for proving that a crash anywhere loses nothing.

``crash_point(name)`` kills the current process with SIGKILL (no clean-up, no
``finally``, no flushed buffers: what a power cut or the OOM killer does) when
the environment variable ``REFLECT_CRASH_AT`` equals ``name``, and does nothing
otherwise. The variable is read once, when this module is imported, so a
process either carries one armed point for its whole life or none.

It exists for ``tests/test_crash_recovery.py``, which runs a real
``reflect tick`` with the variable set and then checks that the next tick
recovers. Never set it in production. The points are:

``after_queue``      the outbox rows are committed, nothing sent yet
``after_render``     a batch of messages is rendered, not yet committed
``after_smtp_250``   the server accepted a message; it is not yet marked sent
``after_fetch``      a batch of inbound mail is fetched, nothing stored yet
``after_store_raw``  a message's bytes are committed; the source not yet told
``before_imap_move`` (also the Maildir move) just before acknowledging a message
``after_parse``      a stored message is read, its outcome not yet committed
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "after_queue",
    "after_render",
    "after_smtp_250",
    "after_fetch",
    "after_store_raw",
    "before_imap_move",
    "after_parse",
)

_ARMED = os.environ.get("REFLECT_CRASH_AT", "")


def crash_point(name: str) -> None:
    """SIGKILL this process if ``REFLECT_CRASH_AT`` named ``name`` at import; else nothing."""
    if _ARMED and name == _ARMED:
        os.kill(os.getpid(), signal.SIGKILL)
