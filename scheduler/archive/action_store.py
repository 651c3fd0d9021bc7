"""What meetings agreed: note-takers' replies (``meeting_notes``) and their lines
(``agreed_items``: decisions, actions with owners and due dates, notes).

A second reply about one meeting replaces the first: its rows stay, no longer
current. An action's owner is a member (``owner_member_id``), else an
organisation, else the words as written; forgetting a member leaves their
actions with their organisation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from scheduler.archive.database import Archive, from_utc_text, utc_text
from scheduler.plan.state import OPEN_STATUSES, AgreedItem, MeetingNotes

__all__ = ["ActionStore", "NewLine"]

_ITEMS = """SELECT i.*, m.email AS owner_email, m.name AS owner_name, n.received_at
            FROM agreed_items i JOIN meeting_notes n ON n.id = i.notes_id
            LEFT JOIN members m ON m.id = i.owner_member_id"""
VERDICTS = ("done", "not_yet", "dropped")


@dataclass(frozen=True)
class NewLine:
    """One line to record, as ``replies.agreed`` read it."""

    kind: str
    text: str
    owner_text: str = ""
    owner_email: str = ""
    owner_organisation: str = ""
    due: date | None = None
    due_text: str = ""


def _item(row: dict[str, Any]) -> AgreedItem:
    return AgreedItem(
        id=row["id"],
        meeting_id=row["meeting_id"],
        occurrence=from_utc_text(row["occurrence"]),
        kind=row["kind"],
        text=row["text"],
        owner_text=row["owner_text"],
        owner_email=row["owner_email"] or "",
        owner_name=row["owner_name"] or "",
        owner_organisation=row["owner_organisation"],
        owner_sector=row["owner_sector"],
        due=date.fromisoformat(row["due_on"]) if row["due_on"] else None,
        due_text=row["due_text"],
        status=row["status"],
        status_note=row["status_note"],
        recorded_at=from_utc_text(row["received_at"]),
    )


class ActionStore:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    # ------------------------------------------------------------ writing

    def record_notes(
        self,
        *,
        inbound_id: int | None,
        request_key: str,
        meeting_id: str,
        occurrence: str,
        note_taker: str,
        lines: Sequence[NewLine],
        now: datetime,
    ) -> int:
        """Record a note-taker's reply, replacing any earlier one for that meeting."""
        stamp = utc_text(now)
        with self.archive.transaction() as conn:
            # a line the correction keeps as it was keeps what its owner said of it
            kept = {
                (row[0], row[1]): row[2:]
                for row in conn.execute(
                    """SELECT kind, text, status, status_note, status_at FROM agreed_items
                       WHERE meeting_id = ? AND occurrence = ? AND current = 1""",
                    (meeting_id, occurrence),
                )
            }
            conn.execute(
                "UPDATE meeting_notes SET current = 0 WHERE meeting_id = ? AND occurrence = ?",
                (meeting_id, occurrence),
            )
            conn.execute(
                "UPDATE agreed_items SET current = 0 WHERE meeting_id = ? AND occurrence = ?",
                (meeting_id, occurrence),
            )
            notes_id = conn.execute(
                """INSERT INTO meeting_notes (meeting_id, occurrence, inbound_id, note_taker,
                   request_key, received_at) VALUES (?,?,?,?,?,?)""",
                (meeting_id, occurrence, inbound_id, note_taker, request_key, stamp),
            ).lastrowid
            sectors = dict(conn.execute("SELECT organisation, sector FROM members").fetchall())
            for position, line in enumerate(lines):
                member = conn.execute(
                    "SELECT id FROM members WHERE email = ?", (line.owner_email,)
                ).fetchone() if line.owner_email else None  # fmt: skip
                conn.execute(
                    """INSERT INTO agreed_items (notes_id, meeting_id, occurrence, position, kind,
                       text, owner_text, owner_member_id, owner_organisation, owner_sector,
                       due_on, due_text, status, status_note, status_at)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                    (
                        notes_id, meeting_id, occurrence, position, line.kind, line.text,
                        line.owner_text, member[0] if member else None, line.owner_organisation,
                        sectors.get(line.owner_organisation, ""),
                        line.due.isoformat() if line.due else None, line.due_text,
                        *kept.get((line.kind, line.text),
                                  ("open" if line.kind == "action" else "recorded", "", None)),
                    ),
                )  # fmt: skip
        return int(notes_id or 0)

    def set_status(self, action_id: int, status: str, note: str, now: datetime) -> None:
        """What an owner said of an action: done, not yet, or dropped (with their why)."""
        if status not in VERDICTS:
            raise ValueError(f"an action is done, not_yet or dropped, not {status!r}")
        with self.archive.transaction() as conn:
            conn.execute(
                "UPDATE agreed_items SET status = ?, status_note = ?, status_at = ? "
                "WHERE id = ? AND kind = 'action'",
                (status, note[:1000], utc_text(now), action_id),
            )

    def add_note(self, action_id: int, note: str, now: datetime) -> None:
        """An owner's reply that said neither done, not yet nor drop: kept, action left open."""
        with self.archive.transaction() as conn:
            conn.execute(
                "UPDATE agreed_items SET status_note = ?, status_at = ? WHERE id = ?",
                (note[:1000], utc_text(now), action_id),
            )

    def forget_owner(self, member_id: int, names: Sequence[str]) -> int:
        """A forgotten member's actions pass to their organisation, their name taken out."""
        rows = self.archive.rows(
            "SELECT id, text, owner_text, owner_organisation FROM agreed_items "
            "WHERE owner_member_id = ?",
            (member_id,),
        )
        words = sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True)
        pattern = re.compile("|".join(rf"\b{re.escape(w)}\b" for w in words), re.IGNORECASE)
        with self.archive.transaction() as conn:
            for row in rows:
                org = row["owner_organisation"] or "their organisation"
                conn.execute(
                    "UPDATE agreed_items SET owner_member_id = NULL, owner_text = ?, text = ? "
                    "WHERE id = ?",
                    (org, pattern.sub(org, row["text"]) if words else row["text"], row["id"]),
                )
            conn.execute("UPDATE meeting_notes SET note_taker = NULL WHERE note_taker IN "
                         "(SELECT email FROM members WHERE id = ?)", (member_id,))  # fmt: skip
        return len(rows)

    # ------------------------------------------------------------ reading

    def agreed_email(self, column: str, value: str) -> dict[str, Any] | None:
        """One of our emails about what was agreed, by ``token_id``, ``message_id`` or ``key``;
        a confirmation stands for the request it confirms."""
        if column not in ("token_id", "message_id", "key"):
            raise ValueError(column)
        row = self.archive.one(
            "SELECT key, kind, recipient, member_id, meeting_id, occurrence, question_id, raw "  # noqa: S608 - a known column
            f"FROM outbox WHERE {column} = ? AND kind IN "
            "('notes_request', 'notes_confirm', 'action_follow_up')",
            (value,),
        )
        if row is not None and row["kind"] == "notes_confirm":
            request = self.archive.scalar(
                "SELECT key FROM outbox WHERE kind = 'notes_request' AND meeting_id = ? "
                "AND occurrence = ?",
                (row["meeting_id"], row["occurrence"]),
            )
            return self.agreed_email("key", request) if request else None
        return row

    def prepared_since(self, since: datetime) -> frozenset[tuple[str, str]]:
        """(meeting id, occurrence) of the meetings whose questions went out since ``since``."""
        return frozenset(
            (row[0], row[1])
            for row in self.archive.conn.execute(
                "SELECT DISTINCT meeting_id, occurrence FROM outbox WHERE kind = 'prompt' "
                "AND created_at >= ? AND meeting_id IS NOT NULL AND occurrence IS NOT NULL",
                (utc_text(since),),
            )
        )

    def owned_by(self, member_id: int) -> list[dict[str, Any]]:
        """A member's actions (every version), for their subject access request."""
        return self.archive.rows(
            """SELECT id, meeting_id, occurrence, text, owner_text, due_on, due_text, status,
                      status_note, status_at, current FROM agreed_items
               WHERE owner_member_id = ? ORDER BY id""",
            (member_id,),
        )

    def meeting_titles(self) -> dict[str, str]:
        return dict(self.archive.conn.execute("SELECT id, title FROM meetings").fetchall())

    def active_people(self) -> list[dict[str, Any]]:
        """Who an owner may be: each active member's address, names and organisation."""
        return self.archive.rows(
            "SELECT email, name, organisation, preferred_name FROM members "
            "WHERE status = 'active' ORDER BY id"
        )

    def recent_notes(self, since: datetime) -> tuple[MeetingNotes, ...]:
        rows = self.archive.rows(
            "SELECT * FROM meeting_notes WHERE received_at >= ? AND note_taker IS NOT NULL "
            "ORDER BY id",
            (utc_text(since),),
        )
        return tuple(
            MeetingNotes(
                r["id"], r["meeting_id"], from_utc_text(r["occurrence"]), r["note_taker"],
                r["request_key"], from_utc_text(r["received_at"]),
            )
            for r in rows
        )  # fmt: skip

    def items(
        self,
        *,
        notes_id: int | None = None,
        meeting_id: str | None = None,
        open_only: bool = False,
        kinds: Sequence[str] = ("decision", "action", "note"),
    ) -> list[AgreedItem]:
        """Current lines, oldest meeting first, in the order they were written."""
        where = ["i.current = 1" if notes_id is None else "i.notes_id = ?"]
        params: list[Any] = [] if notes_id is None else [notes_id]
        if meeting_id is not None:
            where.append("i.meeting_id = ?")
            params.append(meeting_id)
        if open_only:
            where.append(f"i.kind = 'action' AND i.status IN {OPEN_STATUSES!r}")
        marks = ",".join("?" * len(kinds))
        where.append(f"i.kind IN ({marks})")
        params.extend(kinds)
        sql = f"{_ITEMS} WHERE {' AND '.join(where)} ORDER BY i.occurrence, i.position"
        return [_item(row) for row in self.archive.rows(sql, tuple(params))]

    def item(self, item_id: int) -> AgreedItem | None:
        rows = self.archive.rows(f"{_ITEMS} WHERE i.id = ?", (item_id,))
        return _item(rows[0]) if rows else None

    def replaced_earlier(self, notes_id: int) -> bool:
        """Whether these notes replaced an earlier reply about the same meeting."""
        return bool(self.archive.scalar(
            """SELECT count(*) FROM meeting_notes a JOIN meeting_notes b
               ON a.meeting_id = b.meeting_id AND a.occurrence = b.occurrence
               WHERE a.id = ? AND b.id < a.id""",
            (notes_id,),
        ))  # fmt: skip

    def open_actions(self) -> tuple[AgreedItem, ...]:
        return tuple(self.items(open_only=True))

    def carried_forward(self, before: datetime | None) -> tuple[list[AgreedItem], list[AgreedItem]]:
        """What the meeting before ``before`` decided, and every action still open from
        meetings before it (``None``: as things stand)."""
        cutoff = utc_text(before) if before is not None else "9999"
        last = self.archive.scalar(
            "SELECT max(occurrence) FROM agreed_items WHERE current = 1 AND occurrence < ? "
            "AND kind = 'decision'",
            (cutoff,),
        )
        decisions = [
            i for i in self.items(kinds=("decision",)) if last and utc_text(i.occurrence) == last
        ]
        actions = [i for i in self.items(open_only=True) if utc_text(i.occurrence) < cutoff]
        return decisions, actions

    def counts(self, today: date) -> dict[str, int]:
        """Actions open, and of those overdue on ``today``; decisions; done."""
        found = {"open": 0, "overdue": 0, "done": 0, "dropped": 0, "decisions": 0}
        for item in self.items(kinds=("decision", "action")):
            if item.kind == "decision":
                found["decisions"] += 1
            elif item.is_open:
                found["open"] += 1
                found["overdue"] += int(item.due is not None and item.due < today)
            elif item.status in ("done", "dropped"):
                found[item.status] += 1
        return found
