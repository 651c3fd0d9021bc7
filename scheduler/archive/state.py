"""Between the archive and the pure planner: read its state, apply its changes."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta

from scheduler.archive.action_store import ActionStore
from scheduler.archive.database import Archive, from_utc_text, utc_text
from scheduler.archive.request_store import RequestStore
from scheduler.inputs.config import Config
from scheduler.inputs.membership import Member
from scheduler.plan.agreed import CONFIRM_WINDOW
from scheduler.plan.state import (
    Handover,
    HeldBack,
    Invitation,
    MeetingState,
    MemberState,
    OpenPrompt,
    State,
)
from scheduler.plan.sync import MeetingChange, MembershipChange, meeting_definition
from scheduler.plan.windows import (
    HANDOVER_ASKED_WINDOW,
    HANDOVER_NOTES_WINDOW,
    INDUCTED_WINDOW,
    INTRODUCTIONS_WINDOW,
    MAILED_WINDOW,
    OPEN_PROMPTS_LOOKBACK,
    PREPARED_MEETINGS_WINDOW,
    QUARANTINE_NOTICE_FIRST,
)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def load_members(archive: Archive) -> dict[str, MemberState]:
    rejoins = {
        row["member_id"]: row["on_date"]
        for row in archive.rows(
            "SELECT member_id, max(on_date) AS on_date FROM membership_events "
            "WHERE kind = 'rejoined' GROUP BY member_id"
        )
    }
    return {
        row["email"]: MemberState(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            organisation=row["organisation"],
            sector=row["sector"],
            role=row["role"],
            status=row["status"],
            inducted=bool(row["inducted"]),
            address_failing=bool(row["address_failing"]),
            joined=_date(row["joined"]),
            left_on=_date(row["left_on"]),
            rejoined_on=_date(rejoins.get(row["id"])) if row["status"] == "active" else None,
            share_introduction=bool(row["share_introduction"]),
            preferred_name=row["preferred_name"] or "",
            leaving_on=_date(row["leaving_on"]) if row["status"] == "active" else None,
            first_seen=datetime.fromisoformat(row["first_seen"]).date(),
        )
        for row in archive.rows("SELECT * FROM members")
    }


def load_meetings(archive: Archive) -> dict[str, MeetingState]:
    return {
        row["id"]: MeetingState(
            id=row["id"],
            sequence=row["sequence"],
            status=row["status"],
            fingerprint=row["fingerprint"],
            definition=json.loads(row["definition"]),
        )
        for row in archive.rows("SELECT * FROM meetings")
    }


def load_state(
    archive: Archive, now: datetime, *, lookback: timedelta = OPEN_PROMPTS_LOOKBACK
) -> State:
    """Everything the planner reads, from the archive as it is at ``now``."""
    members = load_members(archive)
    by_id = {m.id: m.email for m in members.values()}
    introductions = archive.rows(
        """SELECT a.id, a.member_id, a.received_at FROM answers a
           JOIN members m ON m.id = a.member_id
           WHERE a.kind = 'introduction' AND m.share_introduction = 1
             AND m.status = 'active' AND a.received_at >= ?""",
        (utc_text(now - INTRODUCTIONS_WINDOW),),
    )
    requests = RequestStore(archive)
    return State(
        requests=requests.all(),
        cycle_replies=requests.cycle_replies(now),
        held_back=_held_back(archive, now),
        last_notice=_last_notice(archive),
        handover_asked={
            row["recipient"]: datetime.fromisoformat(row["created_at"])
            for row in archive.rows(
                """SELECT recipient, max(created_at) AS created_at FROM outbox
                   WHERE kind = 'handover' AND created_at >= ? GROUP BY recipient""",
                (utc_text(now - HANDOVER_ASKED_WINDOW),),
            )
        },
        members=members,
        meetings=load_meetings(archive),
        invitations=_invitations(archive, by_id),
        open_prompts=_open_prompts(archive, by_id, now - lookback),
        asked_alone=frozenset(
            (by_id[row["member_id"]], row["meeting_id"], row["occurrence"], row["question_id"])
            for row in archive.rows(
                """SELECT p.member_id, p.meeting_id, p.occurrence, p.question_id
                   FROM prompts p JOIN outbox o ON o.id = p.outbox_id
                   WHERE p.kind = 'checklist' AND o.question_id = p.question_id
                     AND p.occurrence >= ?""",
                (utc_text(now),),
            )
        ),
        started=min((m.first_seen for m in members.values() if m.first_seen), default=None),
        pairings=tuple(
            (row["round_key"], row["a"], row["b"])
            for row in archive.rows(
                "SELECT round_key, a, b FROM pairings ORDER BY created_at, a, b"
            )
        ),
        booked=_booked(archive),
        moved=tuple(
            (r["round_key"], r["a"], r["b"], from_utc_text(r["slot"]), r["sequence"], r["moved_by"])
            for r in archive.rows(
                "SELECT round_key, a, b, slot, sequence, moved_by FROM pairings "
                "WHERE sequence > 0 AND slot > ? ORDER BY slot",
                (utc_text(now),),
            )
        ),
        roles={
            (row["meeting_id"], row["occurrence"]): (row["chair"], row["note_taker"])
            for row in archive.rows("SELECT * FROM occurrence_roles ORDER BY occurrence")
        },
        handovers=_handovers(archive, by_id, now),
        inducted_at=_inducted_at(archive, by_id, now),
        introductions=tuple((row["id"], by_id[row["member_id"]]) for row in introductions),
        introduced_at={row["id"]: from_utc_text(row["received_at"]) for row in introductions},
        mailed=_mailed(archive, now),
        meeting_notes=ActionStore(archive).recent_notes(now - CONFIRM_WINDOW),
        open_actions=ActionStore(archive).open_actions(),
        prepared=ActionStore(archive).prepared_since(now - PREPARED_MEETINGS_WINDOW),
    )


def _mailed(archive: Archive, now: datetime) -> dict[str, tuple[datetime, ...]]:
    """When each recipient's recent emails went, and when those still queued are to go."""
    found: dict[str, list[datetime]] = {}
    for row in archive.rows(
        """SELECT recipient, sent_at AS at FROM outbox WHERE status = 'sent' AND sent_at >= ?
           UNION ALL
           SELECT recipient, next_attempt_at AS at FROM outbox
           WHERE status IN ('queued', 'sending')""",
        (utc_text(now - MAILED_WINDOW),),
    ):
        found.setdefault(row["recipient"], []).append(from_utc_text(row["at"]))
    return {email: tuple(moments) for email, moments in found.items()}


