"""The membership spreadsheet, as spreadsheets really export it.

``parse_members`` takes the file's bytes: UTF-8 with or without a byte-order
mark, or Windows-1252; comma- or semicolon-separated; blank rows anywhere. One
address is one member whatever its case. Every bad row is reported with its
line number and the column at fault, and never reaches an email header.
How each row is read is in ``membership_rows``; the decoding in ``spreadsheet``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from scheduler.errors import MembersError, Problem
from scheduler.inputs.membership import Member, Membership
from scheduler.inputs.membership_rows import RowReading, address_of, read_row, row_problem
from scheduler.inputs.plain_text import quote
from scheduler.inputs.sectors import SECTORS
from scheduler.inputs.spreadsheet import decode_spreadsheet, separator, workbook_problem

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
    "preferred_name": "preferred_name",
    "preferred name": "preferred_name",
    "known as": "preferred_name",
}
REQUIRED = ("name", "email", "organisation", "sector")
_COLUMNS = "name,email,organisation,sector,role,joined,left"
_COMPARED = (
    "name",
    "organisation",
    "sector",
    "role",
    "joined",
    "left",
    "share_introduction",
    "preferred_name",
)


def parse_members(raw: bytes, *, file: str = "members.csv") -> Membership:
    """The membership, or ``MembersError`` listing every problem (what ``check`` uses)."""
    membership = read_members(raw, file=file)
    if membership.problems:
        raise MembersError(list(membership.problems), list(membership.warnings))
    return membership


def read_members(raw: bytes, *, file: str = "members.csv") -> Membership:
    """Every good row, with the bad ones listed in ``problems`` and left out.

    What a tick uses, so that one bad row never holds up the others. A problem
    with the file as a whole (not a CSV file, no heading row, no member rows)
    raises ``MembersError``: nothing in it can be trusted to say who is a member.
    """
    workbook = workbook_problem(raw, file)
    if workbook is not None:
        raise MembersError([workbook])
    text = decode_spreadsheet(raw)
    delimiter = separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    found = _Gathering(file)
    header: list[str] | None = None
    for number, row in enumerate(reader, start=1):  # a spreadsheet's row numbers
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = _header(row, number, file, delimiter)
        else:
            found.row(header, row, number)
    if header is None:
        raise MembersError(
            [
                Problem(
                    file,
                    f"the file is empty. Its first row should name the columns: {_COLUMNS}",
                )
            ]
        )
    if not found.rows_seen:
        raise MembersError(
            [
                Problem(
                    file,
                    "there are no member rows, only the row of column names. Add a row for "
                    "each member. (Someone leaving keeps their row, with the date in the "
                    '"left" column.)',
                    None,
                )
            ]
        )
    return found.membership()


def _header(row: list[str], number: int, file: str, delimiter: str) -> list[str]:
    """Our names for the columns the first row names, or ``MembersError`` if one is missing."""
    header = [HEADINGS.get(cell.strip().lower(), cell.strip().lower()) for cell in row]
    missing = [col for col in REQUIRED if col not in header]
    if missing:
        names = [f'"{c}"' for c in missing]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        raise MembersError(
            [
                row_problem(
                    file,
                    f"the first row should name the columns, but it reads "
                    f"{quote(delimiter.join(row))}, which has no {listed} column. "
                    f"Make the first row: {_COLUMNS}",
                    number,
                )
            ]
        )
    return header


@dataclass
class _Gathering:
    """The rows read so far: the members, the problems and the addresses held back."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)
    cells_of: dict[str, dict[str, str]] = field(default_factory=dict)
    held: set[str] = field(default_factory=set)
    unreadable: int = 0
    sector_rows: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    rows_seen: int = 0

    def hold(self, address: str | None) -> None:
        """A row left out: keep its member as the archive knows them, if it says who."""
        if address:
            self.held.add(address)
        else:
            self.unreadable += 1

    def row(self, header: list[str], row: list[str], number: int) -> None:
        self.rows_seen += 1
        cells = {col: (row[i].strip() if i < len(row) else "") for i, col in enumerate(header)}
        reading = read_row(cells, number, self.file)
        extra = row[len(header) :]
        # A trailing empty cell is harmless; one that holds text, or that shifted the
        # row's cells so that they no longer read, is a comma too many.
        if any(cell.strip() for cell in extra) or (extra and reading.member is None):
            self.problems.append(_too_many_cells(self.file, header, row, number))
            self.hold(address_of(cells.get("email", "")))
            return
        self.problems.extend(reading.problems)
        self.warnings.extend(reading.warnings)
        if reading.member is None:
            self.hold(reading.address)
            return
        self.add(reading, reading.member, cells, number)

    def add(self, reading: RowReading, member: Member, cells: dict[str, str], number: int) -> None:
        """A good row, unless its address is already on another row."""
        if reading.sector_written != member.sector:
            self.sector_rows.setdefault((reading.sector_written, member.sector), []).append(number)
        earlier = self.members.get(member.email)
        if earlier is None:
            if member.email in self.held:  # already found on a row that disagreed or was bad
                return
            self.members[member.email] = member
            self.cells_of[member.email] = cells
            return
        differences = _differences(earlier, member, self.cells_of[member.email], cells)
        if not differences:
            self.warnings.append(
                row_problem(
                    self.file,
                    f"{quote(member.email)} is also on row {earlier.line}, with the same "
                    "details; treated as one member. Delete one of the two rows.",
                    number,
                    "email",
                )
            )
            return
        self.problems.append(
            row_problem(
                self.file,
                f"{quote(member.email)} is also on row {earlier.line}, and the two rows "
                f"disagree: {'; '.join(differences)}. One address is one member: keep the "
                "right row and delete the other.",
                number,
                "email",
            )
        )
        del self.members[member.email]
        self.held.add(member.email)

    def membership(self) -> Membership:
        warnings = self.warnings + [
            _sector_read_as(self.file, written, sector, rows)
            for (written, sector), rows in self.sector_rows.items()
        ]
        warnings.sort(key=lambda w: w.line or 0)
        return Membership(
            tuple(self.members.values()),
            tuple(warnings),
            tuple(self.problems),
            frozenset(self.held - set(self.members)),
            self.unreadable,
        )


