"""The outbox: every intended message is a row before anything is sent.

A row's key is unique, so planning the same message twice queues it once. Its
Message-ID is fixed when it is queued, so a retry carries the same one. Rows
are claimed for sending inside ``BEGIN IMMEDIATE``: two ticks at once never
take the same row. A row left ``sending`` by a crash is taken again after a
while; whether the server had it is then unknown, and it goes again with the
same Message-ID (the one case where a member may see a message twice).

The rules live here (how long a claim lasts, how long to back off, when to give
up); the rows are read and written by ``scheduler.archive.outbox_store``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from scheduler.archive.database import Archive
from scheduler.archive.outbox_store import Claimed, OutboxStore
from scheduler.compose.render import Outgoing
from scheduler.plan.intents import Intent

__all__ = [
    "MAX_BACKOFF",
    "STALE_CLAIM",
    "Claimed",
    "claim_due",
    "enqueue",
    "existing_keys",
    "mark_deferred",
    "mark_failed",
    "mark_sent",
    "postpone",
    "release",
    "requeue_failed",
]

STALE_CLAIM = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=6)


def existing_keys(archive: Archive, keys: list[str]) -> set[str]:
    return OutboxStore(archive).existing_keys(keys)


def enqueue(
    archive: Archive,
    items: list[tuple[Intent, Outgoing]],
    member_ids: dict[str, int],
    now: datetime,
) -> int:
    """Queue rendered messages in one transaction; returns how many were new.

    Queueing a message records what it means for the planner in the same
    transaction: a prompt to match answers to, a member inducted, a reminder sent,
    a pairing or a meeting's roles, the invitation a member now holds.
    """
    return OutboxStore(archive).enqueue(items, member_ids, now)


def claim_due(archive: Archive, now: datetime, *, limit: int = 500) -> list[Claimed]:
    return OutboxStore(archive).claim_due(now, now - STALE_CLAIM, limit=limit)


def mark_sent(archive: Archive, claimed: Claimed, now: datetime) -> None:
    OutboxStore(archive).mark_sent(claimed.id, now)


def release(archive: Archive, claimed: list[Claimed]) -> None:
    """Put claimed rows back untouched (a batch stopped before reaching them)."""
    OutboxStore(archive).release([c.id for c in claimed])


def postpone(
    archive: Archive, claimed: list[Claimed], now: datetime, until: datetime, *, reason: str = ""
) -> None:
    """Hold messages back until ``until`` without counting a try (a sending cap, a 4.7.x reply).

    The claimed rows go back to the queue, and every other row already due waits
    with them, so that ``reflect status`` shows when sending resumes.
    """
    OutboxStore(archive).postpone([c.id for c in claimed], now, until, reason=reason)


def mark_deferred(
    archive: Archive, claimed: Claimed, now: datetime, error: str, *, give_up_after: timedelta
) -> bool:
    """Back off; returns False when the message has waited too long and is now failed."""
    due = datetime.fromisoformat(claimed.due_at)
    if now - due > give_up_after:
        mark_failed(archive, claimed, f"gave up after {claimed.attempts} tries: {error}")
        return False
    delay = min(timedelta(minutes=1) * (2 ** min(claimed.attempts, 12)), MAX_BACKOFF)
    OutboxStore(archive).defer(claimed.id, now + delay, error)
    return True


def mark_failed(archive: Archive, claimed: Claimed, error: str) -> None:
    OutboxStore(archive).mark_failed(claimed.id, error)


def requeue_failed(archive: Archive, outbox_id: int, now: datetime) -> dict[str, Any]:
    """Put a failed row back in the queue, due now, keeping its key, Message-ID and bytes.

    Returns the row's kind, recipient and message_id; ``LookupError`` when the row
    does not exist or has not failed.
    """
    return OutboxStore(archive).requeue_failed(outbox_id, now)