def _invitations(archive: Archive, by_id: dict[int, str]) -> dict[tuple[str, str], Invitation]:
    """What each member last received of each series, by (meeting id, email)."""
    # the highest SEQUENCE each member was sent of each series, whatever the message: a
    # one-meeting update (sent by earlier versions at the series' + 1) or a CANCEL of one
    # meeting (which could be one above that again)
    highest = {
        (row["meeting_id"], row["member_id"]): row["highest"]
        for row in archive.rows(
            """SELECT meeting_id, member_id,
                      max(sequence + (CASE kind WHEN 'cancel_occurrence' THEN 1 ELSE 0 END))
                      AS highest
               FROM outbox
               WHERE kind IN ('invite', 'cancel', 'cancel_occurrence', 'roles')
                 AND member_id IS NOT NULL AND sequence IS NOT NULL
               GROUP BY meeting_id, member_id"""
        )
    }
    return {
        (row["meeting_id"], by_id[row["member_id"]]): Invitation(
            row["sequence"],
            row["status"],
            json.loads(row["definition"]) if row["definition"] else None,
            max(row["sequence"], highest.get((row["meeting_id"], row["member_id"]), 0)),
        )
        for row in archive.rows("SELECT * FROM invitations")
    }


def _open_prompts(
    archive: Archive, by_id: dict[int, str], since: datetime
) -> tuple[OpenPrompt, ...]:
    """Only recent, unanswered, unreminded prompts: planning scales with what is due."""
    return tuple(
        OpenPrompt(
            key=row["key"],
            member_email=by_id[row["member_id"]],
            kind=row["kind"],
            meeting_id=row["meeting_id"],
            occurrence=datetime.fromisoformat(row["occurrence"]) if row["occurrence"] else None,
            question_id=row["question_id"],
            sent_at=datetime.fromisoformat(row["sent_at"]),
            part_number=row["part_number"] if row["numbered"] else None,
        )
        for row in archive.rows(
            """SELECT o.key, p.member_id, p.kind, p.meeting_id, p.occurrence, p.question_id,
                      o.sent_at, o.question_id IS NOT p.question_id AS numbered,
                      (SELECT count(*) FROM prompts q WHERE q.outbox_id = p.outbox_id
                         AND q.id <= p.id AND q.question_id IS NOT o.question_id) AS part_number
               FROM prompts p JOIN outbox o ON o.id = p.outbox_id
               WHERE p.answered = 0 AND p.reminded = 0 AND o.status = 'sent'
                 AND p.kind IN ('question', 'checklist') AND o.sent_at >= ?""",
            (utc_text(since),),
        )
    )


