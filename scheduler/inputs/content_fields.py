"""Reading one content file's fields: text, lists of text, ids, tables, its [source].

Each check notes a problem naming the file, the line and the field, and goes
on, so one run lists everything to fix in the file.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

from scheduler.errors import Problem
from scheduler.inputs.toml_lines import TomlLines, toml_error_position

SOURCE_KEYS = (
    "title",
    "authors",
    "publisher",
    "programme",
    "date",
    "url",
    "licence",
    "attribution",
    "seed",
)
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")


@dataclass
class ContentFile:
    """One file being read: its name, where its lines are, and where problems go."""

    name: str
    text: str
    problems: list[Problem] = field(init=False)
    lines: TomlLines = field(init=False)

    def __post_init__(self) -> None:
        self.text = self.text.removeprefix("\ufeff")
        self.problems = []
        self.lines = TomlLines(self.text)

    def add(self, message: str, *, line: int | None = None, where: str | None = None) -> None:
        self.problems.append(Problem(file=self.name, line=line, field=where, message=message))

    def load(self) -> Mapping[str, object] | None:
        try:
            return tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as error:
            reason, line, column = toml_error_position(error)
            if column is not None:
                reason = f"{reason} at column {column}"
            self.add(
                f"not valid TOML: {reason}. Check the quotes, brackets and commas there; "
                "text values go in double quotes and lists in [ ].",
                line=line,
            )
            return None


def describe(value: object) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, str):
        return f'"{value}" (text)'
    if isinstance(value, int | float):
        return f"{value} (a number)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def check_keys(
    f: ContentFile,
    table: Mapping[str, object],
    allowed: tuple[str, ...],
    *,
    label: str,
    table_line: int | None,
) -> None:
    for key in table:
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f'Did you mean "{close[0]}"? ' if close else ""
        f.add(
            f"{hint}Fields allowed here: {', '.join(allowed)}.",
            line=f.lines.key_in(table_line, key),
            where=f'{label} unknown field "{key}"',
        )


def read_text(
    f: ContentFile,
    table: Mapping[str, object],
    key: str,
    *,
    label: str,
    table_line: int | None,
    why: str,
    required: bool = True,
) -> str | None:
    where = f'{label} field "{key}"'
    if key not in table:
        if required:
            f.add(f"missing. {why}", line=table_line, where=where)
        return None
    value = table[key]
    line = f.lines.key_in(table_line, key)
    if not isinstance(value, str):
        f.add(
            f'is {describe(value)}, not text. Write {key} = "..." with double quotes.',
            line=line,
            where=where,
        )
        return None
    if not value.strip():
        f.add(f"is empty. {why}", line=line, where=where)
        return None
    return value.strip()


def read_texts(
    f: ContentFile,
    table: Mapping[str, object],
    key: str,
    *,
    label: str,
    table_line: int | None,
    why: str,
    required: bool = False,
) -> tuple[str, ...]:
    where = f'{label} field "{key}"'
    if key not in table:
        if required:
            f.add(f"missing. {why}", line=table_line, where=where)
        return ()
    value = table[key]
    line = f.lines.key_in(table_line, key)
    if not isinstance(value, list):
        f.add(
            f'is {describe(value)}, not a list. Write {key} = ["First?", "Second?"].',
            line=line,
            where=where,
        )
        return ()
    if required and not value:
        f.add(f"is an empty list. {why}", line=line, where=where)
    result: list[str] = []
    for position, item in enumerate(value, start=1):
        if not isinstance(item, str):
            f.add(
                f"item {position} is {describe(item)}, not text. Put each entry in double quotes.",
                line=line,
                where=where,
            )
        elif not item.strip():
            f.add(
                f"item {position} is empty. Remove it or write the words.", line=line, where=where
            )
        else:
            result.append(item.strip())
    return tuple(result)


def read_id(
    f: ContentFile,
    table: Mapping[str, object],
    *,
    label: str,
    table_line: int | None,
    why: str,
) -> str | None:
    value = read_text(f, table, "id", label=label, table_line=table_line, why=why)
    if value is None:
        return None
    if not _ID.match(value):
        suggestion = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "my-question"
        f.add(
            f'"{value}" is not a usable id; use lower-case letters, digits and hyphens, '
            f'e.g. "{suggestion}".',
            line=f.lines.key_in(table_line, "id"),
            where=f'{label} field "id"',
        )
        return None
    return value


def read_tables(
    f: ContentFile, data: Mapping[str, object], key: str, *, what: str
) -> list[Mapping[str, object]] | None:
    """The array of tables under ``key``, or None (with a problem) if it is not one."""
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    f.add(
        f"is {describe(value)}; write each {what} under its own [[{key}]] header "
        "(double square brackets).",
        line=f.lines.key_in(None, key) or f.lines.heading(f"[{key}]", 1),
        where=f"[[{key}]]",
    )
    return None


def read_source(f: ContentFile, data: Mapping[str, object], *, required: bool) -> str:
    """Check ``[source]`` and return the attribution line for the file's contents."""
    fallback = PurePath(f.name).name
    line = f.lines.heading("[source]", 1)
    value = data.get("source")
    if value is None:
        if required:
            f.add(
                "missing. Start the file with a [source] table giving at least the "
                'title of the work the words are quoted from, e.g. title = "...".',
                where="[source]",
            )
        return fallback
    if not isinstance(value, dict):
        f.add(
            f'is {describe(value)}; write it as a table: a [source] line, then title = "...".',
            line=f.lines.key_in(None, "source"),
            where="[source]",
        )
        return fallback
    check_keys(f, value, SOURCE_KEYS, label="[source]", table_line=line)
    why = "Say where the words come from so every email can credit them."
    details: dict[str, str | None] = {}
    for key in SOURCE_KEYS:
        if key == "seed":
            continue
        details[key] = read_text(
            f, value, key, label="[source]", table_line=line, why=why, required=key == "title"
        )
    seed = value.get("seed")
    if seed is not None and not isinstance(seed, str):
        read_texts(f, value, "seed", label="[source]", table_line=line, why=why)
    if details["attribution"]:
        return details["attribution"]
    who = details["publisher"] or details["authors"]
    parts = [part for part in (who, details["title"]) if part]
    if not parts:
        return fallback
    attribution = ", ".join(parts)
    return f"{attribution} ({details['date']})" if details["date"] else attribution
