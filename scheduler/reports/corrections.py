"""``reflect answers``: the convenor sees what the reader archived beside the message
it came from, and corrects it.

``answer_view`` puts an archived answer (who, which question, when, and any
corrections already made) beside the untrimmed text part of its raw message,
or says why the raw copy is gone. ``answer_list`` is one line per recent
answer. ``correct_answer`` replaces an answer's text: the raw message stays
as it arrived and the correction is recorded, so the next digest, report and
export show the corrected words.

Everything here is for a terminal: each line of a member's or a message's text
passes through ``printable`` on its own, so their own line breaks are kept and
shown indented under a heading of ours, and no control character, bidi override
or stray line separator can move the cursor or make a line that looks like ours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.archive.answer_edits import AnswerEdits
from scheduler.archive.database import Archive, from_utc_text
from scheduler.errors import ReflectError
from scheduler.replies import body_text
from scheduler.safety import printable

INDENT = "    "
LIST_PREVIEW = 60  # characters of each answer in the one-line list


def answer_list(archive: Archive, *, limit: int, zone: ZoneInfo) -> str:
    """The latest ``limit`` answers, one line each: number, date, member, question, words."""
    store = AnswerEdits(archive)
    rows = store.recent(limit)
    if not rows:
        return "No answers yet."
    total = store.count()
    lines = [
        f"{len(rows)} latest of {total} answer(s):" if total > len(rows) else f"{total} answer(s):"
    ]
    for row in rows:
        when = _local(row["received_at"], zone)[:10]
        if row["forgotten"]:
            words = "(forgotten member: words erased)"
        else:
            words = printable(" ".join(str(row["text"]).split()), LIST_PREVIEW)
        edited = " (edited)" if row["edits"] else ""
        lines.append(
            f"  #{row['id']}  {when}  {printable(row['member'], 30)}  "
            f"{printable(row['question_id'])}{edited}: {words}"
        )
    lines.append(
        "See one beside its message: reflect answers show N; correct it: reflect answers edit N"
    )
    return "\n".join(lines)


def answer_view(archive: Archive, answer_id: int, *, zone: ZoneInfo) -> str:
    """Answer ``answer_id`` as archived, beside the raw text part it was read from."""
    store = AnswerEdits(archive)
    row = _find(store, answer_id)
    cycle = ""
    if row["occurrence"]:
        cycle = f" ({printable(row['meeting_title'])}, {_local(row['occurrence'], zone)[:10]})"
    lines = [
        f"Answer #{row['id']} ({row['kind']}) from {printable(row['member'])}, "
        f"{printable(row['organisation'])}",
        f"Received {_local(row['received_at'], zone)}",
        f"Question: {printable(row['question'])}{cycle}",
    ]
    edits = store.edits(answer_id)
    if edits:
        lines.append(
            f"Corrected {len(edits)} time(s), last on {_local(edits[-1]['edited_at'], zone)}"
        )
    lines.append("")
    if row["forgotten"]:
        lines.append("Archived text: none (this member was forgotten and their words erased)")
    else:
        lines.append("Archived text (what digests, reports and exports show):")
        lines.extend(_block(str(row["text"])))
    lines.append("")
    lines.extend(_raw_part(row))
    return "\n".join(lines)


def correct_answer(archive: Archive, answer_id: int, text: str, *, now: datetime) -> str:
    """Replace answer ``answer_id``'s text with ``text``; what to tell the convenor."""
    store = AnswerEdits(archive)
    row = _find(store, answer_id)
    if row["forgotten"]:
        raise ReflectError(
            f"answer #{answer_id} is a forgotten member's: their words were erased "
            "and are not brought back by an edit."
        )
    new = normalise(text)
    if not new:
        raise ReflectError(
            f"the new text for answer #{answer_id} is empty; give the words it should keep "
            '(--text "..." or --file F).'
        )
    if new == row["text"]:
        return f"Answer #{answer_id} unchanged: the new text is the same as the archived one."
    store.replace_text(answer_id, new, now)
    return (
        f"Answer #{answer_id} corrected; the raw message is kept as it arrived and the edit "
        "is recorded. The next digest, report and export show the new text."
    )


def current_text(archive: Archive, answer_id: int) -> str:
    """The archived text of an answer that may be edited (for the convenor's editor)."""
    row = _find(AnswerEdits(archive), answer_id)
    if row["forgotten"]:
        raise ReflectError(
            f"answer #{answer_id} is a forgotten member's: their words were erased "
            "and are not brought back by an edit."
        )
    return str(row["text"])


def normalise(text: str) -> str:
    """Text as typed or saved by an editor: Unix line breaks, no blank lines around it."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _find(store: AnswerEdits, answer_id: int) -> dict[str, Any]:
    row = store.answer(answer_id)
    if row is None:
        raise ReflectError(f"there is no answer #{answer_id} (see: reflect answers).")
    return row


def _raw_part(row: dict[str, Any]) -> list[str]:
    raw = bytes(row["raw"] or b"")
    head = f"Raw text part of the message it came from (received message #{row['inbound_id']}):"
    if not raw:
        reason = str(row["reason"] or "")
        if row["forgotten"] or "forgotten" in reason:
            why = "it was erased when the member was forgotten"
        elif "retention" in reason:
            why = "it was deleted after the retention period ([storage] keep_raw_days)"
        else:
            why = "the archive no longer holds it"
        return [f"Raw message #{row['inbound_id']}: not available, {why}."]
    text = body_text(raw)
    if not text.strip():
        return [head, f"{INDENT}(the message has no text part)"]
    return [head, *_block(text)]


def _block(text: str) -> list[str]:
    """Member or message text as indented lines, each one safe for a terminal."""
    if not text:
        return [f"{INDENT}(empty)"]
    lines = text.replace("\r\n", "\n").split("\n")
    return [f"{INDENT}{printable(line.expandtabs(4))}".rstrip() for line in lines]


def _local(stamp: str, zone: ZoneInfo) -> str:
    return from_utc_text(stamp).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
