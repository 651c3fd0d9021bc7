"""The membership spreadsheet, as spreadsheets really export it.

``parse_members`` takes the file's bytes: UTF-8 with or without a byte-order
mark, or Windows-1252; comma- or semicolon-separated; blank rows anywhere. One
address is one member whatever its case. Every bad row is reported with its
line number and the column at fault, and never reaches an email header.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parseaddr

from .errors import MembersError, Problem
from .safety import has_control, has_markup, is_valid_address

SECTORS = ("vcse", "nhs", "local_authority", "primary_care", "community", "other")
SECTOR_LABELS = {
    "vcse": "Voluntary, community and social enterprise",
    "nhs": "NHS",
    "local_authority": "Local authority",
    "primary_care": "Primary care",
    "community": "Community members",
    "other": "Other",
}
# Spreadsheet headings people actually write, mapped to ours.
HEADINGS = {
    "name": "name",
    "full name": "name",
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "e-mail address": "email",
    "organisation": "organisation",
    "organization": "organisation",
    "org": "organisation",
    "sector": "sector",
    "role": "role",
    "job title": "role",
    "joined": "joined",
    "start": "joined",
    "left": "left",
    "leaving": "left",
    "share_introduction": "share_introduction",
    "share introduction": "share_introduction",
}
REQUIRED = ("name", "email", "organisation", "sector")
SECTOR_ALIASES = {
    "voluntary": "vcse",
    "vcs": "vcse",
    "vcfse": "vcse",
    "charity": "vcse",
    "local authority": "local_authority",
    "council": "local_authority",
    "la": "local_authority",
    "primary care": "primary_care",
    "gp": "primary_care",
}


@dataclass(frozen=True)
class Member:
    email: str  # lower-case, the member's identity
    name: str
    organisation: str
    sector: str
    role: str = ""
    joined: date | None = None
    left: date | None = None
    share_introduction: bool = False  # opt-in: introductions are shared only on a yes
    line: int = 0

    def is_active(self, today: date) -> bool:
        if self.joined is not None and self.joined > today:
            return False
        return not (self.left is not None and self.left <= today)


@dataclass(frozen=True)
class Membership:
    members: tuple[Member, ...]
    warnings: tuple[Problem, ...] = ()

    def by_email(self) -> dict[str, Member]:
        return {m.email: m for m in self.members}


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", '"': '\\"'}
_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")


def quote(value: str, *, limit: int = 80) -> str:
    """``value`` in double quotes, fit for a one-line message a convenor reads.

    Like ``repr``: a line break shows as \\n, a tab as \\t, any other invisible or
    control character as \\xNN or \\uNNNN, and a quote or backslash is escaped, so
    the value can neither break the message's line nor hide what is wrong with it.
    A value longer than ``limit`` characters is cut short with "...".
    """
    shown: list[str] = []
    for ch in value[:limit]:
        if ch in _ESCAPES:
            shown.append(_ESCAPES[ch])
        elif ch.isprintable():
            shown.append(ch)
        elif ord(ch) < 0x100:
            shown.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            shown.append(f"\\u{ord(ch):04x}")
        else:
            shown.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(shown) + ("..." if len(value) > limit else "") + '"'


def decode_spreadsheet(raw: bytes) -> str:
    """UTF-8 (a BOM is dropped) if it decodes, else Windows-1252 as Excel writes it."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _dialect(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if first.count(";") > first.count(",") else ","


def _parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%Y/%m/%d"):
        try:
            return datetime.strptime(value, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(value)


def parse_members(raw: bytes, *, file: str = "members.csv") -> Membership:
    text = decode_spreadsheet(raw)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text))
    problems: list[Problem] = []
    warnings: list[Problem] = []
    header: list[str] | None = None
    members: dict[str, Member] = {}
    consumed = 0
    for row in reader:
        line = consumed + 1  # where the row starts: a quoted line break spans two lines
        consumed = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [HEADINGS.get(cell.strip().lower(), cell.strip().lower()) for cell in row]
            missing = [col for col in REQUIRED if col not in header]
            if missing:
                names = [f'"{c}"' for c in missing]
                listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
                problems.append(
                    Problem(
                        file,
                        f"the first row should name the columns, but it reads "
                        f"{quote(_dialect(text).join(row))}, which has no {listed} column. "
                        "Make the first row: name,email,organisation,sector,role,joined,left",
                        line,
                    )
                )
                break
            continue
        cells = {col: (row[i].strip() if i < len(row) else "") for i, col in enumerate(header)}
        member, row_problems = _read_row(cells, line, file)
        problems.extend(row_problems)
        if member is None:
            continue
        if member.email in members:
            earlier = members[member.email]
            warnings.append(
                Problem(
                    file,
                    f"{quote(member.email)} is also on line {earlier.line}; treated as one "
                    "member (this later row wins). Delete one of the rows.",
                    line,
                    'column "email"',
                )
            )
        members[member.email] = member
    if header is None and not problems:
        problems.append(
            Problem(
                file,
                "the file is empty. Its first row should name the columns: "
                "name,email,organisation,sector,role,joined,left",
                1,
            )
        )
    if problems:
        raise MembersError(problems)
    return Membership(tuple(members.values()), tuple(warnings))


