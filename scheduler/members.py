"""The membership spreadsheet, as spreadsheets really export it.

``parse_members`` takes the file's bytes: UTF-8 with or without a byte-order
mark, or Windows-1252; comma- or semicolon-separated; blank rows anywhere. One
address is one member whatever its case. Every bad row is reported with its
line number and the column at fault, and never reaches an email header.
"""

from __future__ import annotations

import csv
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
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [HEADINGS.get(cell.strip().lower(), cell.strip().lower()) for cell in row]
            missing = [col for col in REQUIRED if col not in header]
            if missing:
                problems.append(
                    Problem(
                        file,
                        "the first row should name the columns; missing "
                        + ", ".join(f'"{c}"' for c in missing)
                        + ". Expected: name,email,organisation,sector,role,joined,left",
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
                    f"{member.email} is also on line {earlier.line}; treated as one member "
                    f"(this later row wins). Delete one of the rows.",
                    line,
                    'column "email"',
                )
            )
        members[member.email] = member
    if header is None and not problems:
        problems.append(
            Problem(file, "is empty. The first row names the columns: name,email,...", 1)
        )
    if problems:
        raise MembersError(problems)
    return Membership(tuple(members.values()), tuple(warnings))


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
    elif has_control(name) or "\n" in name:
        bad("name", "contains a line break; put the whole name on one line.")
    elif has_markup(name) or any(ch in name for ch in "<>"):
        bad("name", f'"{name}" contains markup (< > or &...;); write the name as plain text.')
    if not raw_email:
        bad("email", "empty. Every row needs an address.")
    elif has_control(raw_email) or not is_valid_address(address) or raw_email.count("@") != 1:
        bad("email", f'"{raw_email}" is not an email address, e.g. tom.okafor@council.gov.uk.')
    organisation = cells.get("organisation", "")
    if not organisation:
        bad("organisation", "empty. Say which organisation the member comes from.")
    elif has_control(organisation) or has_markup(organisation):
        bad("organisation", "contains a line break or markup; write it as plain text.")
    sector_raw = cells.get("sector", "").strip()
    sector = SECTOR_ALIASES.get(sector_raw.lower(), sector_raw.lower().replace(" ", "_"))
    if sector not in SECTORS:
        bad(
            "sector",
            f'"{sector_raw}" is not a sector; use one of ' + ", ".join(SECTORS) + ".",
        )
    role = cells.get("role", "")
    if has_control(role) or has_markup(role):
        bad("role", "contains a line break or markup; write it as plain text.")
    dates: dict[str, date | None] = {}
    for column in ("joined", "left"):
        try:
            dates[column] = _parse_date(cells.get(column, ""))
        except ValueError:
            bad(
                column,
                f'"{cells[column]}" is not a date; use YYYY-MM-DD, e.g. 2027-02-28.',
            )
            dates[column] = None
    joined, left = dates["joined"], dates["left"]
    if joined and left and left < joined:
        bad("left", f"{left} is before the joining date {joined}.")
    share = cells.get("share_introduction", "").strip().lower()
    if share not in ("", "yes", "no", "y", "n", "true", "false", "1", "0"):
        bad("share_introduction", f'"{share}" should be yes or no.')
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
