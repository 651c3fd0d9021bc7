"""The partnership's config file, read once into frozen dataclasses.

``parse_config`` is pure: it takes the file's text and its path (for messages
and for resolving relative paths) and returns a ``Config`` or raises
``ConfigError`` listing every problem, each with the line it is on and how to
fix it. Nothing here reads the environment or opens a file.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.errors import ConfigError, Problem
from scheduler.inputs.members import BIDI_CONTROLS, ENCODED_WORD, quote
from scheduler.safety import clean_header_text, has_control, is_valid_address

MEETING_KINDS = ("reflection", "governance", "relationship")
SECURITY_MODES = ("tls", "starttls", "none")


@dataclass(frozen=True)
class Partnership:
    name: str
    timezone: str
    purpose: str
    story: str
    members: Path
    decisions: str = ""
    between_meetings: str = ""
    glossary: Mapping[str, str] = field(default_factory=dict)
    # What the partnership's messages and calendar entries are known by: the name and
    # mail domain it first ran with, kept by the archive (``Archive.identity``), so that
    # renaming it or moving its mail changes what people read, not what they hold.
    key: str = ""
    uid_domain: str = ""

    @property
    def identity(self) -> str:
        """The stable name keys, seeds and calendar UIDs are made from."""
        return self.key or self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Convenor:
    name: str
    email: str


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    security: Literal["tls", "starttls", "none"] = "starttls"
    username: str = ""
    password_env: str = "REFLECT_SMTP_PASSWORD"  # noqa: S105 - a variable name
    timeout_seconds: float = 30.0
    max_per_minute: int = 0
    max_per_day: int = 0


@dataclass(frozen=True)
class MailSettings:
    from_name: str
    from_address: str
    reply_to: str
    transport: Literal["maildir", "smtp"] = "maildir"
    outbox_maildir: Path = Path("var/outbox")
    rehearsal: bool = False
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    give_up_after_hours: float = 48.0
    # each message's envelope sender is its own signed return address (VERP), so a
    # delivery report proves which message, and so which member, it is about
    verp: bool = True

    @property
    def from_domain(self) -> str:
        return self.from_address.rpartition("@")[2]


@dataclass(frozen=True)
class ImapSettings:
    host: str = "localhost"
    port: int = 993
    security: Literal["tls", "starttls", "none"] = "tls"
    username: str = ""
    password_env: str = "REFLECT_IMAP_PASSWORD"  # noqa: S105 - a variable name
    folder: str = "INBOX"
    done_folder: str = "Reflections/Processed"


@dataclass(frozen=True)
class InboxSettings:
    source: Literal["imap", "maildir", "none"] = "maildir"
    maildir: Path = Path("var/inbox")
    imap: ImapSettings = field(default_factory=ImapSettings)
    max_message_bytes: int = 10 * 1024 * 1024
    # the receiving server whose Authentication-Results header is believed ("" = none)
    trusted_authserv_id: str = ""


@dataclass(frozen=True)
class SecuritySettings:
    token_key_env: str = "REFLECT_TOKEN_KEY"  # noqa: S105 - a variable name
    key_file: Path = Path("var/token.key")


@dataclass(frozen=True)
class Meeting:
    id: str
    kind: str
    title: str
    first: datetime  # naive, local wall clock in the partnership's zone
    duration: timedelta
    rrule: str | None
    location: str = ""
    description: str = ""
    cancelled: tuple[datetime, ...] = ()  # naive local starts of cancelled occurrences
    moved: tuple[tuple[datetime, datetime], ...] = ()  # (original, new) naive local starts


@dataclass(frozen=True)
class PromptSettings:
    before_meeting_days: int = 7
    reminder_after_days: int = 3
    questions: tuple[str, ...] = ("purpose", "role", "members", "work", "learning")
    questions_per_cycle: int = 1
    checklist_meeting: str | None = None
    extra_questions: Path | None = None


@dataclass(frozen=True)
class InductionSettings:
    relationship_weeks: int = 10
    existing_members: Literal["induct", "skip"] = "induct"


@dataclass(frozen=True)
class LeadershipSettings:
    rotate_roles: bool = False


@dataclass(frozen=True)
class DigestSettings:
    days_before: int = 2
    to_all_members: bool = False
    anonymise: bool = False
    min_group: int = 3
    quiet_cycles: int = 3


@dataclass(frozen=True)
class Config:
    path: Path
    partnership: Partnership
    convenor: Convenor
    mail: MailSettings
    inbox: InboxSettings
    database: Path
    security: SecuritySettings
    meetings: tuple[Meeting, ...]
    prompts: PromptSettings
    induction: InductionSettings
    digest: DigestSettings = field(default_factory=DigestSettings)
    leadership: LeadershipSettings = field(default_factory=LeadershipSettings)
    keep_raw_days: int = 0

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def meeting(self, meeting_id: str) -> Meeting | None:
        return next((m for m in self.meetings if m.id == meeting_id), None)


# Every key the loader understands, by table. ``config.example.toml`` documents
# exactly these (a test compares the two).
KNOWN_KEYS: dict[str, set[str]] = {
    "": {
        "partnership",
        "convenor",
        "mail",
        "inbox",
        "storage",
        "security",
        "meeting",
        "prompts",
        "induction",
        "digest",
        "leadership",
    },
    "partnership": {
        "name",
        "timezone",
        "purpose",
        "story",
        "members",
        "decisions",
        "between_meetings",
        "glossary",
    },
    "convenor": {"name", "email"},
    "mail": {
        "from",
        "reply_to",
        "transport",
        "outbox_maildir",
        "rehearsal",
        "give_up_after_hours",
        "verp",
        "smtp",
    },
    "mail.smtp": {
        "host",
        "port",
        "security",
        "username",
        "password_env",
        "timeout_seconds",
        "max_per_minute",
        "max_per_day",
    },
    "inbox": {"source", "maildir", "imap", "max_message_bytes", "trusted_authserv_id"},
    "inbox.imap": {
        "host",
        "port",
        "security",
        "username",
        "password_env",
        "folder",
        "done_folder",
    },
    "storage": {"database", "keep_raw_days"},
    "security": {"token_key_env", "key_file"},
    "meeting": {
        "id",
        "kind",
        "title",
        "first",
        "duration_minutes",
        "rrule",
        "location",
        "description",
        "cancelled",
        "moved",
    },
    "prompts": {
        "before_meeting_days",
        "reminder_after_days",
        "questions",
        "questions_per_cycle",
        "checklist_meeting",
        "extra_questions",
    },
    "induction": {"relationship_weeks", "existing_members"},
    "digest": {"days_before", "to_all_members", "anonymise", "min_group", "quiet_cycles"},
    "leadership": {"rotate_roles"},
}

SECRET_KEYS = {"password", "pass", "secret", "token_key", "api_key", "key"}


class _Locator:
    """Finds the line a table or key is on, for messages a convenor can act on."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def table(self, name: str, index: int | None = None) -> int | None:
        pattern = (
            re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
            if index is not None
            else re.compile(rf"^\s*\[\s*{re.escape(name)}\s*\]")
        )
        seen = -1
        for number, line in enumerate(self.lines, start=1):
            if pattern.match(line):
                seen += 1
                if index is None or seen == index:
                    return number
        return None

    def key(self, table: str, key: str, index: int | None = None) -> int | None:
        start = 0 if not table else self.table(table, index)
        if start is None:
            return None
        key_re = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start + (1 if table else 0), len(self.lines) + 1):
            line = self.lines[number - 1]
            if number > start and table and re.match(r"^\s*\[", line):
                return start
            if not table and re.match(r"^\s*\[", line):
                return None
            if key_re.match(line):
                return number
        return start or None


