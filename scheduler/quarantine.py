"""The convenor's view of replies held back, and their decision on each."""

from __future__ import annotations

from datetime import datetime

from .archive import Archive, utc_text
from .errors import ReflectError
from .ingest import record_answer
from .replies import parse_reply
from .safety import printable
from .services import Services


def list_quarantine(archive: Archive) -> str:
    rows = archive.rows(
        """SELECT id, received_at, from_address, subject, reason FROM inbound
           WHERE status = 'quarantined' ORDER BY id"""
    )
    if not rows:
        return "Quarantine is empty."
    lines = [f"{len(rows)} message(s) held back:"]
    for row in rows:
        lines.append(
            f"  #{row['id']}  {row['received_at'][:16]}  from {printable(row['from_address'] or '?', 80)}"
            f'  "{printable(row["subject"] or "", 50)}"\n        why: {printable(row["reason"])}'
        )
    lines.append(
        "Accept one with: reflect quarantine accept N   Reject: reflect quarantine reject N"
    )
    return "\n".join(lines)


def _held(archive: Archive, item: int) -> dict[str, object]:
    row = archive.one("SELECT * FROM inbound WHERE id = ?", (item,))
    if row is None or row["status"] != "quarantined":
        raise ReflectError(f"#{item} is not in quarantine (see: reflect quarantine).")
    return row


def accept(services: Services, item: int, now: datetime) -> str:
    """Record a held reply as the answer to the prompt it was matched to."""
    archive = services.archive
    row = _held(archive, item)
    if row["prompt_id"] is None:
        raise ReflectError(
            f"#{item} could not be matched to any question we sent, so it cannot be accepted as an "
            "answer; reject it, or ask the member to reply to the question's email."
        )
    prompt = archive.one(
        "SELECT p.id, p.kind, p.member_id, p.body_text FROM prompts p WHERE p.id = ?",
        (row["prompt_id"],),
    )
    assert prompt is not None
    raw = row["raw"]
    assert isinstance(raw, bytes)
    parsed = parse_reply(raw, prompt_text=str(prompt["body_text"]))
    with archive.transaction() as conn:
        record_answer(
            conn, item, prompt["id"], prompt["member_id"], str(prompt["kind"]), parsed.text, now
        )
        conn.execute(
            "UPDATE inbound SET status = 'answer', reason = ? WHERE id = ?",
            (f"accepted by the convenor (was: {row['reason']})", item),
        )
    return f"#{item} accepted as an answer."


def reject(archive: Archive, item: int, now: datetime) -> str:
    row = _held(archive, item)
    with archive.transaction() as conn:
        conn.execute(
            "UPDATE inbound SET status = 'rejected', reason = ?, processed_at = ? WHERE id = ?",
            (f"rejected by the convenor (was: {row['reason']})", utc_text(now), item),
        )
    return f"#{item} rejected; it stays in the archive but is not an answer."
