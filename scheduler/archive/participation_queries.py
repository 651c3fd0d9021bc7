"""What participation is counted from: the cycle questions sent, who answered, and
each member with their membership history.

``reports.participation`` turns these rows into its picture; nothing here
counts or judges.
"""

from __future__ import annotations

from typing import Any

from scheduler.archive.database import Archive

Row = dict[str, Any]


class ParticipationStore:
    """Read-only queries behind ``reports.participation``."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def sent_cycle_questions(self) -> list[Row]:
        """One row per member asked in each cycle: ``meeting_id``, ``occurrence``,
        ``member_id``, ``sent_at`` (their first question's) and ``replied`` (0 or 1).

        A cycle is a meeting occurrence with a question sent for it; a member
        replied when any of their prompts is answered or has an answer row (a
        forgotten member's erased answer still counts).
        """
        return self.archive.rows(
            """SELECT p.meeting_id, p.occurrence, p.member_id, min(o.sent_at) AS sent_at,
                      max(p.answered = 1 OR EXISTS (SELECT 1 FROM answers a
                                                    WHERE a.prompt_id = p.id)) AS replied
               FROM prompts p JOIN outbox o ON o.id = p.outbox_id
               WHERE p.meeting_id IS NOT NULL AND p.occurrence IS NOT NULL
                 AND o.status = 'sent'
               GROUP BY p.meeting_id, p.occurrence, p.member_id"""
        )

    def membership_events(self) -> list[Row]:
        """Joins, leaves and rejoins (``member_id``, ``kind``, ``on_date``), in date order."""
        return self.archive.rows(
            """SELECT member_id, kind, on_date FROM membership_events
               WHERE kind IN ('joined', 'left', 'rejoined') ORDER BY on_date, id"""
        )

    def members(self) -> list[Row]:
        """Every member: id, name, organisation, sector, status, joined, left_on, forgotten_at."""
        return self.archive.rows(
            """SELECT id, name, organisation, sector, status, joined, left_on, forgotten_at
               FROM members"""
        )

    def meeting_titles(self) -> dict[str, str]:
        return {
            row["id"]: row["title"] for row in self.archive.rows("SELECT id, title FROM meetings")
        }
