"""Where things are in a TOML file's text, for messages a convenor can act on.

``tomllib`` returns values, not lines. ``TomlLines`` reads the text once more,
line by line, and says which line a heading or a key is on; config.toml and
the content files both find their lines through it. It knows enough TOML to
skip the inside of multi-line strings and arrays, so a line there that looks
like a heading or a key is not taken for one. ``duplicates`` uses the same
reading to name both lines of anything written twice.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass

from scheduler.errors import Problem

_HEADING = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=(.*)$"""
)
_DOTS = re.compile(r"\s*\.\s*")
_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class _Line:
    """One line that starts a table or sets a key (other lines are not reported)."""

    number: int
    brackets: str = ""  # "[" or "[[" for a heading
    table: str = ""  # a heading's table name, dots without spaces: "mail.smtp"
    key: str = ""  # a key as written, dots without spaces: 'glossary."ICB"'

    @property
    def heading(self) -> str:
        """The heading as one spelling: ``[mail.smtp]``, ``[[meeting]]``."""
        return f"{self.brackets}{self.table}{self.brackets.replace('[', ']')}"


def _open_brackets(value: str) -> int:
    """How many [ are left open on a line's value, strings and comments aside."""
    depth, quote_char, i = 0, "", 0
    while i < len(value):
        ch = value[i]
        if quote_char:
            if ch == "\\" and quote_char == '"':
                i += 1
            elif ch == quote_char:
                quote_char = ""
        elif ch in "\"'":
            quote_char = ch
        elif ch == "#":
            break
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        i += 1
    return depth


def _scan(lines: list[str]) -> Iterator[_Line]:
    """The headings and key lines, in order, outside multi-line strings and arrays."""
    closing = ""  # the delimiter that ends the multi-line string we are in
    depth = 0  # open brackets of a multi-line array
    for number, line in enumerate(lines, start=1):
        if closing:
            if closing in line:
                closing = ""
            continue
        if depth > 0:
            depth += _open_brackets(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            yield _Line(number, brackets=heading.group(1), table=_DOTS.sub(".", heading.group(2)))
            continue
        found = _KEY.match(line)
        if not found:
            continue
        value = found.group(2).strip()
        for delimiter in ('"""', "'''"):
            if value.startswith(delimiter) and value.count(delimiter) == 1:
                closing = delimiter
        if not closing:
            depth = _open_brackets(value)
        yield _Line(number, key=_DOTS.sub(".", found.group(1)))


def _is_key(written: str, key: str) -> bool:
    return written in (key, f'"{key}"', f"'{key}'")


class TomlLines:
    """Finds the line a table or key is on."""

    def __init__(self, text: str) -> None:
        self.lines = text.removeprefix("\ufeff").splitlines()
        found = list(_scan(self.lines))
        self.headings = [(line.number, line.heading) for line in found if line.brackets]
        self.keys = [(line.number, line.key) for line in found if line.key]

    def heading(
        self, spelt: str, nth: int = 1, *, after: int = 0, before: int | None = None
    ) -> int | None:
        """Line of the ``nth`` (1-based) heading spelt ``spelt`` (``[[question]]``) between two lines."""
        seen = 0
        for number, heading in self.headings:
            if number <= after or (before is not None and number >= before):
                continue
            if heading == spelt:
                seen += 1
                if seen == nth:
                    return number
        return None

    def next_heading(self, line: int, spelt: tuple[str, ...] | None = None) -> int | None:
        """The first heading after ``line`` (one of ``spelt``, if given)."""
        for number, heading in self.headings:
            if number > line and (spelt is None or heading in spelt):
                return number
        return None

    def key_in(self, table_line: int | None, key: str) -> int | None:
        """The line setting ``key`` in the table headed on ``table_line`` (None: the top level).

        When the key is not there, the table's own line, the best place to add it.
        """
        start = table_line or 0
        end = self.next_heading(start) or len(self.lines) + 1
        for number, written in self.keys:
            if start < number < end and _is_key(written, key):
                return number
        return table_line

    def table(self, name: str, index: int | None = None) -> int | None:
        """The line of ``[name]``, or of the ``index``-th (0-based) ``[[name]]``."""
        if index is None:
            return self.heading(f"[{name}]")
        return self.heading(f"[[{name}]]", index + 1)

    def key(self, table: str, key: str, index: int | None = None) -> int | None:
        """The line of ``key`` in ``[table]`` (or the ``index``-th ``[[table]]``; "" the top level)."""
        if not table:
            return self.key_in(None, key)
        start = self.table(table, index)
        return None if start is None else self.key_in(start, key)


def toml_error_position(error: tomllib.TOMLDecodeError) -> tuple[str, int | None, int | None]:
    """What ``tomllib`` found wrong, and the line and column it gave up at."""
    text = str(error)
    found = _POSITION.search(text)
    if found is None:
        return text, None, None
    return text[: found.start()], int(found.group(1)), int(found.group(2))


def duplicates(text: str, file: str) -> list[Problem]:
    """Keys and tables written twice, each named with both lines.

    TOML forbids them and ``tomllib`` says only where it gave up; a convenor who
    pasted a setting in twice needs to know which two lines to choose between.
    """
    problems: list[Problem] = []
    tables: dict[str, int] = {}
    keys: dict[tuple[str, int, str], int] = {}
    scope, label_of_scope, occurrence = "", "", 0
    for line in _scan(text.splitlines()):
        if line.brackets:
            scope, label_of_scope = line.table, line.heading
            occurrence = line.number if line.brackets == "[[" else 0  # each [[meeting]] is fresh
            if line.brackets == "[" and scope in tables:
                problems.append(
                    Problem(
                        file,
                        f"this heading is written twice, on lines {tables[scope]} and "
                        f"{line.number}. Keep one heading and put all its settings under it.",
                        line.number,
                        f"[{scope}]",
                    )
                )
            if line.brackets == "[":
                tables.setdefault(scope, line.number)
            continue
        where = (scope, occurrence, line.key)
        if where in keys:
            label = f"{label_of_scope} {line.key}" if scope else line.key
            problems.append(
                Problem(
                    file,
                    f"is set twice, on lines {keys[where]} and {line.number}. Keep the one you "
                    "mean and delete the other.",
                    line.number,
                    label,
                )
            )
        keys.setdefault(where, line.number)
    return problems
