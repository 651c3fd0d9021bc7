"""Custody: a message's exact bytes committed before anyone is told we have it.

The IMAP move, the Maildir move and the pipe's exit 0 all come after
``store_raw`` returns. A second copy of the same bytes (a retried delivery, an
interrupted move) is recognised by its SHA-256 and not stored twice.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from scheduler.archive.database import Archive
from scheduler.archive.inbound_store import InboundStore, Stored
from scheduler.faults import Checkpoint, no_checkpoint
from scheduler.inbound.headers import head_of, headers_of, strict_sender
from scheduler.replies.mime import header_value
from scheduler.safety import printable

__all__ = ["Stored", "store_raw"]

_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(<[^>\r\n]{1,500}>)", re.IGNORECASE | re.MULTILINE)


def store_raw(
    archive: Archive,
    raw: bytes,
    *,
    source: str,
    ref: str | None,
    now: datetime,
    held: str | None = None,
    size: int | None = None,
    checkpoint: Checkpoint = no_checkpoint,
) -> Stored:
    """Commit the exact bytes; a second copy of the same bytes is recognised, not stored twice.

    ``held`` stores the message straight into quarantine with that reason, unread
    (one too large to read: ``raw`` is then its headers and ``size`` its whole size).
    """
    digest = hashlib.sha256(raw).hexdigest()
    head = head_of(raw, 65536)
    found = _MESSAGE_ID.search(head)
    sender, subject = _sender_and_subject(raw) if held else (None, None)
    stored = InboundStore(archive).store_raw(
        raw,
        digest=digest,
        message_id=found.group(1).decode("ascii", "replace") if found else None,
        size=len(raw) if size is None else size,
        source=source,
        ref=ref,
        now=now,
        held=printable(held, 500) if held else None,
        from_address=sender,
        subject=subject,
    )
    if not stored.duplicate:
        checkpoint("after_store_raw")
    return stored


def _sender_and_subject(raw: bytes) -> tuple[str | None, str]:
    head = headers_of(raw)
    sender, _problem = strict_sender(head)
    return (printable(sender) if sender else None), printable(
        header_value(head, "Subject") or "", 300
    )
