"""config.toml's text into a ``Config``, or every problem with the line it is on.

``parse_config`` is pure: it takes the file's text and its path (for messages
and for resolving relative paths) and returns a ``Config`` or raises
``ConfigError`` listing every problem, each with the line it is on and how to
fix it. Nothing here reads the environment or opens a file. Each table is read
by a small function here, [mail] and [inbox] in ``mail_settings`` and the
[[meeting]] tables in ``meetings``; the defaults are the dataclasses' own.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.errors import ConfigError, Problem
from scheduler.inputs.config import (
    Config,
    Convenor,
    DigestSettings,
    InductionSettings,
    LeadershipSettings,
    Meeting,
    Partnership,
    PromptSettings,
    SecuritySettings,
    choices,
    default,
)
from scheduler.inputs.config_reader import SettingsReader
from scheduler.inputs.mail_settings import read_inbox, read_mail
from scheduler.inputs.meetings import read_meetings
from scheduler.inputs.toml_lines import TomlLines, duplicates, toml_error_position
from scheduler.safety import is_valid_address


def parse_config(text: str, path: Path) -> Config:
    """Validate the config text; ``path`` names the file and anchors relative paths."""
    file = path.name
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _not_toml(text, file, exc) from None
    base = path.parent.resolve()
    r = SettingsReader(file, text)
    r.unknown(data, "")
    partnership = _read_partnership(r, r.table(data, "partnership"), base)
    convenor = _read_convenor(r, r.table(data, "convenor"))
    mail = read_mail(r, r.table(data, "mail"), base)
    inbox = read_inbox(r, r.table(data, "inbox"), base)
    storage = r.table(data, "storage")
    r.unknown(storage, "storage")
    database = r.path(storage, "storage", "database", default(Config, "database"), base)
    keep_raw_days = r.integer(storage, "storage", "keep_raw_days", default(Config, "keep_raw_days"))
    security = _read_security(r, r.table(data, "security"), base)
    meetings = read_meetings(r, data.get("meeting", []), partnership.timezone)
    prompts = _read_prompts(r, r.table(data, "prompts"), base, meetings)
    induction = _read_induction(r, r.table(data, "induction"))
    digest = _read_digest(r, r.table(data, "digest"))
    leadership = _read_leadership(r, r.table(data, "leadership"))
    if r.problems:
        raise ConfigError(r.problems)
    return Config(
        path=path.resolve(),
        partnership=partnership,
        convenor=convenor,
        mail=mail,
        inbox=inbox,
        database=database,
        security=security,
        meetings=meetings,
        prompts=prompts,
        induction=induction,
        digest=digest,
        leadership=leadership,
        keep_raw_days=keep_raw_days,
    )


def _not_toml(text: str, file: str, exc: tomllib.TOMLDecodeError) -> ConfigError:
    """Keys written twice, each with both lines; else where ``tomllib`` gave up."""
    twice = duplicates(text, file)
    if twice:
        return ConfigError(twice)
    reason, line, column = toml_error_position(exc)
    at_column = f", column {column}" if column is not None else ""
    return ConfigError(
        [
            Problem(
                file,
                f"this is not valid TOML{at_column}: {reason}. Check quotes, brackets "
                "and that text values are in double quotes.",
                line,
            )
        ]
    )


def _read_partnership(r: SettingsReader, p: Mapping[str, Any], base: Path) -> Partnership:
    table = "partnership"
    r.unknown(p, table)
    tz_name = r.text(p, table, "timezone", required=True, default="UTC")
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        r.problem(
            table,
            "timezone",
            f'"{tz_name}" is not a time zone name. Use an IANA name such as "Europe/London".',
        )
        tz_name = "UTC"
    glossary = _read_glossary(r, p.get("glossary", default(Partnership, "glossary")))
    members_name = r.text(p, table, "members", required=True, default="members.csv")
    return Partnership(
        name=r.text(p, table, "name", required=True, header=True),
        timezone=tz_name,
        purpose=r.text(p, table, "purpose", required=True),
        story=r.text(p, table, "story"),
        members=(base / members_name).resolve(),
        decisions=r.text(p, table, "decisions", default=default(Partnership, "decisions")),
        between_meetings=r.text(
            p, table, "between_meetings", default=default(Partnership, "between_meetings")
        ),
        glossary=glossary,
        locale=_read_locale(r, p),
    )


def _read_locale(r: SettingsReader, p: Mapping[str, Any]) -> str:
    """The locale dates in members' notes are read in: a language and a region, en-GB."""
    locale = r.text(p, "partnership", "locale", default=default(Partnership, "locale"))
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Z]{2})?", locale):
        r.problem(
            "partnership",
            "locale",
            f'"{locale}" is not a locale; use a language and a region, e.g. "en-GB".',
        )
        return str(default(Partnership, "locale"))
    return locale


def _read_glossary(r: SettingsReader, raw: object) -> dict[str, str]:
    glossary: dict[str, str] = {}
    if not isinstance(raw, Mapping):
        r.problem("partnership", "glossary", 'should be a table, e.g. glossary = { ICB = "..." }')
        return glossary
    for term, meaning in raw.items():
        if isinstance(meaning, str):
            glossary[str(term)] = meaning
        else:
            r.problem("partnership", "glossary", f'"{term}" should be explained in text.')
    return glossary