class _Reader:
    """Reads typed values out of the parsed TOML, collecting problems."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.where = _Locator(text)
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
        default: str,
        base: Path,
        *,
        follow_links: bool = True,
    ) -> Path:
        value = self.text(data, table, key, default=default)
        if not value:
            return base
        # A path judged as itself (the token key file: a link there is refused, not followed)
        # is made absolute without resolving its last part.
        return (
            (base / value).resolve()
            if follow_links
            else Path(os.path.normpath(base.resolve() / value))
        )


_HEADING = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=(.*)$"""
)


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


def duplicates(text: str, file: str) -> list[Problem]:
    """Keys and tables written twice, each named with both lines.

    TOML forbids them and ``tomllib`` says only where it gave up; a convenor who
    pasted a setting in twice needs to know which two lines to choose between.
    """
    problems: list[Problem] = []
    tables: dict[str, int] = {}
    keys: dict[tuple[str, int, str], int] = {}
    scope, label_of_scope, occurrence = "", "", 0
    closing = ""  # the delimiter that ends the multi-line string we are in
    depth = 0  # open brackets of a multi-line array
    for number, line in enumerate(text.splitlines(), start=1):
        if closing:
            if closing in line:
                closing = ""
            continue
        if depth > 0:
            depth += _open_brackets(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            scope = re.sub(r"\s*\.\s*", ".", heading.group(2))
            label_of_scope = f"{heading.group(1)}{scope}{heading.group(1).replace('[', ']')}"
            if heading.group(1) == "[[":
                occurrence = number  # each [[meeting]] is a fresh table
            else:
                occurrence = 0
                if scope in tables:
                    problems.append(
                        Problem(
                            file,
                            f"this heading is written twice, on lines {tables[scope]} and {number}. "
                            "Keep one heading and put all its settings under it.",
                            number,
                            f"[{scope}]",
                        )
                    )
                tables.setdefault(scope, number)
            continue
        found = _KEY.match(line)
        if not found:
            continue
        key = re.sub(r"\s*\.\s*", ".", found.group(1))
        value = found.group(2).strip()
        for delimiter in ('"""', "'''"):
            if value.startswith(delimiter) and value.count(delimiter) == 1:
                closing = delimiter
        if not closing:
            depth = _open_brackets(value)
        where = (scope, occurrence, key)
        if where in keys:
            label = f"{label_of_scope} {key}" if scope else key
            problems.append(
                Problem(
                    file,
                    f"is set twice, on lines {keys[where]} and {number}. Keep the one you mean "
                    "and delete the other.",
                    number,
                    label,
                )
            )
        keys.setdefault(where, number)
    return problems


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


def parse_config(text: str, path: Path) -> Config:
    """Validate the config text; ``path`` names the file and anchors relative paths."""
    file = path.name
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        twice = duplicates(text, file)
        if twice:
            raise ConfigError(twice) from None
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(match.group(1)) if match else None
        reason = str(exc).split(" (at line")[0]
        column = f", column {match.group(2)}" if match else ""
        raise ConfigError(
            [
                Problem(
                    file,
                    f"this is not valid TOML{column}: {reason}. Check quotes, brackets "
                    "and that text values are in double quotes.",
                    line,
                )
            ]
        ) from None

    base = path.parent.resolve()
    r = _Reader(file, text)
    r.unknown(data, "")

    p = r.table(data, "partnership")
    r.unknown(p, "partnership")
    tz_name = r.text(p, "partnership", "timezone", required=True, default="UTC")
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        r.problem(
            "partnership",
            "timezone",
            f'"{tz_name}" is not a time zone name. Use an IANA name such as "Europe/London".',
        )
        tz_name = "UTC"
    glossary_raw = p.get("glossary", {})
    glossary: dict[str, str] = {}
    if isinstance(glossary_raw, Mapping):
        for term, meaning in glossary_raw.items():
            if isinstance(meaning, str):
                glossary[str(term)] = meaning
            else:
                r.problem("partnership", "glossary", f'"{term}" should be explained in text.')
    else:
        r.problem("partnership", "glossary", 'should be a table, e.g. glossary = { ICB = "..." }')
    members_name = r.text(p, "partnership", "members", required=True, default="members.csv")
    partnership = Partnership(
        name=r.text(p, "partnership", "name", required=True, header=True),
        timezone=tz_name,
        purpose=r.text(p, "partnership", "purpose", required=True),
        story=r.text(p, "partnership", "story"),
        members=(base / members_name).resolve(),
        decisions=r.text(p, "partnership", "decisions"),
        between_meetings=r.text(p, "partnership", "between_meetings"),
        glossary=glossary,
    )

    c = r.table(data, "convenor")
    r.unknown(c, "convenor")
    convenor = Convenor(
        name=r.text(c, "convenor", "name", required=True, header=True),
        email=r.text(c, "convenor", "email", required=True),
    )
    if convenor.email and not is_valid_address(convenor.email):
        r.problem("convenor", "email", f'"{convenor.email}" is not an email address.')

    mail = _read_mail(r, r.table(data, "mail"), base)
    inbox = _read_inbox(r, r.table(data, "inbox"), base)

    s = r.table(data, "storage")
    r.unknown(s, "storage")
    database = r.path(s, "storage", "database", "var/reflect.db", base)
    keep_raw_days = r.integer(s, "storage", "keep_raw_days", 0)

    sec = r.table(data, "security")
    r.unknown(sec, "security")
    security = SecuritySettings(
        token_key_env=r.text(sec, "security", "token_key_env", default="REFLECT_TOKEN_KEY"),
        key_file=r.path(sec, "security", "key_file", "var/token.key", base, follow_links=False),
    )

    meetings = _read_meetings(r, data.get("meeting", []), tz_name)
    prompts = _read_prompts(r, r.table(data, "prompts"), base, meetings)

    ind = r.table(data, "induction")
    r.unknown(ind, "induction")
    induction = InductionSettings(
        relationship_weeks=r.integer(ind, "induction", "relationship_weeks", 10),
        existing_members=r.choice(  # type: ignore[arg-type]
            ind, "induction", "existing_members", ("induct", "skip"), "induct"
        ),
    )

    dg = r.table(data, "digest")
    r.unknown(dg, "digest")
    digest = DigestSettings(
        days_before=r.integer(dg, "digest", "days_before", 2),
        to_all_members=r.boolean(dg, "digest", "to_all_members", False),
        anonymise=r.boolean(dg, "digest", "anonymise", False),
        min_group=r.integer(dg, "digest", "min_group", 3, minimum=1),
        quiet_cycles=r.integer(dg, "digest", "quiet_cycles", 3, minimum=1),
    )

    lead = r.table(data, "leadership")
    r.unknown(lead, "leadership")
    leadership = LeadershipSettings(
        rotate_roles=r.boolean(lead, "leadership", "rotate_roles", False)
    )

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


def _read_mail(r: _Reader, m: Mapping[str, Any], base: Path) -> MailSettings:
    from email.utils import parseaddr

    r.unknown(m, "mail")
    sender = r.text(m, "mail", "from", required=True, header=True)
    from_name, from_address = parseaddr(sender)
    if sender and not is_valid_address(from_address):
        r.problem(
            "mail",
            "from",
            f'"{sender}" has no usable address. Write it as "Name <address@example.org>".',
        )
    reply_to = r.text(m, "mail", "reply_to", required=True, header=True)
    if reply_to and "{token}" not in reply_to:
        r.problem(
            "mail",
            "reply_to",
            f'"{reply_to}" has no {{token}}. Replies are matched to members by it: '
            'write e.g. "reflect+{token}@reflect.example.org".',
        )
    elif reply_to and not _token_in_place(reply_to):
        local, _, domain = reply_to.rpartition("@")
        mailbox = local.split("+")[0].replace("{token}", "").strip("-._") or "reflect"
        example_domain = domain.replace("{token}.", "").replace("{token}", "").strip(".")
        example_domain = example_domain or "reflect.example.org"
        r.problem(
            "mail",
            "reply_to",
            f"{quote(reply_to)} puts {{token}} where it cannot work: it must come straight "
            'after a "+" at the end of the part before the @, e.g. '
            f'"{mailbox}+{{token}}@{example_domain}". '
            "Mail servers deliver that to the plain mailbox, and the token tells whose reply "
            "it is.",
        )
    elif reply_to and not is_valid_address(reply_to.replace("{token}", "x")):
        r.problem("mail", "reply_to", f'"{reply_to}" is not an email address.')
    sm = r.table(m, "smtp", "mail")
    r.unknown(sm, "mail.smtp")
    smtp = SmtpSettings(
        host=r.text(sm, "mail.smtp", "host", default="localhost"),
        port=r.integer(sm, "mail.smtp", "port", 587, minimum=1),
        security=r.choice(  # type: ignore[arg-type]
            sm, "mail.smtp", "security", SECURITY_MODES, "starttls"
        ),
        username=r.text(sm, "mail.smtp", "username"),
        password_env=_env_name(r, sm, "mail.smtp", "password_env", "REFLECT_SMTP_PASSWORD"),
        timeout_seconds=r.number(sm, "mail.smtp", "timeout_seconds", 30.0),
        max_per_minute=r.integer(sm, "mail.smtp", "max_per_minute", 0),
        max_per_day=r.integer(sm, "mail.smtp", "max_per_day", 0),
    )
    transport = r.choice(m, "mail", "transport", ("maildir", "smtp"), "maildir")
    if transport == "smtp":
        _missing_host(r, sm, "mail.smtp", "transport", transport)
    _clear_text_problem(r, "mail.smtp", smtp.host, smtp.security, smtp.username)
    return MailSettings(
        from_name=from_name,
        from_address=from_address,
        reply_to=reply_to,
        transport=transport,  # type: ignore[arg-type]
        outbox_maildir=r.path(m, "mail", "outbox_maildir", "var/outbox", base),
        rehearsal=r.boolean(m, "mail", "rehearsal", False),
        smtp=smtp,
        give_up_after_hours=r.number(m, "mail", "give_up_after_hours", 48.0),
        verp=r.boolean(m, "mail", "verp", True),
    )


def _token_in_place(reply_to: str) -> bool:
    """``{token}`` once, as the whole sub-address: ``name+{token}@domain``."""
    local, at, _ = reply_to.rpartition("@")
    return (
        bool(at)
        and reply_to.count("{token}") == 1
        and local.endswith("+{token}")
        and len(local) > len("+{token}")
    )


def _is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine: localhost, 127.0.0.0/8 or ::1."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return bool(ipaddress.ip_address(name).is_loopback)
    except ValueError:
        return False


def _clear_text_problem(r: _Reader, table: str, host: str, security: str, username: str) -> None:
    """Credentials sent unencrypted to another machine are refused, naming the line."""
    if security != "none" or not username or _is_loopback(host):
        return
    port = "587 with starttls, or 465 with tls" if table == "mail.smtp" else "993 with tls"
    r.problem(
        table,
        "security",
        f'"none" would send the password for {quote(username)} unencrypted across the '
        f'network to {quote(host)}. Write security = "starttls" or "tls" (port {port}); '
        '"none" is only for a server on this machine (localhost, 127.0.0.1 or ::1).',
    )


def _missing_host(
    r: _Reader, data: Mapping[str, Any], table: str, parent_key: str, value: str
) -> None:
    """A transport or inbox that needs a server, with none named."""
    host = data.get("host")
    if isinstance(host, str) and host.strip():
        return
    parent, _, _ = table.partition(".")
    where = r.where.table(table) or r.where.key(parent, parent_key)
    kind = "SMTP server that sends" if table == "mail.smtp" else "IMAP server that holds"
    example = "smtp.example.org" if table == "mail.smtp" else "imap.example.org"
    r.problems.append(
        Problem(
            r.file,
            f'{parent_key} = "{value}" needs the {kind} your mail, but no host is given. '
            f'Add host = "{example}" (your mail provider tells you the name) under [{table}], '
            f'or set [{parent}] {parent_key} = "maildir".',
            where,
            f"[{table}] host",
        )
    )


def _env_name(r: _Reader, data: Mapping[str, Any], table: str, key: str, default: str) -> str:
    value = r.text(data, table, key, default=default)
    if value and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        r.problem(
            table,
            key,
            "should name an environment variable (letters, digits and _), not hold the "
            f'secret itself. Write e.g. {key} = "{default}" and set that variable.',
        )
    return value


def _read_inbox(r: _Reader, i: Mapping[str, Any], base: Path) -> InboxSettings:
    r.unknown(i, "inbox")
    im = r.table(i, "imap", "inbox")
    r.unknown(im, "inbox.imap")
    imap = ImapSettings(
        host=r.text(im, "inbox.imap", "host", default="localhost"),
        port=r.integer(im, "inbox.imap", "port", 993, minimum=1),
        security=r.choice(  # type: ignore[arg-type]
            im, "inbox.imap", "security", SECURITY_MODES, "tls"
        ),
        username=r.text(im, "inbox.imap", "username"),
        password_env=_env_name(r, im, "inbox.imap", "password_env", "REFLECT_IMAP_PASSWORD"),
        folder=r.text(im, "inbox.imap", "folder", default="INBOX"),
        done_folder=r.text(im, "inbox.imap", "done_folder", default="Reflections/Processed"),
    )
    source = r.choice(i, "inbox", "source", ("imap", "maildir", "none"), "maildir")
    if source == "imap":
        _missing_host(r, im, "inbox.imap", "source", source)
    _clear_text_problem(r, "inbox.imap", imap.host, imap.security, imap.username)
    return InboxSettings(
        source=source,  # type: ignore[arg-type]
        maildir=r.path(i, "inbox", "maildir", "var/inbox", base),
        imap=imap,
        max_message_bytes=r.integer(
            i, "inbox", "max_message_bytes", InboxSettings.max_message_bytes, minimum=65536
        ),
        trusted_authserv_id=r.text(i, "inbox", "trusted_authserv_id").strip().lower(),
    )


def _local_datetime(
    r: _Reader, value: object, key: str, index: int, *, what: str = "start"
) -> datetime | None:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            r.problem(
                "meeting",
                key,
                f"{value.isoformat()} carries a UTC offset; write the local wall-clock "
                f"{what} without one, e.g. 2027-01-12T10:00:00. It is read in the "
                "partnership's time zone.",
                index,
            )
            return None
        return value
    if isinstance(value, date):
        r.problem("meeting", key, f"{value} has no time; write e.g. {value}T10:00:00.", index)
        return None
    r.problem(
        "meeting",
        key,
        f"{value!r} is not a date and time; write e.g. 2027-01-12T10:00:00 (no quotes).",
        index,
    )
    return None


def _read_meetings(r: _Reader, raw: object, tz_name: str) -> tuple[Meeting, ...]:
    from scheduler.calendar.rules import rrule_problem

    if not isinstance(raw, list):
        r.problem("", "meeting", "should be written as [[meeting]] tables.")
        return ()
    meetings: list[Meeting] = []
    seen: set[str] = set()
    r.meeting_ids = [
        m["id"]
        if isinstance(m, Mapping) and isinstance(m.get("id"), str) and _plain_id(m["id"])
        else ""
        for m in raw
    ]
    for index, m in enumerate(raw):
        if not isinstance(m, Mapping):
            continue
        r.unknown(m, "meeting", index)
        meeting_id = r.text(m, "meeting", "id", required=True, index=index)
        if meeting_id and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", meeting_id):
            r.problem(
                "meeting",
                "id",
                f'"{meeting_id}" should be short lower-case words joined by "-", '
                'e.g. "governance-review". It must never change once invitations are out.',
                index,
            )
        if meeting_id in seen:
            r.problem("meeting", "id", f'"{meeting_id}" is used by two meetings.', index)
        seen.add(meeting_id)
        kind = r.choice(m, "meeting", "kind", MEETING_KINDS, "reflection", index=index)
        title = r.text(m, "meeting", "title", required=True, index=index, header=True)
        first = _local_datetime(r, m.get("first"), "first", index)
        duration = r.integer(m, "meeting", "duration_minutes", 60, minimum=1, index=index)
        rule = m.get("rrule")
        if rule is not None and not isinstance(rule, str):
            r.problem(
                "meeting",
                "rrule",
                f'should be text in quotes, e.g. rrule = "FREQ=WEEKLY;INTERVAL=6", not {rule!r}.',
                index,
            )
            rule = None
        cancelled: list[datetime] = []
        for value in m.get("cancelled", []) or []:
            when = _local_datetime(r, value, "cancelled", index, what="start")
            if when is not None:
                cancelled.append(when)
        moved: list[tuple[datetime, datetime]] = []
        for move in m.get("moved", []) or []:
            if not isinstance(move, Mapping) or set(move) != {"from", "to"}:
                r.problem(
                    "meeting",
                    "moved",
                    "each move is { from = 2027-02-23T10:00:00, to = 2027-02-24T10:00:00 }.",
                    index,
                )
                continue
            src = _local_datetime(r, move["from"], "moved", index)
            dst = _local_datetime(r, move["to"], "moved", index)
            if src and dst:
                moved.append((src, dst))
        issue = _rule_value_problem(rule) if rule else None
        if issue is None and first is not None and rule:
            issue = rrule_problem(first, rule, tz_name)
            if issue and f'"{rule}"' not in issue:  # say which rule, once
                issue = f"{quote(rule)}: {issue}"
        if issue:
            r.problem("meeting", "rrule", issue, index)
        if first is not None and not issue:  # a broken rule cannot say which dates are real
            from scheduler.calendar.rules import is_occurrence

            for when in [*cancelled, *(src for src, _ in moved)]:
                if not is_occurrence(first, rule, when, tz_name):
                    r.problem(
                        "meeting",
                        "cancelled" if when in cancelled else "moved",
                        f"{when.isoformat()} is not one of this meeting's dates; copy the "
                        "date and time of a real occurrence.",
                        index,
                    )
        if first is None:
            continue
        meetings.append(
            Meeting(
                id=meeting_id,
                kind=kind,
                title=title,
                first=first,
                duration=timedelta(minutes=duration),
                rrule=rule or None,
                location=r.text(m, "meeting", "location", index=index, header=True),
                description=r.text(m, "meeting", "description", index=index),
                cancelled=tuple(cancelled),
                moved=tuple(moved),
            )
        )
    return tuple(meetings)


def _plain_id(value: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9][a-z0-9-]*", value))


_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_LIST = "MO, TU, WE, TH, FR, SA or SU"
_FREQUENCIES = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,4}")
_NUMBERED_DAY = re.compile(r"(?:[+-]?[1-9]\d?)?(MO|TU|WE|TH|FR|SA|SU)")
# A rule part that holds whole numbers: (lowest, highest, negatives counted from the end?,
# what to say after 'NAME "value"' when the value is not one of them).
_NUMBER_PARTS: dict[str, tuple[int, int, bool, str]] = {
    "INTERVAL": (
        1,
        9999,
        False,
        "is not a whole number of 1 or more: write e.g. FREQ=WEEKLY;INTERVAL=6 for every "
        "sixth week.",
    ),
    "COUNT": (
        0,
        9999,
        False,
        "is not a whole number: write e.g. COUNT=10 for ten meetings, or leave COUNT out.",
    ),
    "BYMONTHDAY": (
        1,
        31,
        True,
        "is not a day of the month: use a number from 1 to 31, or -1 for the last day.",
    ),
    "BYMONTH": (1, 12, False, "is not a month: use a number from 1 (January) to 12 (December)."),
    "BYSETPOS": (
        1,
        366,
        True,
        "is not a position: use 1, 2, 3 or 4 for the first to fourth of the days named in "
        "BYDAY, or -1 for the last.",
    ),
    "BYHOUR": (
        0,
        23,
        False,
        "is not an hour from 0 to 23. Leave BYHOUR out: the time comes from first.",
    ),
    "BYMINUTE": (
        0,
        59,
        False,
        "is not a minute from 0 to 59. Leave BYMINUTE out: the time comes from first.",
    ),
    "BYSECOND": (
        0,
        59,
        False,
        "is not a second from 0 to 59. Leave BYSECOND out: the time comes from first.",
    ),
    "BYYEARDAY": (
        1,
        366,
        True,
        "is not a day of the year from 1 to 366. Leave BYYEARDAY out: Outlook cannot repeat by it.",
    ),
    "BYWEEKNO": (
        1,
        53,
        True,
        "is not a week of the year from 1 to 53. Leave BYWEEKNO out: Outlook cannot repeat by it.",
    ),
}


