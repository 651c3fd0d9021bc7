"""What the messages being rendered quote from the archive, read before rendering.

The renderer queries nothing: the tick asks this store for the few things the
intents it is about to render need (an answer's words, the handover notes a
newcomer is given, a member's standing answer to a series) and hands them over.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from scheduler.archive.database import Archive


@dataclass(frozen=True)
class LeaverNote:
    """A leaver's handover note, with who wrote it."""

    name: str
    organisation: str
    role: str
    left_on: date | None
    text: str


class RenderInputStore:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def answer_texts(self, answer_ids: Collection[int]) -> dict[int, str]:
        """Each answer's words, by id (an answer not found is left out)."""
        if not answer_ids:
            return {}
        marks = ",".join("?" * len(answer_ids))
        rows = self.archive.rows(
            f"SELECT id, text FROM answers WHERE id IN ({marks})",  # noqa: S608 (only ? marks)
            tuple(answer_ids),
        )
        return {int(r["id"]): str(r["text"] or "") for r in rows}

    def answer_authors(self, answer_ids: Collection[int]) -> dict[int, str]:
        """Who wrote each answer (their address), by id."""
        if not answer_ids:
            return {}
        marks = ",".join("?" * len(answer_ids))
        rows = self.archive.rows(
            f"SELECT a.id, m.email FROM answers a JOIN members m ON m.id = a.member_id "  # noqa: S608
            f"WHERE a.id IN ({marks})",
            tuple(answer_ids),
        )
        return {int(r["id"]): str(r["email"]) for r in rows}

    def leavers_notes(self, *, member_id: int, organisation: str, role: str) -> list[LeaverNote]:
        """The handover notes of those who left the member's organisation or role, oldest first.

        Someone who has come back speaks for themselves: only leavers' notes.
        """
        rows = self.archive.rows(
            """SELECT m.name, m.organisation, m.role, m.left_on, a.text FROM answers a
               JOIN members m ON m.id = a.member_id
               WHERE a.kind = 'handover' AND a.forgotten = 0 AND m.id != ?
                 AND m.status = 'left' AND (m.organisation = ? OR (m.role != '' AND m.role = ?))
               ORDER BY a.received_at""",
            (member_id, organisation, role),
        )
        return [
            LeaverNote(
                r["name"],
                r["organisation"],
                r["role"],
                date.fromisoformat(r["left_on"]) if r["left_on"] else None,
                r["text"],
            )
            for r in rows
        ]

    def series_answers(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The last calendar answer (PARTSTAT) each member gave to a whole series.

        ``pairs`` are (member email, meeting id); a pair with no answer to the whole
        series (only to single meetings, or none) is left out.
        """
        wanted = set(pairs)
        if not wanted:
            return {}
        rows = self.archive.rows(
            """SELECT m.email, r.meeting_id, r.partstat FROM rsvps r
               JOIN members m ON m.id = r.member_id
               WHERE r.recurrence_id IS NULL ORDER BY r.id"""
        )
        found: dict[tuple[str, str], str] = {}
        for r in rows:
            pair = (r["email"], r["meeting_id"])
            if pair in wanted:
                found[pair] = str(r["partstat"])  # later rows win: the last answer
        return found