def _read_convenor(r: SettingsReader, c: Mapping[str, Any]) -> Convenor:
    r.unknown(c, "convenor")
    convenor = Convenor(
        name=r.text(c, "convenor", "name", required=True, header=True),
        email=r.text(c, "convenor", "email", required=True),
    )
    if convenor.email and not is_valid_address(convenor.email):
        r.problem("convenor", "email", f'"{convenor.email}" is not an email address.')
    return convenor


def _read_security(r: SettingsReader, sec: Mapping[str, Any], base: Path) -> SecuritySettings:
    r.unknown(sec, "security")
    d = SecuritySettings()
    return SecuritySettings(
        token_key_env=r.text(sec, "security", "token_key_env", default=d.token_key_env),
        key_file=r.path(sec, "security", "key_file", d.key_file, base, follow_links=False),
    )


def _read_prompts(
    r: SettingsReader, p: Mapping[str, Any], base: Path, meetings: tuple[Meeting, ...]
) -> PromptSettings:
    r.unknown(p, "prompts")
    d = PromptSettings()
    questions = p.get("questions", list(d.questions))
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        r.problem("prompts", "questions", 'should be a list of question ids, e.g. ["purpose"].')
        questions = list(d.questions)
    checklist = p.get("checklist_meeting", d.checklist_meeting)
    if checklist is not None and checklist not in {m.id for m in meetings}:
        r.problem(
            "prompts",
            "checklist_meeting",
            f'"{checklist}" is not the id of any [[meeting]].',
        )
    extra = p.get("extra_questions")
    return PromptSettings(
        before_meeting_days=r.integer(p, "prompts", "before_meeting_days", d.before_meeting_days),
        reminder_after_days=r.integer(p, "prompts", "reminder_after_days", d.reminder_after_days),
        questions=tuple(questions),
        questions_per_cycle=r.integer(
            p, "prompts", "questions_per_cycle", d.questions_per_cycle, minimum=1
        ),
        checklist_meeting=checklist if isinstance(checklist, str) else None,
        extra_questions=(base / extra).resolve()
        if isinstance(extra, str) and extra
        else d.extra_questions,
    )


def _read_induction(r: SettingsReader, ind: Mapping[str, Any]) -> InductionSettings:
    r.unknown(ind, "induction")
    d = InductionSettings()
    return InductionSettings(
        relationship_weeks=r.integer(ind, "induction", "relationship_weeks", d.relationship_weeks),
        existing_members=r.choice(  # type: ignore[arg-type]
            ind,
            "induction",
            "existing_members",
            choices(InductionSettings, "existing_members"),
            d.existing_members,
        ),
    )


def _read_digest(r: SettingsReader, dg: Mapping[str, Any]) -> DigestSettings:
    r.unknown(dg, "digest")
    d = DigestSettings()
    return DigestSettings(
        days_before=r.integer(dg, "digest", "days_before", d.days_before),
        to_all_members=r.boolean(dg, "digest", "to_all_members", d.to_all_members),
        anonymise=r.boolean(dg, "digest", "anonymise", d.anonymise),
        min_group=r.integer(dg, "digest", "min_group", d.min_group, minimum=1),
        quiet_cycles=r.integer(dg, "digest", "quiet_cycles", d.quiet_cycles, minimum=1),
        anonymise_areas=_area_ids(r, dg, d.anonymise_areas),
        fold_lines=r.integer(dg, "digest", "fold_lines", d.fold_lines, minimum=1),
    )


def _area_ids(
    r: SettingsReader, dg: Mapping[str, Any], default: tuple[str, ...]
) -> tuple[str, ...]:
    areas = dg.get("anonymise_areas", list(default))
    if not isinstance(areas, list) or not all(isinstance(a, str) for a in areas):
        r.problem(
            "digest",
            "anonymise_areas",
            'should be a list of checklist area ids, e.g. ["convenor-role"].',
        )
        return default
    return tuple(areas)


def _read_leadership(r: SettingsReader, lead: Mapping[str, Any]) -> LeadershipSettings:
    r.unknown(lead, "leadership")
    d = LeadershipSettings()
    return LeadershipSettings(
        rotate_roles=r.boolean(lead, "leadership", "rotate_roles", d.rotate_roles)
    )


@dataclass(frozen=True)
class MembersFile:
    """Where ``[partnership] members`` points, read even from a config with other problems.

    ``path`` is None when that cannot be known; ``unknown_because`` then says why, in
    words that finish "the membership file was not checked, because ...".
    """

    path: Path | None
    setting: str = ""  # the file name as the config writes it
    line: int | None = None
    unknown_because: str = ""


def members_file(text: str, path: Path) -> MembersFile:
    """Find the membership file from the config's text alone, as ``parse_config`` would.

    So ``reflect check`` can check the membership file in the same run as a config
    that has other mistakes.
    """
    file = path.name
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return MembersFile(
            None,
            unknown_because=f"{file} is not valid TOML (see the error above), so its "
            "[partnership] members setting could not be read",
        )
    table = data.get("partnership")
    if not isinstance(table, Mapping):
        return MembersFile(
            None, unknown_because=f"{file} has no [partnership] table to say where it is"
        )
    value = table.get("members")
    line = TomlLines(text).key("partnership", "members")
    if value is None:
        return MembersFile(
            None,
            unknown_because=f"{file} does not say where it is ([partnership] members is missing)",
        )
    if not isinstance(value, str):
        return MembersFile(
            None,
            line=line,
            unknown_because=f"[partnership] members in {file} is not a file name in quotes",
        )
    if not value.strip():
        return MembersFile(
            None, line=line, unknown_because=f"[partnership] members in {file} is empty"
        )
    return MembersFile((path.parent.resolve() / value).resolve(), value, line)
