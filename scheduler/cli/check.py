"""``reflect check``: every problem with the config, the membership list and the
questions, listed at once (exit 2), or one line saying all is sound followed by
each meeting series' next three dates in words, to be seen to be right."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.cli.arguments import _config_path, _now
from scheduler.errors import InputError, Problem

if TYPE_CHECKING:
    from scheduler.inputs.config import Config
    from scheduler.inputs.config_file import MembersFile


def cmd_check(args: argparse.Namespace) -> int:
    from scheduler.app.services import read_config
    from scheduler.inputs.config_file import members_file

    path = _config_path(args)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    try:
        config = read_config(path)
    except InputError as exc:
        problems.extend(exc.problems)
        config = None
    text = path.read_text(encoding="utf-8-sig")
    if config is not None:
        problems.extend(_content_problems(args, config, text))
    # the membership file is checked even when the rest of the config has problems
    members = members_file(text, path)
    not_checked = ""
    if members.path is None:
        not_checked = (
            f"Not checked: the membership file, because {members.unknown_because}. "
            "Once that is fixed, run reflect check again."
        )
    else:
        _check_members_file(path.name, members, problems, warnings)
    if config is not None:
        _check_secrets(path.name, config, text, problems, warnings)
    code = _verdict(path, config, problems, warnings, not_checked)
    if code == 0 and config is not None:
        from scheduler.app.upcoming import next_dates

        print("\n".join(next_dates(config, _now(args, config.partnership.timezone))))
    return code


def _content_problems(args: argparse.Namespace, config: Config, text: str) -> list[Problem]:
    """The questions the config names, and meetings the archive holds that are now past."""
    from scheduler.archive.snapshot import archived_meeting_ids
    from scheduler.inputs.config_checks import (
        area_problems,
        past_meeting_problems,
        question_problems,
    )
    from scheduler.inputs.content import load_bundled_content

    problems: list[Problem] = []
    content = None
    extra = [config.prompts.extra_questions] if config.prompts.extra_questions else []
    try:
        content = load_bundled_content(extra)
    except InputError as exc:
        problems.extend(exc.problems)
    if content is not None:
        known = set(content.questions)
        problems.extend(question_problems(config, text, known))
        problems.extend(area_problems(config, text, [area.id for area in content.checklist]))
    archived = archived_meeting_ids(config.database)
    if archived is not None:
        now = _now(args, config.partnership.timezone)
        problems.extend(past_meeting_problems(config, text, now, archived))
    return problems


def _check_secrets(
    config_name: str, config: Config, text: str, problems: list[Problem], warnings: list[Problem]
) -> None:
    """The passwords the config names (warnings while unset) and the token key (a problem)."""
    from scheduler.compose.tokens import secret_problem
    from scheduler.inputs.toml_lines import TomlLines

    smtp = config.mail.smtp
    if config.mail.transport == "smtp" and smtp.username and not os.environ.get(smtp.password_env):
        warnings.append(
            Problem(
                config_name,
                f"the environment variable {smtp.password_env} "
                "is not set; sending will fail until it is.",
                None,
                "[mail.smtp] password_env",
            )
        )
    key_problem = secret_problem(
        env_name=config.security.token_key_env,
        key_file=config.security.key_file,
        environ=os.environ,
    )
    if key_problem:
        from_env = bool(os.environ.get(config.security.token_key_env))
        setting = "token_key_env" if from_env else "key_file"
        problems.append(
            Problem(
                config_name,
                key_problem,
                None if from_env else TomlLines(text).key("security", "key_file"),
                f"[security] {setting}",
            )
        )
    if config.inbox.source == "imap" and not os.environ.get(config.inbox.imap.password_env):
        warnings.append(
            Problem(
                config_name,
                f"the environment variable {config.inbox.imap.password_env} is "
                "not set; reading replies will fail until it is.",
                None,
                "[inbox.imap] password_env",
            )
        )


def _verdict(
    path: Path,
    config: Config | None,
    problems: list[Problem],
    warnings: list[Problem],
    not_checked: str,
) -> int:
    """Print the warnings, then every problem (exit 2) or the one line that all is sound."""
    for warning in warnings:
        print(f"Warning: {warning}")
    if problems:
        for problem in problems:
            print(f"Error: {problem}")
        if not_checked:
            print(not_checked)
        if config is None:
            print(
                "Not checked yet: the question ids under [prompts] and the password settings; "
                "they are checked once the problems above are fixed."
            )
        print(f"{len(problems)} problem(s) found. Nothing was sent.")
        return 2
    assert config is not None
    print(
        f"OK: {path} is sound: {config.partnership.name}, {len(config.meetings)} meeting series, "
        f"members from {config.partnership.members.name}."
    )
    return 0


def _check_members_file(
    config_name: str, members: MembersFile, problems: list[Problem], warnings: list[Problem]
) -> None:
    """Add the membership file's problems and warnings; ``members.path`` is known."""
    from scheduler.errors import MembersError
    from scheduler.inputs.members import parse_members
    from scheduler.inputs.plain_text import quote

    path = members.path
    assert path is not None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        name, where = quote(members.setting), quote(str(path), limit=1000)
        if isinstance(exc, FileNotFoundError):
            message = (
                f"{name} does not exist (looked for {where}). Create it with the first row "
                "name,email,organisation,sector,role,joined,left, or correct the file name here."
            )
        elif isinstance(exc, IsADirectoryError):
            message = (
                f"{name} is a folder ({where}); name the membership spreadsheet itself, "
                'e.g. members = "members.csv".'
            )
        else:
            message = (
                f"{name} cannot be read ({exc.strerror}); check that {where} is a file "
                "this account may read."
            )
        problems.append(Problem(config_name, message, members.line, "[partnership] members"))
        return
    try:
        membership = parse_members(raw, file=path.name)
    except MembersError as exc:
        problems.extend(exc.problems)
        warnings.extend(exc.warnings)  # shown beside the errors, not only once they are fixed
    else:
        warnings.extend(membership.warnings)
