"""Short read-only lists a command uses as they are: the messages that failed to send,
each series' SEQUENCE, and the answers from each sector."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.archive.database import Archive


@dataclass(frozen=True)
class FailedMessage:
    id: int
    kind: str
    recipient: str
    last_error: str | None


def failed_messages(archive: Archive) -> list[FailedMessage]:
    """Every outbox message that failed for good, oldest first."""
    return [
        FailedMessage(row["id"], row["kind"], row["recipient"], row["last_error"])
        for row in archive.rows(
            "SELECT id, kind, recipient, last_error FROM outbox WHERE status = 'failed' ORDER BY id"
        )
    ]


def answers_by_sector(archive: Archive) -> list[tuple[str, int]]:
    """How many answers each sector's members have given, by sector name."""
    return [
        (row["sector"], row["answers"])
        for row in archive.rows(
            """SELECT m.sector, count(DISTINCT a.id) AS answers FROM answers a
               JOIN members m ON m.id = a.member_id GROUP BY m.sector ORDER BY m.sector"""
        )
    ]


def meeting_sequences(archive: Archive) -> dict[str, int]:
    """The SEQUENCE each series the archive holds was last sent at, by meeting id."""
    return {row["id"]: row["sequence"] for row in archive.rows("SELECT id, sequence FROM meetings")}
