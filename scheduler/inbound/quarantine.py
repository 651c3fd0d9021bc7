"""The convenor's decision on a reply held back: accept it as an answer, or reject it."""

from __future__ import annotations

from datetime import datetime

from scheduler.archive.database import Archive, utc_text
from scheduler.errors import ReflectError
from scheduler.inbound.ingest import record_answer
from scheduler.replies import parse_reply


def _held(archive: Archive, item: int) -> dict[str, object]:
    row = archive.one("SELECT * FROM inbound WHERE id = ?", (item,))
    if row is None or row["status"] != "quarantined":
        raise ReflectError(f"#{item} is not in quarantine (see: reflect quarantine).")
    return row


def accept(archive: Archive, item: int, now: datetime) -> str:
    """Record a held reply as the answer to the prompt it was matched to."""
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