def _too_many_cells(file: str, header: list[str], row: list[str], number: int) -> Problem:
    shown = [quote(cell) for cell in row[len(header) :] if cell.strip()]
    return row_problem(
        file,
        f"too many cells (a stray comma?): the first row names {len(header)} "
        f"columns but this row has {len(row)} cells"
        + (", the extra " + ", ".join(shown) if shown else "")
        + '. Put a cell that holds a comma in double quotes, e.g. "Smith, Jones '
        'and Co", or remove the extra comma.',
        number,
    )


def _sector_read_as(file: str, written: str, sector: str, rows: list[int]) -> Problem:
    """The warning that a sector label was read as one of our codes."""
    also = f" (also on {_rows_text(rows[1:])})" if len(rows) > 1 else ""
    return row_problem(
        file,
        f"{quote(written)} is read as {sector}{also}; write {sector} to be sure. Sectors are "
        + ", ".join(SECTORS)
        + ".",
        rows[0],
        "sector",
    )


def _rows_text(rows: list[int]) -> str:
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(str(n) for n in rows)


def _differences(
    earlier: Member, later: Member, earlier_cells: dict[str, str], later_cells: dict[str, str]
) -> list[str]:
    """How two rows for one address differ, as the convenor wrote them."""
    found = []
    for column in _COMPARED:
        if getattr(earlier, column) != getattr(later, column):
            found.append(
                f"{column} {quote(earlier_cells.get(column, ''))} on row {earlier.line}, "
                f"{quote(later_cells.get(column, ''))} on row {later.line}"
            )
    return found