def _rule_value_problem(rule: str) -> str | None:
    """A value in the rule that calendars cannot read, said plainly, or None.

    Only the values, each against what RFC 5545 allows: whether the rule as a whole
    makes sense and can be shown by real calendars is ``invites.validate_rrule``'s
    judgement (through ``calendar_rules.rrule_problem``), asked once this finds nothing.
    """
    if has_control(rule):
        return (
            f"{quote(rule)} contains a line break or control character (shown with a "
            'backslash); write the rule on one line, e.g. "FREQ=WEEKLY;INTERVAL=6".'
        )
    detail = None
    for piece in rule.split(";"):
        name, sep, value = piece.partition("=")
        name, value = name.strip().upper(), value.strip()
        if not piece.strip():
            detail = (
                'it has an empty part (a ";" at the end, or two together); remove the extra ";".'
            )
        elif not sep or not value:
            continue  # not NAME=VALUE at all: validate_rrule says so
        elif "," in value and "" in (item.strip() for item in value.split(",")):
            detail = (
                f"{name} {quote(value)} has an empty item; separate its items with one comma "
                "each, e.g. BYDAY=TU,TH."
            )
        else:
            detail = _part_value_problem(name, value)
        if detail:
            return f"The recurrence rule {quote(rule)} could not be read: {detail}"
    return None


