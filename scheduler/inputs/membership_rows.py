"""One row of the membership file, read into a ``Member`` or into the problems that stop it.

Each cell is judged on its own, so a row with three mistakes is reported with
three problems, each naming its column. The address is read even from a row
that is otherwise bad, so that member can be kept as the archive knows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email

from scheduler.errors import Problem
from scheduler.inputs.membership import Member
from scheduler.inputs.plain_text import NAME_LIMIT, is_invisible, quote, text_problem
from scheduler.inputs.sectors import SECTORS, read_sector
from scheduler.safety import has_control, is_valid_address

_YES = ("yes", "y", "true", "1")
_NO = ("", "no", "n", "false", "0")


def row_problem(file: str, message: str, row: int, column: str | None = None) -> Problem:
    """A problem on one spreadsheet row, numbered as the spreadsheet numbers it."""
    return Problem(file, message, row, f'column "{column}"' if column else None, unit="row")


def check_address(value: str) -> str:
    """The address as we store it (lower-case, domain in ASCII), or "!" and the reason.

    Syntax and internationalised domains are judged by ``email-validator``, with no
    look-ups on the network; what it accepts must still pass our own header check.
    """
    try:
        valid = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        reason = str(exc)
        return "!" + reason[:1].lower() + reason[1:]
    address = (valid.ascii_email or valid.normalized).lower()
    if not is_valid_address(address):
        return "!It holds characters that cannot go in an email header."
    return address


def address_of(raw_email: str) -> str | None:
    """The address in a cell, lower-case, if it is one (for rows otherwise left out)."""
    cleaned = "".join(ch for ch in raw_email if not is_invisible(ch)).strip()
    found = check_address(parseaddr(cleaned)[1] if "<" in cleaned else cleaned)
    return found if isinstance(found, str) and not found.startswith("!") else None


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


@dataclass(frozen=True)
class RowReading:
    member: Member | None
    problems: list[Problem]
    warnings: list[Problem]
    address: str | None  # the row's address when it could be read, even if the row is bad
    sector_written: str = ""


@dataclass
class _Row:
    """The cells of one row and the problems found in them so far."""

    cells: dict[str, str]
    line: int
    file: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def bad(self, column: str, message: str) -> None:
        self.problems.append(row_problem(self.file, message, self.line, column))


def read_row(cells: dict[str, str], line: int, file: str) -> RowReading:
    """The member a row describes, or every problem that keeps it out."""
    row = _Row(cells, line, file)
    stored, display = _email(row)
    name = cells.get("name", "") or display
    if not name:
        row.bad("name", "empty. Every row needs the member's name.")
    elif (issue := text_problem(name, "name", no_angles=True, limit=NAME_LIMIT)) is not None:
        row.bad("name", issue)
    organisation = cells.get("organisation", "")
    if not organisation:
        row.bad("organisation", "empty. Say which organisation the member comes from.")
    elif (issue := text_problem(organisation, "organisation's name")) is not None:
        row.bad("organisation", issue)
    sector_raw = cells.get("sector", "").strip()
    sector = read_sector(sector_raw)
    if sector is None:
        row.bad(
            "sector",
            f"{quote(sector_raw)} is not a sector; use one of " + ", ".join(SECTORS) + ".",
        )
    role = cells.get("role", "")
    if (issue := text_problem(role, "role")) is not None:
        row.bad("role", issue)
    preferred = cells.get("preferred_name", "")
    if preferred and (
        issue := text_problem(preferred, "preferred name", no_angles=True, limit=NAME_LIMIT)
    ):
        row.bad("preferred_name", issue)
    preferred = re.sub(r"\s+", " ", preferred).strip()
    joined, left = _dates(row)
    share = _share(row)
    if row.problems or stored is None or sector is None:
        return RowReading(None, row.problems, row.warnings, stored)
    member = Member(
        email=stored,
        name=re.sub(r"\s+", " ", name).strip(),
        organisation=organisation,
        sector=sector,
        role=role,
        joined=joined,
        left=left,
        share_introduction=share,
        preferred_name=preferred,
        line=line,
    )
    return RowReading(member, [], row.warnings, stored, sector_raw)


def _email(row: _Row) -> tuple[str | None, str]:
    """The address as stored (None if it cannot be), and a display name written with it."""
    raw_email = row.cells.get("email", "")
    visible = "".join(ch for ch in raw_email if not is_invisible(ch)).strip()
    if visible != raw_email and visible:
        hidden = [ch for ch in raw_email if is_invisible(ch)]
        shown = quote("".join(dict.fromkeys(hidden)))[1:-1]
        row.warnings.append(
            row_problem(
                row.file,
                f"{quote(raw_email)} held invisible characters ({shown}), taken out: read as "
                f"{quote(visible)}. Retype the address in the spreadsheet to be rid of them.",
                row.line,
                "email",
            )
        )
    display, address = parseaddr(visible) if "<" in visible else ("", visible)
    if not raw_email:
        row.bad("email", "empty. Every row needs an address.")
        return None, display
    if has_control(visible) or visible.count("@") != 1:
        row.bad(
            "email",
            f"{quote(raw_email)} is not an email address: it should hold one @. Write it "
            "like tom.okafor@council.gov.uk.",
        )
        return None, display
    checked = check_address(address)
    if checked.startswith("!"):
        row.bad(
            "email",
            f"{quote(raw_email)} is not an email address: {checked[1:]} Write it like "
            "tom.okafor@council.gov.uk.",
        )
        return None, display
    return checked, display


def _dates(row: _Row) -> tuple[date | None, date | None]:
    """The joining and leaving dates, each None when empty or unreadable."""
    dates: dict[str, date | None] = {}
    for column in ("joined", "left"):
        try:
            dates[column] = _parse_date(row.cells.get(column, ""))
        except ValueError:
            row.bad(
                column,
                f"{quote(row.cells[column])} is not a date; use YYYY-MM-DD, e.g. 2027-02-28.",
            )
            dates[column] = None
    joined, left = dates["joined"], dates["left"]
    if joined and left and left < joined:
        row.bad(
            "left",
            f"{quote(row.cells['left'])} is before the joining date "
            f"{quote(row.cells['joined'])}; a member leaves on or after the day they join, "
            "so correct one of the two dates.",
        )
    return joined, left


def _share(row: _Row) -> bool:
    """Whether the member agreed to share their introduction (only a yes counts)."""
    share_raw = row.cells.get("share_introduction", "").strip()
    share = share_raw.lower()
    if share not in _YES + _NO:
        row.bad(
            "share_introduction",
            f"{quote(share_raw)} is not yes or no; write yes to share the member's "
            "introduction with everyone, or no (an empty cell also means no).",
        )
    return share in _YES
