"""Named checkpoints: the moments at which a crash is proved to lose nothing.

The code that takes custody of mail and sends it calls a *checkpoint* at each
of these moments, ``checkpoint("after_queue")`` and so on. A checkpoint is any
callable taking the point's name; the service is given ``no_checkpoint``,
which does nothing. Nothing here reads the environment: a test that wants a
crash passes its own checkpoint (``tests/support/crashing_tick.py`` passes one
that SIGKILLs the process at the named point, and ``tests/test_crash_recovery.py``
then checks that the next tick recovers). The points are:

``after_queue``      the outbox rows are committed, nothing sent yet
``after_render``     a batch of messages is rendered, not yet committed
``after_smtp_250``   the server accepted a message; it is not yet marked sent
``after_fetch``      a batch of inbound mail is fetched, nothing stored yet
``after_store_raw``  a message's bytes are committed; the source not yet told
``before_imap_move`` (also the Maildir move) just before acknowledging a message
``after_parse``      a stored message is read, its outcome not yet committed
"""

from __future__ import annotations

from collections.abc import Callable

POINTS = (
    "after_queue",
    "after_render",
    "after_smtp_250",
    "after_fetch",
    "after_store_raw",
    "before_imap_move",
    "after_parse",
)

Checkpoint = Callable[[str], None]
"""Called with a point's name (one of ``POINTS``) as the work passes it."""


def no_checkpoint(name: str) -> None:
    """The service's checkpoint: passing a point does nothing."""