def _last_notice(archive: Archive) -> datetime | None:
    """When the last quarantine notice was queued."""
    value = archive.scalar("SELECT max(created_at) FROM outbox WHERE kind = 'quarantine_notice'")
    return datetime.fromisoformat(value) if value else None


def _held_back(archive: Archive, now: datetime) -> tuple[HeldBack, ...]:
    """Mail quarantined since the convenor was last told of any."""
    last_notice = archive.scalar(
        "SELECT max(created_at) FROM outbox WHERE kind = 'quarantine_notice'"
    ) or utc_text(now - QUARANTINE_NOTICE_FIRST)
    return tuple(
        HeldBack(row["id"], row["from_address"] or "", row["subject"] or "", row["reason"])
        for row in archive.rows(
            """SELECT id, from_address, subject, reason FROM inbound
               WHERE status = 'quarantined' AND coalesce(processed_at, received_at) > ?
               ORDER BY id""",
            (last_notice,),
        )
    )


def _handovers(archive: Archive, by_id: dict[int, str], now: datetime) -> tuple[Handover, ...]:
    """Leavers' handover notes received recently, oldest first."""
    return tuple(
        Handover(row["id"], by_id[row["member_id"]], datetime.fromisoformat(row["received_at"]))
        for row in archive.rows(
            """SELECT id, member_id, received_at FROM answers
               WHERE kind = 'handover' AND forgotten = 0 AND received_at >= ?
               ORDER BY id""",
            (utc_text(now - HANDOVER_NOTES_WINDOW),),
        )
    )


def _inducted_at(archive: Archive, by_id: dict[int, str], now: datetime) -> dict[str, datetime]:
    """When each recent newcomer's induction pack was first queued, by email."""
    return {
        by_id[row["member_id"]]: datetime.fromisoformat(row["created_at"])
        for row in archive.rows(
            """SELECT member_id, min(created_at) AS created_at FROM outbox
               WHERE kind = 'induction' AND member_id IS NOT NULL AND created_at >= ?
               GROUP BY member_id""",
            (utc_text(now - INDUCTED_WINDOW),),
        )
    }


def apply_membership(
    archive: Archive,
    changes: list[MembershipChange],
    now: datetime,
    *,
    first_run: bool,
    existing_members: str,
) -> None:
    stamp = utc_text(now)
    with archive.transaction() as conn:
        for change in changes:
            m = change.member
            if change.kind in ("joined", "pending") and m is not None:
                inducted = first_run and existing_members == "skip"
                _join(conn, m, change, inducted=inducted, stamp=stamp)
            elif change.kind == "rejoined" and m is not None:
                _rejoin(conn, m, stamp)
            elif change.kind == "left":
                conn.execute(
                    "UPDATE members SET status = 'left', left_on = ?, updated_at = ? WHERE email = ?",
                    (change.on.isoformat(), stamp, change.email),
                )
            elif change.kind == "changed" and m is not None:
                _change(conn, m, stamp)
            if change.kind in ("joined", "left", "rejoined", "changed"):
                conn.execute(
                    """INSERT INTO membership_events (member_id, kind, on_date, detail, recorded_at)
                       SELECT id, ?, ?, '', ? FROM members WHERE email = ?""",
                    (change.kind, change.on.isoformat(), stamp, change.email),
                )