def _plain_text(value: str) -> str | None:
    """``value`` with its markup taken out (``&amp;`` read as ``&``), if that is clean."""
    plain = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", value)).split())
    if not plain or plain == value or has_control(plain) or has_markup(plain):
        return None
    if any(ch in plain for ch in "<>"):
        return None
    return plain


def _text_problem(value: str, what: str, *, no_angles: bool = False) -> str | None:
    """What is wrong with a cell that must be one line of plain text, or None.

    ``no_angles``: a lone < or > counts as markup too (names go into email headers).
    """
    if any(mark in value for mark in _LINE_BREAKS):
        return f"{quote(value)} contains a line break; put the whole {what} on one line."
    if has_control(value):
        return (
            f"{quote(value)} contains an invisible control character (shown with a "
            f"backslash); retype the {what} as plain text."
        )
    if has_markup(value) or (no_angles and any(ch in value for ch in "<>")):
        plain = _plain_text(value)
        fix = f", e.g. {quote(plain)}" if plain else ""
        return (
            f"{quote(value)} contains markup (< > or &...;); write the {what} as plain text{fix}."
        )
    return None


def _read_row(cells: dict[str, str], line: int, file: str) -> tuple[Member | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(file, message, line, f'column "{column}"'))

    name = cells.get("name", "")
    raw_email = cells.get("email", "")
    display, address = parseaddr(raw_email)
    if not name and display:
        name = display
    if not name:
        bad("name", "empty. Every row needs the member's name.")
    elif (issue := _text_problem(name, "name", no_angles=True)) is not None:
        bad("name", issue)
    if not raw_email:
        bad("email", "empty. Every row needs an address.")
    elif has_control(raw_email) or not is_valid_address(address) or raw_email.count("@") != 1:
        bad("email", f"{quote(raw_email)} is not an email address, e.g. tom.okafor@council.gov.uk.")
    organisation = cells.get("organisation", "")
    if not organisation:
        bad("organisation", "empty. Say which organisation the member comes from.")
    elif (issue := _text_problem(organisation, "organisation's name")) is not None:
        bad("organisation", issue)
    sector_raw = cells.get("sector", "").strip()
    sector = SECTOR_ALIASES.get(sector_raw.lower(), sector_raw.lower().replace(" ", "_"))
    if sector not in SECTORS:
        bad(
            "sector",
            f"{quote(sector_raw)} is not a sector; use one of " + ", ".join(SECTORS) + ".",
        )
    role = cells.get("role", "")
    if (issue := _text_problem(role, "role")) is not None:
        bad("role", issue)
    dates: dict[str, date | None] = {}
    for column in ("joined", "left"):
        try:
            dates[column] = _parse_date(cells.get(column, ""))
        except ValueError:
            bad(
                column,
                f"{quote(cells[column])} is not a date; use YYYY-MM-DD, e.g. 2027-02-28.",
            )
            dates[column] = None
    joined, left = dates["joined"], dates["left"]
    if joined and left and left < joined:
        bad(
            "left",
            f"{quote(cells['left'])} is before the joining date {quote(cells['joined'])}; "
            "a member leaves on or after the day they join, so correct one of the two dates.",
        )
    share_raw = cells.get("share_introduction", "").strip()
    share = share_raw.lower()
    if share not in ("", "yes", "no", "y", "n", "true", "false", "1", "0"):
        bad(
            "share_introduction",
            f"{quote(share_raw)} is not yes or no; write yes to share the member's "
            "introduction with everyone, or no (an empty cell also means no).",
        )
    if problems:
        return None, problems
    return (
        Member(
            email=address.lower(),
            name=re.sub(r"\s+", " ", name).strip(),
            organisation=organisation,
            sector=sector,
            role=role,
            joined=joined,
            left=left,
            share_introduction=share in ("yes", "y", "true", "1"),
            line=line,
        ),
        [],
    )
