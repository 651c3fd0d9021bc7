"""The framework's questions and the partnership checklist, as attributed data.

The words live in TOML files under ``content/``: ``framework.toml`` holds the
five framework questions, ``checklist.toml`` the partnership checklist. Each
starts with a ``[source]`` table saying where the words come from. A
partnership may name files of its own questions with the same ``[[question]]``
shape: a question whose id is already known replaces that question in place,
and new ids are added after the rest.

``parse_content`` is pure: it is handed (file name, text) pairs, gathers every
problem it finds and raises one ``ContentError`` listing them all. Only
``bundled_content_texts`` and ``load_bundled_content`` read files.
"""

from __future__ import annotations

import difflib
import importlib.resources
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from scheduler.errors import ContentError, Problem

__all__ = [
    "ChecklistArea",
    "Content",
    "Question",
    "Resource",
    "bundled_content_texts",
    "load_bundled_content",
    "parse_content",
]

FRAMEWORK_NAME = "content/framework.toml"
CHECKLIST_NAME = "content/checklist.toml"

_SOURCE_KEYS = (
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
_QUESTION_KEYS = ("id", "number", "text", "prompts", "points", "resource")
_RESOURCE_KEYS = ("title", "description")
_AREA_KEYS = ("id", "title", "questions")
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_HEADER = re.compile(r"\s*(\[\[[^\]]*\]\]|\[[^\]]*\])")
_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*\Z")


@dataclass(frozen=True)
class Resource:
    """Something to read or try alongside a question."""

    title: str
    description: str


@dataclass(frozen=True)
class Question:
    """One reflection question, with what helps members think it through.

    ``source`` is the attribution line shown wherever the words are used.
    """

    id: str
    number: int | None
    text: str
    prompts: tuple[str, ...]
    points: tuple[str, ...]
    resources: tuple[Resource, ...]
    source: str


@dataclass(frozen=True)
class ChecklistArea:
    """One area of the partnership checklist and its questions."""

    id: str
    title: str
    questions: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Content:
    """Every question by id, in the order given, and the checklist areas."""

    questions: Mapping[str, Question]
    checklist: tuple[ChecklistArea, ...]


def parse_content(
    framework: tuple[str, str],
    checklist: tuple[str, str],
    extra: Sequence[tuple[str, str]] = (),
) -> Content:
    """Build the content from (file name, TOML text) pairs; no file is read.

    Questions in ``extra`` files replace bundled questions with the same id and
    add new ones at the end. Raises ``ContentError`` listing every problem.
    """
    files = [_File(*framework), _File(*checklist)] + [_File(*pair) for pair in extra]
    questions: dict[str, Question] = {}
    for question in _question_file(files[0], source_required=True):
        questions[question.id] = question
    areas = _checklist_file(files[1])
    for each in files[2:]:
        for question in _question_file(each, source_required=False):
            questions[question.id] = question

    # Within a file, list problems top to bottom, as a convenor would fix them.
    problems = [
        problem
        for each in files
        for problem in sorted(each.problems, key=lambda problem: problem.line or 0)
    ]
    if problems:
        raise ContentError(problems)
    return Content(questions=questions, checklist=tuple(areas))


def bundled_content_texts() -> tuple[tuple[str, str], tuple[str, str]]:
    """The framework and checklist files shipped with the package, as (name, text)."""
    folder = importlib.resources.files("scheduler") / "content"
    framework = (folder / "framework.toml").read_text(encoding="utf-8")
    checklist = (folder / "checklist.toml").read_text(encoding="utf-8")
    return (FRAMEWORK_NAME, framework), (CHECKLIST_NAME, checklist)


def load_bundled_content(extra_paths: Sequence[Path] = ()) -> Content:
    """Read the bundled content and a partnership's question files, then parse them.

    A file that cannot be read is reported alongside any problems in the others.
    """
    framework, checklist = bundled_content_texts()
    unreadable: list[Problem] = []
    extra: list[tuple[str, str]] = []
    for path in extra_paths:
        try:
            extra.append((str(path), path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            unreadable.append(
                Problem(
                    file=str(path),
                    message="is not UTF-8 text. Save it as UTF-8 from your editor.",
                )
            )
        except OSError as error:
            reason = error.strerror or str(error)
            unreadable.append(
                Problem(
                    file=str(path),
                    message=f"cannot be read ({reason}). "
                    "Check the path given in [prompts] extra_questions.",
                )
            )
    try:
        content = parse_content(framework, checklist, extra)
    except ContentError as error:
        raise ContentError(unreadable + error.problems) from None
    if unreadable:
        raise ContentError(unreadable)
    return content


# --- one file ------------------------------------------------------------------


@dataclass
class _File:
    """One file being read: its name, its lines and where problems go."""

    name: str
    text: str
    problems: list[Problem] = field(init=False)
    headers: list[tuple[int, str]] = field(init=False)
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.text = self.text.removeprefix("\ufeff")
        self.problems = []
        self.lines = self.text.splitlines()
        self.headers = []
        for number, line in enumerate(self.lines, start=1):
            match = _HEADER.match(line)
            if match:
                self.headers.append((number, re.sub(r"\s+", "", match.group(1))))

    def add(self, message: str, *, line: int | None = None, where: str | None = None) -> None:
        self.problems.append(Problem(file=self.name, line=line, field=where, message=message))

    def header(self, name: str, nth: int, after: int = 0, before: int | None = None) -> int | None:
        """Line of the ``nth`` (1-based) header spelt ``name`` between two lines."""
        seen = 0
        for number, header in self.headers:
            if number <= after or (before is not None and number >= before):
                continue
            if header == name:
                seen += 1
                if seen == nth:
                    return number
        return None

    def next_header(self, line: int, names: tuple[str, ...] | None = None) -> int | None:
        """The first header after ``line`` (one of ``names``, if given)."""
        for number, header in self.headers:
            if number > line and (names is None or header in names):
                return number
        return None

    def key_line(self, table_line: int | None, key: str) -> int | None:
        """Best guess at the line where ``key`` is set in the table starting at ``table_line``."""
        start = table_line or 0
        end = self.next_header(start) or len(self.lines) + 1
        pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number in range(start + 1, end):
            if pattern.match(self.lines[number - 1]):
                return number
        return table_line

    def load(self) -> Mapping[str, object] | None:
        try:
            return tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as error:
            reason = str(error)
            line: int | None = None
            match = _TOML_WHERE.search(reason)
            if match:
                line = int(match.group(1))
                reason = f"{reason[: match.start()]} at column {match.group(2)}"
            self.add(
                f"not valid TOML: {reason}. Check the quotes, brackets and commas there; "
                "text values go in double quotes and lists in [ ].",
                line=line,
            )
            return None


# --- field checks --------------------------------------------------------------


def _describe(value: object) -> str:
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


def _unknown_keys(
    f: _File,
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
            line=f.key_line(table_line, key),
            where=f'{label} unknown field "{key}"',
        )


def _text(
    f: _File,
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
    line = f.key_line(table_line, key)
    if not isinstance(value, str):
        f.add(
            f'is {_describe(value)}, not text. Write {key} = "..." with double quotes.',
            line=line,
            where=where,
        )
        return None
    if not value.strip():
        f.add(f"is empty. {why}", line=line, where=where)
        return None
    return value.strip()


def _texts(
    f: _File,
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
    line = f.key_line(table_line, key)
    if not isinstance(value, list):
        f.add(
            f'is {_describe(value)}, not a list. Write {key} = ["First?", "Second?"].',
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
                f"item {position} is {_describe(item)}, not text. Put each entry in double quotes.",
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


def _identifier(
    f: _File,
    table: Mapping[str, object],
    *,
    label: str,
    table_line: int | None,
    why: str,
) -> str | None:
    value = _text(f, table, "id", label=label, table_line=table_line, why=why)
    if value is None:
        return None
    if not _ID.match(value):
        suggestion = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "my-question"
        f.add(
            f'"{value}" is not a usable id; use lower-case letters, digits and hyphens, '
            f'e.g. "{suggestion}".',
            line=f.key_line(table_line, "id"),
            where=f'{label} field "id"',
        )
        return None
    return value


def _tables(
    f: _File, data: Mapping[str, object], key: str, *, what: str
) -> list[Mapping[str, object]] | None:
    """The array of tables under ``key``, or None (with a problem) if it is not one."""
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    f.add(
        f"is {_describe(value)}; write each {what} under its own [[{key}]] header "
        "(double square brackets).",
        line=f.key_line(None, key) or f.header(f"[{key}]", 1),
        where=f"[[{key}]]",
    )
    return None


# --- whole files ---------------------------------------------------------------


def _source(f: _File, data: Mapping[str, object], *, required: bool) -> str:
    """Check ``[source]`` and return the attribution line for the file's contents."""
    fallback = PurePath(f.name).name
    line = f.header("[source]", 1)
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
            f'is {_describe(value)}; write it as a table: a [source] line, then title = "...".',
            line=f.key_line(None, "source"),
            where="[source]",
        )
        return fallback
    _unknown_keys(f, value, _SOURCE_KEYS, label="[source]", table_line=line)
    why = "Say where the words come from so every email can credit them."
    details: dict[str, str | None] = {}
    for key in _SOURCE_KEYS:
        if key == "seed":
            continue
        details[key] = _text(
            f, value, key, label="[source]", table_line=line, why=why, required=key == "title"
        )
    seed = value.get("seed")
    if seed is not None and not isinstance(seed, str):
        _texts(f, value, "seed", label="[source]", table_line=line, why=why)
    if details["attribution"]:
        return details["attribution"]
    who = details["publisher"] or details["authors"]
    parts = [part for part in (who, details["title"]) if part]
    if not parts:
        return fallback
    attribution = ", ".join(parts)
    return f"{attribution} ({details['date']})" if details["date"] else attribution


def _question_file(f: _File, *, source_required: bool) -> list[Question]:
    data = f.load()
    if data is None:
        return []
    _unknown_keys(f, data, ("source", "question"), label="top level", table_line=None)
    source = _source(f, data, required=source_required)
    tables = _tables(f, data, "question", what="question")
    if tables is None:
        return []
    if not tables:
        f.add(
            "no questions found. Add at least one [[question]] table with an id and text.",
            where="[[question]]",
        )
        return []

    questions: list[Question] = []
    first_use: dict[str, int] = {}
    for nth, table in enumerate(tables, start=1):
        label = f"[[question]] {nth}"
        line = f.header("[[question]]", nth)
        _unknown_keys(f, table, _QUESTION_KEYS, label=label, table_line=line)
        qid = _identifier(
            f,
            table,
            label=label,
            table_line=line,
            why='Every question needs an id, e.g. id = "purpose", so the config can name it.',
        )
        if qid is not None and qid in first_use:
            f.add(
                f'"{qid}" is already the id of [[question]] {first_use[qid]}. '
                "Give each question in a file its own id.",
                line=f.key_line(line, "id"),
                where=f'{label} field "id"',
            )
            qid = None
        elif qid is not None:
            first_use[qid] = nth
        number = _number(f, table, label=label, table_line=line)
        text = _text(
            f,
            table,
            "text",
            label=label,
            table_line=line,
            why="Every question needs the words to ask.",
        )
        lists = {
            key: _texts(
                f,
                table,
                key,
                label=label,
                table_line=line,
                why="Each entry is one line of text.",
            )
            for key in ("prompts", "points")
        }
        resources = _resources(f, table, nth=nth, label=label, question_line=line)
        if qid is None or text is None or resources is None:
            continue
        questions.append(
            Question(
                id=qid,
                number=number,
                text=text,
                prompts=lists["prompts"],
                points=lists["points"],
                resources=resources,
                source=source,
            )
        )
    return questions


def _number(
    f: _File, table: Mapping[str, object], *, label: str, table_line: int | None
) -> int | None:
    value = table.get("number")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        f.add(
            f"is {_describe(value)}; use a whole number from 1 up without quotes, "
            "e.g. number = 6, or leave it out.",
            line=f.key_line(table_line, "number"),
            where=f'{label} field "number"',
        )
        return None
    return value


def _resources(
    f: _File,
    table: Mapping[str, object],
    *,
    nth: int,
    label: str,
    question_line: int | None,
) -> tuple[Resource, ...] | None:
    value = table.get("resource")
    if value is None:
        return ()
    if not (isinstance(value, list) and all(isinstance(item, dict) for item in value)):
        f.add(
            f"is {_describe(value)}; write each resource under its own "
            "[[question.resource]] header after its question.",
            line=f.key_line(question_line, "resource"),
            where=f'{label} field "resource"',
        )
        return None
    end = f.next_header(question_line or 0, ("[[question]]",))
    why = "Every resource needs a title and a one-line description."
    resources: list[Resource] = []
    complete = True
    for mth, item in enumerate(value, start=1):
        sub_label = f"{label} resource {mth}"
        line = f.header("[[question.resource]]", mth, after=question_line or 0, before=end)
        _unknown_keys(f, item, _RESOURCE_KEYS, label=sub_label, table_line=line)
        title = _text(f, item, "title", label=sub_label, table_line=line, why=why)
        description = _text(f, item, "description", label=sub_label, table_line=line, why=why)
        if title is None or description is None:
            complete = False
            continue
        resources.append(Resource(title=title, description=description))
    return tuple(resources) if complete else None


def _checklist_file(f: _File) -> list[ChecklistArea]:
    data = f.load()
    if data is None:
        return []
    _unknown_keys(f, data, ("source", "area"), label="top level", table_line=None)
    source = _source(f, data, required=True)
    tables = _tables(f, data, "area", what="checklist area")
    if tables is None:
        return []
    if not tables:
        f.add(
            "no checklist areas found. Add [[area]] tables with an id, a title and questions.",
            where="[[area]]",
        )
        return []

    areas: list[ChecklistArea] = []
    first_use: dict[str, int] = {}
    for nth, table in enumerate(tables, start=1):
        label = f"[[area]] {nth}"
        line = f.header("[[area]]", nth)
        _unknown_keys(f, table, _AREA_KEYS, label=label, table_line=line)
        area_id = _identifier(
            f,
            table,
            label=label,
            table_line=line,
            why='Every area needs an id, e.g. id = "relationships".',
        )
        if area_id is not None and area_id in first_use:
            f.add(
                f'"{area_id}" is already the id of [[area]] {first_use[area_id]}. '
                "Give each area its own id.",
                line=f.key_line(line, "id"),
                where=f'{label} field "id"',
            )
            area_id = None
        elif area_id is not None:
            first_use[area_id] = nth
        title = _text(
            f,
            table,
            "title",
            label=label,
            table_line=line,
            why="Every area needs a title to head its questions.",
        )
        questions = _texts(
            f,
            table,
            "questions",
            label=label,
            table_line=line,
            why="Every area needs at least one question.",
            required=True,
        )
        if area_id is None or title is None or not questions:
            continue
        areas.append(ChecklistArea(id=area_id, title=title, questions=questions, source=source))
    return areas