def _part_value_problem(name: str, value: str) -> str | None:
    items = [item.strip() for item in value.split(",")]
    if name == "FREQ":
        if value.upper() not in _FREQUENCIES:
            return (
                f"FREQ {quote(value)} is not a frequency: use DAILY, WEEKLY, MONTHLY or YEARLY; "
                "for every two weeks write FREQ=WEEKLY;INTERVAL=2."
            )
    elif name == "WKST":
        if value.upper() not in _DAYS:
            return f"WKST {quote(value)} is not a day: use {_DAY_LIST} (or leave WKST out)."
    elif name == "BYDAY":
        for item in items:
            if not _NUMBERED_DAY.fullmatch(item.upper()):
                return (
                    f"BYDAY {quote(item)} is not a day: use {_DAY_LIST}, with an optional "
                    "number before it such as 2TH (the second Thursday) or -1FR (the last "
                    "Friday)."
                )
    elif name in _NUMBER_PARTS:
        lowest, highest, from_end, what = _NUMBER_PARTS[name]
        if name in ("INTERVAL", "COUNT"):
            items = [value]  # one number, never a list
        for item in items:
            number = int(item) if _WHOLE_NUMBER.fullmatch(item) else None
            if (
                number is None
                or (number < 0 and not from_end)
                or not lowest <= abs(number) <= highest
            ):
                return f"{name} {quote(item)} {what}"
    return None


