"""Errors a convenor reads.

Every error the service raises on purpose derives from ``ReflectError``::

    ReflectError
    ├── InputError            one or more problems in files a convenor edits
    │   ├── ConfigError       config.toml
    │   ├── MembersError      members.csv
    │   └── ContentError      content/ and partnership question files
    ├── TokenError            a reply token that is malformed or not ours
    ├── ArchiveError          the SQLite archive cannot be used
    │   └── TimeWentBackError a tick earlier than the last one on this archive
    ├── Busy                  another reflect is working on the same archive
    ├── InboxError            the IMAP inbox cannot be reached, spoken to securely, or used
    │   └── InboxLoginError   the IMAP server refused the username or password
    └── DeliveryError         a transport could not hand a message over
        ├── TemporaryDeliveryError   try again later (4xx, timeout, dropped link)
        └── PermanentDeliveryError   give up for this recipient (5xx)
            └── ServerRefusedError   the server refuses us, not the recipient:
                                     stop the batch, keep everything queued

An ``InputError`` carries every ``Problem`` found, so ``reflect check`` can list
them all at once; its ``str`` is that list, one problem per line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one place, said so a convenor can fix it."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None
    # "line" in a text file; "row" in a spreadsheet, numbered as the spreadsheet
    # numbers its rows (a cell holding a line break is still one row).
    unit: str = "line"

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"{self.unit} {self.line}")
        if self.field:
            where.append(self.field)
        return f"{', '.join(where)}: {self.message}"


class ReflectError(Exception):
    """Base of every error the service raises on purpose."""


class InputError(ReflectError):
    """Problems in a file the convenor edits; carries all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(InputError):
    """Problems in the partnership's config file."""


class MembersError(InputError):
    """Problems in the membership CSV; ``warnings`` are what was found beside them."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None) -> None:
        super().__init__(problems)
        self.warnings = list(warnings or [])


class ContentError(InputError):
    """Problems in the framework content files."""


class TokenError(ReflectError):
    """A reply token that is malformed, tampered with or signed by another key."""


class ArchiveError(ReflectError):
    """The SQLite archive cannot be opened or migrated."""


class TimeWentBackError(ArchiveError):
    """A tick whose time is before the last tick on the same archive."""


class DeliveryError(ReflectError):
    """A transport could not hand a message over."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryDeliveryError(DeliveryError):
    """Worth retrying later: a 4xx reply, a timeout or a dropped connection."""


class PermanentDeliveryError(DeliveryError):
    """Not worth retrying for this recipient: a 5xx reply."""


class ServerRefusedError(PermanentDeliveryError):
    """The server refuses us, not one recipient (login, MAIL FROM, greeting, no STARTTLS).

    Sending stops for this round and every message stays pending: trying the
    next member would meet the same refusal.
    """


class Busy(ReflectError):
    """Another reflect process is working on the same archive."""


class InboxError(ReflectError):
    """The IMAP inbox cannot be reached, spoken to securely, or used."""


class InboxLoginError(InboxError):
    """The IMAP server refused the username or password."""
