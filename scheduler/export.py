"""``reflect export``: the archive of answers as CSV, JSON or Markdown."""

from __future__ import annotations

import csv
import io
import json

from .archive import Archive

FIELDS = (
    "received_at",
    "kind",
    "question_id",
    "question",
    "meeting_id",
    "occurrence",
    "member",
    "email",
    "organisation",
    "sector",
    "text",
)


def answer_rows(archive: Archive) -> list[dict[str, str]]:
    return archive.rows(
        """SELECT a.received_at, a.kind, p.question_id, p.question_text AS question,
                  p.meeting_id, p.occurrence, m.name AS member, m.email, m.organisation,
                  m.sector, a.text
           FROM answers a JOIN prompts p ON p.id = a.prompt_id JOIN members m ON m.id = a.member_id
           ORDER BY a.received_at, a.id"""
    )


def _cell(value: object) -> str:
    """A spreadsheet cell that Excel will not run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def export_answers(archive: Archive, fmt: str) -> str:
    rows = answer_rows(archive)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(FIELDS)
        for row in rows:
            writer.writerow([_cell(row[f]) for f in FIELDS])
        return buffer.getvalue()
    lines = ["# Learning log", ""]
    current = None
    for row in rows:
        cycle = (row["meeting_id"], row["occurrence"], row["question"])
        if cycle != current:
            current = cycle
            when = (row["occurrence"] or row["received_at"])[:10]
            lines += [f"## {row['question']} ({when})", ""]
        quoted = "\n".join("> " + line if line else ">" for line in row["text"].splitlines())
        lines += [quoted, "", f"— {row['member']}, {row['organisation']}", ""]
    if not rows:
        lines.append("No answers yet.")
    return "\n".join(lines) + "\n"
