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

import importlib.resources
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scheduler.errors import ContentError, Problem
from scheduler.inputs.content_fields import (
    ContentFile,
    check_keys,
    describe,
    read_id,
    read_source,
    read_tables,
    read_text,
    read_texts,
)

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

_QUESTION_KEYS = ("id", "number", "text", "prompts", "points", "resource")
_RESOURCE_KEYS = ("title", "description")
_AREA_KEYS = ("id", "title", "questions")


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
    files = [ContentFile(*framework), ContentFile(*checklist)] + [
        ContentFile(*pair) for pair in extra
    ]
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


# --- whole files ---------------------------------------------------------------


def _unique(
    f: ContentFile,
    first_use: dict[str, int],
    the_id: str | None,
    nth: int,
    *,
    table: str,
    line: int | None,
    advice: str,
) -> str | None:
    """The id, if no earlier table in the file took it (else None, the problem noted)."""
    if the_id is not None and the_id in first_use:
        f.add(
            f'"{the_id}" is already the id of [[{table}]] {first_use[the_id]}. {advice}',
            line=f.lines.key_in(line, "id"),
            where=f'[[{table}]] {nth} field "id"',
        )
        return None
    if the_id is not None:
        first_use[the_id] = nth
    return the_id


def _question_file(f: ContentFile, *, source_required: bool) -> list[Question]:
    data = f.load()
    if data is None:
        return []
    check_keys(f, data, ("source", "question"), label="top level", table_line=None)
    source = read_source(f, data, required=source_required)
    tables = read_tables(f, data, "question", what="question")
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
        line = f.lines.heading("[[question]]", nth)
        check_keys(f, table, _QUESTION_KEYS, label=label, table_line=line)
        qid = read_id(
            f,
            table,
            label=label,
            table_line=line,
            why='Every question needs an id, e.g. id = "purpose", so the config can name it.',
        )
        qid = _unique(f, first_use, qid, nth, table="question", line=line,
                      advice="Give each question in a file its own id.")  # fmt: skip
        number = _number(f, table, label=label, table_line=line)
        text = read_text(
            f,
            table,
            "text",
            label=label,
            table_line=line,
            why="Every question needs the words to ask.",
        )
        lists = {
            key: read_texts(
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
    f: ContentFile, table: Mapping[str, object], *, label: str, table_line: int | None
) -> int | None:
    value = table.get("number")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        f.add(
            f"is {describe(value)}; use a whole number from 1 up without quotes, "
            "e.g. number = 6, or leave it out.",
            line=f.lines.key_in(table_line, "number"),
            where=f'{label} field "number"',
        )
        return None
    return value


def _resources(
    f: ContentFile,
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
            f"is {describe(value)}; write each resource under its own "
            "[[question.resource]] header after its question.",
            line=f.lines.key_in(question_line, "resource"),
            where=f'{label} field "resource"',
        )
        return None
    end = f.lines.next_heading(question_line or 0, ("[[question]]",))
    why = "Every resource needs a title and a one-line description."
    resources: list[Resource] = []
    complete = True
    for mth, item in enumerate(value, start=1):
        sub_label = f"{label} resource {mth}"
        line = f.lines.heading("[[question.resource]]", mth, after=question_line or 0, before=end)
        check_keys(f, item, _RESOURCE_KEYS, label=sub_label, table_line=line)
        title = read_text(f, item, "title", label=sub_label, table_line=line, why=why)
        description = read_text(f, item, "description", label=sub_label, table_line=line, why=why)
        if title is None or description is None:
            complete = False
            continue
        resources.append(Resource(title=title, description=description))
    return tuple(resources) if complete else None


def _checklist_file(f: ContentFile) -> list[ChecklistArea]:
    data = f.load()
    if data is None:
        return []
    check_keys(f, data, ("source", "area"), label="top level", table_line=None)
    source = read_source(f, data, required=True)
    tables = read_tables(f, data, "area", what="checklist area")
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
        line = f.lines.heading("[[area]]", nth)
        check_keys(f, table, _AREA_KEYS, label=label, table_line=line)
        area_id = read_id(
            f,
            table,
            label=label,
            table_line=line,
            why='Every area needs an id, e.g. id = "relationships".',
        )
        area_id = _unique(f, first_use, area_id, nth, table="area", line=line,
                          advice="Give each area its own id.")  # fmt: skip
        title = read_text(
            f,
            table,
            "title",
            label=label,
            table_line=line,
            why="Every area needs a title to head its questions.",
        )
        questions = read_texts(
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


# The ids of the product's own two questions, and their words.
GETTING_TO_KNOW_YOU = "getting-to-know-you"
# The governance checklist as one email: its outbox row's question id, and the prompt
# a reply naming none of its numbered parts is filed under (replies/parts.py)
CHECKLIST = "checklist"
HANDOVER = "handover"

# The product's own questions (not the framework's): asked on joining and leaving.
OWN_QUESTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    GETTING_TO_KNOW_YOU: (
        "Getting to know you: what brings you to this work?",
        (
            "What brings you to this work, personally?",
            "What do you bring, personally and from your organisation?",
            "What would success look like to you?",
        ),
    ),
    HANDOVER: ("A short handover note", ()),
}
