"""Typed values read out of config.toml's parsed tables, every problem collected.

``SettingsReader`` is handed what ``tomllib`` made of the file and its text (to
say which line a problem is on); each of its methods reads one key as text, a
whole number, a choice, a path..., and when the value will not do, notes a
problem saying what, where and the fix, and goes on with the default.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scheduler.errors import Problem
from scheduler.inputs.config import KNOWN_KEYS
from scheduler.inputs.plain_text import BIDI_CONTROLS, ENCODED_WORD, quote
from scheduler.inputs.toml_lines import TomlLines
from scheduler.safety import clean_header_text

SECRET_KEYS = {"password", "pass", "secret", "token_key", "api_key", "key"}


class SettingsReader:
    """Reads typed values out of the parsed TOML, collecting problems."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.where = TomlLines(text)
        self.problems: list[Problem] = []
        self.meeting_ids: list[str] = []  # so a meeting is named by its id, not its place

    def problem(self, table: str, key: str | None, message: str, index: int | None = None) -> None:
        line = self.where.key(table, key, index) if key else self.where.table(table, index)
        if index is not None:
            known = (
                self.meeting_ids[index]
                if table == "meeting" and index < len(self.meeting_ids)
                else ""
            )
            label = f'[[{table}]] "{known}"' if known else f"[[{table}]] {index + 1}"
        else:
            label = f"[{table}]" if table else ""
        field_name = f"{label} {key}".strip() if key else label
        self.problems.append(Problem(self.file, message, line, field_name or None))

    def table(self, data: Mapping[str, Any], name: str, parent: str = "") -> Mapping[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, Mapping):
            self.problem(parent, name, f"should be a table [{name}], not a single value.")
            return {}
        return value

    def unknown(self, data: Mapping[str, Any], table: str, index: int | None = None) -> None:
        known = KNOWN_KEYS[table.split("#")[0]]
        for key in data:
            if key in known:
                continue
            if key.lower() in SECRET_KEYS or "password" in key.lower():
                self.problem(
                    table,
                    key,
                    "secrets never go in the config file. Delete this line and put the "
                    "secret in an environment variable named by the matching *_env key.",
                    index,
                )
                continue
            value = data[key]
            name = f"{table}.{key}" if table else key
            is_list = isinstance(value, list) and bool(value)
            if isinstance(value, Mapping) or (
                is_list and all(isinstance(v, Mapping) for v in value)
            ):
                # a section: [name] or [[name]], found by its own heading
                sections = (
                    sorted(n.rpartition(".")[2] for n in KNOWN_KEYS if n.startswith(table + "."))
                    if table
                    else sorted(KNOWN_KEYS[""])
                )
                guess = _closest(key, sections)
                guessed = f"{table}.{guess}" if table else guess
                hint = (
                    f" Did you mean {'[[' if guessed == 'meeting' else '['}{guessed}"
                    f"{']]' if guessed == 'meeting' else ']'}?"
                    if guess
                    else ""
                )
                shape = f"[[{name}]]" if is_list else f"[{name}]"
                line = self.where.table(name, 0 if is_list else None)
                if line is None:
                    line = self.where.key(table, key, index) if table else None
                self.problems.append(
                    Problem(
                        self.file,
                        f"is not a section this version knows.{hint}",
                        line,
                        shape,
                    )
                )
                continue
            guess = _closest(key, sorted(known))
            hint = f' Did you mean "{guess}"?' if guess else ""
            self.problem(table, key, f"is not a setting this version knows.{hint}", index)

    def text(
        self,
        data: Mapping[str, Any],
        table: str,
        key: str,
        *,
        required: bool = False,
        default: str = "",
        index: int | None = None,
        header: bool = False,
    ) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(table, key, "is missing. Add it, e.g. " + _example(key), index)
            return default
        if not isinstance(value, str):
            self.problem(table, key, f"should be text in quotes, not {value!r}.", index)
            return default
        if required and not value.strip():
            self.problem(table, key, "is empty. " + _example(key), index)
        if header and clean_header_text(value) != value:
            self.problem(
                table,
                key,
                f"{quote(value)} contains a line break or control character (shown with a "
                "backslash); keep it on one line.",
                index,
            )
        elif header and any(ch in BIDI_CONTROLS for ch in value):
            self.problem(
                table,
                key,
                f"{quote(value)} contains an invisible direction override (shown as \\u202e "
                "or similar), which makes text show in a different order from how it is "
                "written; retype it without.",
                index,
            )
        elif header and ENCODED_WORD.search(value):
            self.problem(
                table,
                key,
                f'{quote(value)} holds mail encoding ("=?...?=") that email programs would '
                "turn into other text; write the text itself.",
                index,
            )
        return value

    def integer(
        self,
        data: Mapping[str, Any],
        table: str,
        key: str,
        default: int,
        *,
        minimum: int = 0,
        index: int | None = None,
    ) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(table, key, f"should be a whole number, not {value!r}.", index)
            return default
        if value < minimum:
            self.problem(table, key, f"should be at least {minimum}, not {value}.", index)
            return default
        return value

    def number(self, data: Mapping[str, Any], table: str, key: str, default: float) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            self.problem(table, key, f"should be a positive number, not {value!r}.")
            return default
        return float(value)

    def choice(
        self,
        data: Mapping[str, Any],
        table: str,
        key: str,
        choices: tuple[str, ...],
        default: str,
        *,
        index: int | None = None,
    ) -> str:
        value = data.get(key, default)
        if value not in choices:
            options = ", ".join(choices[:-1]) + " or " + choices[-1]
            self.problem(table, key, f'"{value}" is not {options}.', index)
            return default
        return str(value)

    def boolean(self, data: Mapping[str, Any], table: str, key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(table, key, f"should be true or false, not {value!r}.")
            return default
        return value

    def path(
        self,
        data: Mapping[str, Any],
        table: str,
        key: str,
        default: Path,
        base: Path,
        *,
        follow_links: bool = True,
    ) -> Path:
        value = self.text(data, table, key, default=str(default))
        if not value:
            return base
        # A path judged as itself (the token key file: a link there is refused, not followed)
        # is made absolute without resolving its last part.
        return (
            (base / value).resolve()
            if follow_links
            else Path(os.path.normpath(base.resolve() / value))
        )


def _closest(word: str, choices: list[str]) -> str | None:
    """The known name ``word`` is most likely a slip for, if any is close."""
    lowered = {choice.lower(): choice for choice in choices}
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    if found:
        return lowered[found[0]]
    starts = [choice for choice in choices if choice.startswith(word[:3].lower())]
    return starts[0] if len(word) >= 3 and starts else None


_EXAMPLES = {
    "name": 'name = "Willenhall Together"',
    "timezone": 'timezone = "Europe/London"',
    "email": 'email = "priya.shah@grapevine.example.org"',
    "from": 'from = "Willenhall Together <reflect@reflect.example.org>"',
    "reply_to": 'reply_to = "reflect+{token}@reflect.example.org"',
    "members": 'members = "members.csv"',
    "purpose": 'purpose = "What the partnership is for, in a sentence."',
    "id": 'id = "reflection"',
    "title": 'title = "Reflection point"',
    "first": "first = 2027-01-12T10:00:00",
}


def _example(key: str) -> str:
    return _EXAMPLES.get(key, f"{key} = ...")
