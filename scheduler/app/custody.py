"""Stage 5, take custody: each waiting message's bytes are committed, then (only then)
the inbox is told it may move it.
"""

from __future__ import annotations

from datetime import datetime

from scheduler.archive.database import Archive
from scheduler.faults import Checkpoint
from scheduler.inbound.inboxes import Inbox
from scheduler.inbound.ingest import store_raw
from scheduler.inbound.limits import Limits, too_large
from scheduler.inputs.config import InboxSettings


async def take_custody(
    archive: Archive,
    inbox: Inbox | None,
    *,
    settings: InboxSettings,
    limits: Limits,
    now: datetime,
    checkpoint: Checkpoint,
) -> None:
    """Store each waiting message, then (only then) tell the inbox it can move it."""
    if inbox is None:
        return
    async with inbox:
        while True:
            fetched = await inbox.fetch()
            if not fetched:
                break
            checkpoint("after_fetch")
            with archive.transaction():  # the whole batch's bytes in one commit
                for mail in fetched:
                    store_raw(
                        archive,
                        mail.raw,
                        source=inbox.name,
                        ref=mail.ref,
                        now=now,
                        held=None if mail.whole else set_aside(settings, limits, mail.size),
                        size=mail.size if not mail.whole else None,
                        checkpoint=checkpoint,
                    )
            for mail in fetched:
                checkpoint("before_imap_move")
                await inbox.acknowledge(mail.ref)  # only after the commit
            if len(fetched) < getattr(inbox, "batch_size", 10**9):
                break


def set_aside(settings: InboxSettings, limits: Limits, size: int) -> str:
    """The reason a message too large to read is kept as its headers only, and where it is."""
    kept = (
        f"the IMAP folder {settings.imap.done_folder!r}"
        if settings.source == "imap"
        else f"{settings.maildir / '.Processed'}"
    )
    return (
        f"{too_large(size, limits)}: set aside unread, only its headers are here; "
        f"the whole message is kept in {kept}"
    )