def _join(
    conn: sqlite3.Connection, m: Member, change: MembershipChange, *, inducted: bool, stamp: str
) -> None:
    """A new row (or, for an address seen before as pending, the row brought up to date)."""
    status = "active" if change.kind == "joined" else "pending"
    conn.execute(
        """INSERT INTO members (email, name, organisation, sector, role, status, joined,
           left_on, inducted, share_introduction, first_seen, updated_at,
           preferred_name, leaving_on)
           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
           ON CONFLICT(email) DO UPDATE SET status = excluded.status,
           name = excluded.name, organisation = excluded.organisation,
           sector = excluded.sector, role = excluded.role, joined = excluded.joined,
           share_introduction = excluded.share_introduction,
           preferred_name = excluded.preferred_name,
           leaving_on = excluded.leaving_on, updated_at = excluded.updated_at""",
        (
            m.email, m.name, m.organisation, m.sector, m.role, status,
            (m.joined or change.on).isoformat(), None, int(inducted),
            int(m.share_introduction), stamp, stamp, m.preferred_name, _leaving(m.left),
        ),
    )  # fmt: skip


def _rejoin(conn: sqlite3.Connection, m: Member, stamp: str) -> None:
    conn.execute(
        """UPDATE members SET status = 'active', left_on = NULL, name = ?,
           organisation = ?, sector = ?, role = ?, preferred_name = ?,
           address_failing = 0, leaving_on = ?, updated_at = ? WHERE email = ?""",
        (m.name, m.organisation, m.sector, m.role, m.preferred_name, _leaving(m.left),
         stamp, m.email),
    )  # fmt: skip


def _change(conn: sqlite3.Connection, m: Member, stamp: str) -> None:
    conn.execute(
        """UPDATE members SET name = ?, organisation = ?, sector = ?, role = ?,
           share_introduction = ?, preferred_name = ?, leaving_on = ?,
           updated_at = ? WHERE email = ?""",
        (m.name, m.organisation, m.sector, m.role, int(m.share_introduction),
         m.preferred_name, _leaving(m.left), stamp, m.email),
    )  # fmt: skip


def _leaving(left: date | None) -> str | None:
    """An active member's ``left`` date, which can only be ahead of time."""
    return left.isoformat() if left else None


def apply_meetings(
    archive: Archive, changes: list[MeetingChange], config: Config, now: datetime
) -> None:
    stamp = utc_text(now)
    with archive.transaction() as conn:
        for change in changes:
            meeting = config.meeting(change.meeting_id)
            if change.kind == "removed" or meeting is None:
                conn.execute(
                    "UPDATE meetings SET status = 'removed', sequence = ?, updated_at = ? "
                    "WHERE id = ?",
                    (change.sequence, stamp, change.meeting_id),
                )
                continue
            conn.execute(
                """INSERT INTO meetings (id, kind, title, fingerprint, sequence, status, definition,
                   updated_at) VALUES (?,?,?,?,?,'active',?,?)
                   ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, title = excluded.title,
                   fingerprint = excluded.fingerprint, sequence = excluded.sequence,
                   status = 'active', definition = excluded.definition,
                   updated_at = excluded.updated_at""",
                (
                    meeting.id,
                    meeting.kind,
                    meeting.title,
                    change.fingerprint,
                    change.sequence,
                    json.dumps(meeting_definition(meeting)),
                    stamp,
                ),
            )


def _booked(archive: Archive) -> dict[str, tuple[datetime, ...]]:
    """Each member's conversation slots, as ``pairings`` holds them now."""
    booked: dict[str, list[datetime]] = {}
    for row in archive.rows("SELECT a, b, slot FROM pairings ORDER BY slot"):
        for who in (row["a"], row["b"]):
            booked.setdefault(who, []).append(from_utc_text(row["slot"]))
    return {who: tuple(starts) for who, starts in booked.items()}
