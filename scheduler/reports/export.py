"""``reflect export``: the archive of answers as CSV, JSON or Markdown.

CSV and JSON are the convenor's full record: every answer with its question,
cycle, member, organisation, sector and date. The CSV opens safely in Excel
(UTF-8 with a byte-order mark, and no cell that Excel would run as a formula).
The Markdown learning log is for sharing in a wider network: one section per
cycle, only answers to the cycle questions (never introductions or handover
notes), and anonymous unless ``attribute`` is asked for, in which case each
answer is signed with name and organisation.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.archive.answer_store import AnswerStore
from scheduler.archive.database import Archive
from scheduler.replies import author
from scheduler.reports.actions import export_rows, log_lines
from scheduler.reports.digest import (
    anonymous,
    everyones_names_and_addresses,
    paragraphs,
    scrub_identities,
)
from scheduler.reports.privacy import member_record

FIELDS = (
    "received_at",
    "kind",
    "question_id",
    "question",
    "cycle",
    "meeting_id",
    "occurrence",
    "member",
    "email",
    "organisation",
    "sector",
    "text",
    # decisions, actions and meeting notes (kind decision, action, meeting_note) fill these
    "due",
    "status",
    "status_note",
)
# Characters that make Excel (or LibreOffice) read a cell as a formula, also in full width.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def answer_rows(archive: Archive) -> list[dict[str, Any]]:
    """Every answer that still has words (a forgotten member's have none)."""
    rows = AnswerStore(archive).with_words()
    for row in rows:
        title = row.pop("meeting_title")
        row["cycle"] = f"{title}, {row['occurrence'][:10]}" if row["occurrence"] else ""
    return rows


def _cell(value: object) -> str:
    """A spreadsheet cell that Excel will not run as a formula."""
    text = "" if value is None else str(value)
    if text.lstrip(" ")[:1] in _FORMULA_START and text.lstrip(" "):
        return "'" + text
    return text


def export_answers(
    archive: Archive, fmt: str, *, attribute: bool = False, zone: ZoneInfo | None = None
) -> str:
    """Every answer; then what meetings agreed (``reports.actions.export_rows``)."""
    rows = answer_rows(archive)
    zone = zone or ZoneInfo("UTC")
    if fmt in ("json", "csv"):
        rows = [{**row, "due": "", "status": "", "status_note": ""} for row in rows]
        rows += export_rows(archive, zone)
    if fmt == "json":
        return json.dumps([{f: row[f] for f in FIELDS} for row in rows],
                          ensure_ascii=False, indent=2) + "\n"  # fmt: skip
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel reads UTF-8 only with a byte-order mark
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(FIELDS)
        for row in rows:
            writer.writerow([_cell(row[f]) for f in FIELDS])
        return buffer.getvalue()
    if fmt == "md":
        return learning_log(archive, rows, attribute=attribute, zone=zone)
    raise ValueError(f"unknown export format {fmt!r}")


def _md_escape(text: str) -> str:
    """Plain text that Markdown shows as written: no headings, lists, links, HTML or emphasis."""
    text = re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", text)
    text = re.sub(r"&(?=[A-Za-z#])", r"\\&", text)
    text = re.sub(r"^(\s*)([#+-])", r"\1\\\2", text)
    return re.sub(r"^(\s*\d+)([.)])", r"\1\\\2", text)


def learning_log(
    archive: Archive,
    rows: list[dict[str, Any]],
    *,
    attribute: bool,
    zone: ZoneInfo | None = None,
) -> str:
    """The cycle answers as a shareable Markdown learning log, one section per cycle."""
    cycles = [r for r in rows if r["kind"] == "answer" and r["occurrence"]]
    names, addresses = ([], []) if attribute else everyones_names_and_addresses(archive)
    lines = ["# Learning log", ""]
    lines.append(
        "What members wrote in reply to each cycle's questions, in their own words."
        + ("" if attribute else " Names are left out.")
    )
    lines.append("")
    current_cycle = current_question = None
    for row in cycles:
        if row["cycle"] != current_cycle:
            current_cycle, current_question = row["cycle"], None
            when = datetime.fromisoformat(row["occurrence"])
            title = row["cycle"].rsplit(", ", 1)[0]
            lines += [f"## {_md_escape(title)}, {when.day} {when:%B %Y}", ""]
        if row["question"] != current_question:
            current_question = row["question"]
            lines += [f"### {_md_escape(row['question'])}", ""]
        writer = author({**row, "name": row["member"]})
        text = row["text"] if attribute else anonymous(row["text"], names, addresses, writer)
        quoted: list[str] = []
        for para in paragraphs(text):
            if quoted:
                quoted.append(">")
            quoted += ["> " + _md_escape(line) + ("  " if i < len(para) - 1 else "")
                       for i, line in enumerate(para)]  # fmt: skip
        lines += quoted
        if attribute:
            lines += [">", f"> — {_md_escape(row['member'])}, {_md_escape(row['organisation'])}"]
        lines.append("")
    if not cycles:
        lines.append("No answers yet.")
    lines += ["", *log_lines(archive, zone or ZoneInfo("UTC"), _md_escape,
                             (lambda t: t) if attribute else (lambda t: scrub_identities(t, names, addresses)))]  # fmt: skip
    return "\n".join(lines).rstrip("\n") + "\n"


def export_member(archive: Archive, address: str) -> str:
    """Everything held about one member, as JSON (a subject access request)."""
    return json.dumps(member_record(archive, address), ensure_ascii=False, indent=2) + "\n"
