"""The convenor's decision on a reply held back: accept it as an answer, or reject it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.archive.answer_store import AnswerStore
from scheduler.archive.database import Archive
from scheduler.archive.inbound_store import InboundStore
from scheduler.archive.sent_store import SentStore
from scheduler.errors import ReflectError
from scheduler.replies import parse_reply


def _held(archive: Archive, item: int) -> dict[str, Any]:
    row = InboundStore(archive).message(item)
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
    prompt = SentStore(archive).prompt(row["prompt_id"])
    assert prompt is not None
    raw = row["raw"]
    assert isinstance(raw, bytes)
    parsed = parse_reply(raw, prompt_text=str(prompt["body_text"]))
    with archive.transaction():
        AnswerStore(archive).record_answer(
            item, prompt["id"], prompt["member_id"], str(prompt["kind"]), parsed.text, now
        )
        InboundStore(archive).mark_accepted(
            item, f"accepted by the convenor (was: {row['reason']})"
        )
    return f"#{item} accepted as an answer."


def reject(archive: Archive, item: int, now: datetime) -> str:
    row = _held(archive, item)
    InboundStore(archive).mark_rejected(
        item, f"rejected by the convenor (was: {row['reason']})", now
    )
    return f"#{item} rejected; it stays in the archive but is not an answer."
