"""What a partnership's config.toml says, as frozen dataclasses.

These classes are config.toml's documentation in code: each table of the file
is one class (``TABLES``), each key one field, each default the field's own.
``KNOWN_KEYS``, the defaults the reader falls back on and the choices a setting
allows are all read from them, so a new setting is one new field (and its line
in ``config.example.toml``). Reading the file is ``config_file.parse_config``.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

MEETING_KINDS = ("reflection", "governance", "relationship")
# A field's metadata can say how config.toml writes it: TOML_KEY is its key there
# (None: config.toml does not set it), TOML_TABLE the table it is in when that is
# not its own class's (the [storage] keys are fields of Config itself).
TOML_KEY = "toml_key"
TOML_TABLE = "toml_table"


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
    # how dates in members' words are read ("by 3/4" is 3 April in en-GB), for dateparser
    locale: str = "en-GB"
    # What the partnership's messages and calendar entries are known by: the name and
    # mail domain it first ran with, kept by the archive (``Archive.identity``), so that
    # renaming it or moving its mail changes what people read, not what they hold.
    key: str = field(default="", metadata={TOML_KEY: None})
    uid_domain: str = field(default="", metadata={TOML_KEY: None})

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
    from_name: str = field(metadata={TOML_KEY: "from"})  # both read from one key
    from_address: str = field(metadata={TOML_KEY: "from"})
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
    duration: timedelta = field(metadata={TOML_KEY: "duration_minutes"})
    rrule: str | None  # the rule itself, however config.toml wrote it
    location: str = ""
    description: str = ""
    cancelled: tuple[datetime, ...] = ()  # naive local starts of cancelled occurrences
    moved: tuple[tuple[datetime, datetime], ...] = ()  # (original, new) naive local starts
    every: str = ""  # the rhythm in words, when config.toml gives it instead of rrule
    on: str = ""


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
    # checklist areas whose answers are shown without names even when ``anonymise`` is
    # off: those about power (decisions, risks) and the convenor's own role
    anonymise_areas: tuple[str, ...] = ("convenor-role", "governance-accountability")
    fold_lines: int = 4  # an answer longer than this is folded after its first lines


@dataclass(frozen=True)
class Config:
    path: Path = field(metadata={TOML_KEY: None})  # the file itself
    partnership: Partnership
    convenor: Convenor
    mail: MailSettings
    inbox: InboxSettings
    security: SecuritySettings
    meetings: tuple[Meeting, ...] = field(metadata={TOML_KEY: "meeting"})
    prompts: PromptSettings
    induction: InductionSettings
    digest: DigestSettings = field(default_factory=DigestSettings)
    leadership: LeadershipSettings = field(default_factory=LeadershipSettings)
    database: Path = field(default=Path("var/reflect.db"), metadata={TOML_TABLE: "storage"})
    keep_raw_days: int = field(default=0, metadata={TOML_TABLE: "storage"})

    def meeting(self, meeting_id: str) -> Meeting | None:
        return next((m for m in self.meetings if m.id == meeting_id), None)


# Every key the loader understands, by table. ``config.example.toml`` documents


# config.toml's tables, each with the class whose fields are its keys ("" is the top level).
TABLES: dict[str, type[Any]] = {
    "": Config,
    "partnership": Partnership,
    "convenor": Convenor,
    "mail": MailSettings,
    "mail.smtp": SmtpSettings,
    "inbox": InboxSettings,
    "inbox.imap": ImapSettings,
    "security": SecuritySettings,
    "meeting": Meeting,
    "prompts": PromptSettings,
    "induction": InductionSettings,
    "digest": DigestSettings,
    "leadership": LeadershipSettings,
}


def _known_keys() -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {table: set() for table in TABLES}
    for table, cls in TABLES.items():
        for each in dataclasses.fields(cls):
            key = each.metadata.get(TOML_KEY, each.name)
            if key is None:
                continue
            home = each.metadata.get(TOML_TABLE, table)
            if home != table:  # a table of its own, named where it sits
                keys[table.rpartition(".")[0]].add(home)
            keys.setdefault(home, set()).add(key)
    return keys


# Every key the loader understands, by table. ``config.example.toml`` documents
# exactly these (a test compares the two).
KNOWN_KEYS: dict[str, set[str]] = _known_keys()


def default(cls: type[Any], name: str) -> Any:
    """The default of ``cls``'s field ``name``: what config.toml means when it leaves it out."""
    each = next(f for f in dataclasses.fields(cls) if f.name == name)
    if each.default is not dataclasses.MISSING:
        return each.default
    if each.default_factory is not dataclasses.MISSING:
        return each.default_factory()
    raise LookupError(f"{cls.__name__}.{name} has no default")


def choices(cls: type[Any], name: str) -> tuple[str, ...]:
    """The values a ``Literal`` field allows, in the order its type names them."""
    allowed = typing.get_args(typing.get_type_hints(cls)[name])
    if not allowed:
        raise TypeError(f"{cls.__name__}.{name} is not a Literal")
    return tuple(str(value) for value in allowed)


SECURITY_MODES = choices(SmtpSettings, "security")