def _read_prompts(
    r: _Reader, p: Mapping[str, Any], base: Path, meetings: tuple[Meeting, ...]
) -> PromptSettings:
    r.unknown(p, "prompts")
    questions = p.get("questions", list(PromptSettings.questions))
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        r.problem("prompts", "questions", 'should be a list of question ids, e.g. ["purpose"].')
        questions = list(PromptSettings.questions)
    checklist = p.get("checklist_meeting")
    if checklist is not None and checklist not in {m.id for m in meetings}:
        r.problem(
            "prompts",
            "checklist_meeting",
            f'"{checklist}" is not the id of any [[meeting]].',
        )
    extra = p.get("extra_questions")
    return PromptSettings(
        before_meeting_days=r.integer(p, "prompts", "before_meeting_days", 7),
        reminder_after_days=r.integer(p, "prompts", "reminder_after_days", 3),
        questions=tuple(questions),
        questions_per_cycle=r.integer(p, "prompts", "questions_per_cycle", 1, minimum=1),
        checklist_meeting=checklist if isinstance(checklist, str) else None,
        extra_questions=(base / extra).resolve() if isinstance(extra, str) and extra else None,
    )


def question_problems(config: Config, text: str, known: set[str]) -> list[Problem]:
    """Problems with ``[prompts] questions`` once the content is known."""
    where = _Locator(text)
    problems = []
    for qid in config.prompts.questions:
        if qid not in known:
            problems.append(
                Problem(
                    config.path.name,
                    f'"{qid}" is not a question in content/. Known ids: '
                    + ", ".join(sorted(known))
                    + ".",
                    where.key("prompts", "questions"),
                    "[prompts] questions",
                )
            )
    return problems


def past_meeting_problems(
    config: Config, text: str, now: datetime, archived: Collection[str]
) -> list[Problem]:
    """Meetings that will never happen again and never did for this archive.

    ``archived`` are the ids of series the archive already holds: a meeting that
    happened (and was sent out) is history, not a mistake. One that is in the past
    before anything was sent for it is almost always a wrong year.
    """
    from scheduler.calendar.rules import local_rule, localize

    where = _Locator(text)
    zone = config.partnership.zone
    local_now = now.astimezone(zone).replace(tzinfo=None)
    problems = []
    for index, meeting in enumerate(config.meetings):
        if meeting.id in archived:
            continue
        if meeting.rrule is None:
            over = localize(meeting.first, config.partnership.timezone) <= now
            what = f"{meeting.first:%Y-%m-%d %H:%M} is in the past and the meeting does not repeat"
            fix = "Correct the date (is the year right?), or add an rrule if it is a series."
        else:
            try:
                following = local_rule(meeting.first, meeting.rrule, config.partnership.timezone)
                over = following.after(local_now) is None
            except ValueError:
                continue  # the rule itself is reported elsewhere
            what = f"every meeting of {quote(meeting.rrule)} from {meeting.first:%Y-%m-%d} is over"
            fix = "Correct first, or UNTIL or COUNT in the rule."
        if over:
            problems.append(
                Problem(
                    config.path.name,
                    f"{what}, so nothing will ever be sent for it. {fix}",
                    where.key("meeting", "first", index),
                    f'[[meeting]] "{meeting.id}" first',
                )
            )
    return problems


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
    line = _Locator(text).key("partnership", "members")
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
