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
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email

from scheduler.errors import MembersError, Problem
from scheduler.safety import has_control, has_markup, is_valid_address

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
# Sector labels as people write them, lower-case with punctuation and "and" taken
# out (see ``_sector``); each is read with a warning saying so.
SECTOR_ALIASES = {
    "voluntary": "vcse",
    "voluntary sector": "vcse",
    "voluntary community": "vcse",
    "voluntary community sector": "vcse",
    "voluntary community social enterprise": "vcse",
    "third sector": "vcse",
    "vcs": "vcse",
    "vcfse": "vcse",
    "vcse sector": "vcse",
    "charity": "vcse",
    "nhs trust": "nhs",
    "health": "nhs",
    "icb": "nhs",
    "local authority": "local_authority",
    "council": "local_authority",
    "la": "local_authority",
    "local government": "local_authority",
    "primary care": "primary_care",
    "gp": "primary_care",
    "gp practice": "primary_care",
    "general practice": "primary_care",
    "pcn": "primary_care",
    "community member": "community",
    "community members": "community",
    "resident": "community",
    "residents": "community",
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
    """The good rows; with ``read_members``, also the bad rows left out and why.

    ``held`` are the addresses of rows left out: a tick keeps those members as the
    archive knows them. ``unreadable`` counts rows left out whose address could
    not be read at all: while there are any, nobody counts as removed from the
    file, since the row may be theirs.
    """

    members: tuple[Member, ...]
    warnings: tuple[Problem, ...] = ()
    problems: tuple[Problem, ...] = ()
    held: frozenset[str] = frozenset()
    unreadable: int = 0

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


_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of an old Excel .xls
_SAVE_AS_CSV = (
    'In Excel choose File > Save As and the type "CSV UTF-8 (Comma delimited) (*.csv)"; '
    'in LibreOffice, File > Save As, "Text CSV (.csv)" with the character set "Unicode (UTF-8)".'
)


def _workbook_problem(raw: bytes, file: str) -> Problem | None:
    """A spreadsheet saved in its own format rather than as text, said plainly."""
    if raw.startswith(_ZIP):
        head = raw[:200]
        if b"mimetype" in head and b"opendocument" in head:
            what = "a LibreOffice or OpenOffice spreadsheet (.ods)"
        else:
            what = "an Excel workbook (.xlsx)"
    elif raw.startswith(_OLE):
        what = "an old-style Excel workbook (.xls)"
    else:
        return None
    return Problem(
        file,
        f"this is {what}, not a CSV file, so it cannot be read. {_SAVE_AS_CSV} "
        f"Then point [partnership] members at the .csv file.",
        None,
    )


def _utf16(raw: bytes) -> str | None:
    """The text of a file saved as "Unicode Text" (UTF-16), or None if it is not one."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    sample = raw[:400]
    if len(sample) >= 4 and sample.count(b"\x00") * 3 >= len(sample):
        # ASCII text in UTF-16 without a byte-order mark: every other byte is zero
        little = sample[1::2].count(0) > sample[0::2].count(0)
        return raw.decode("utf-16-le" if little else "utf-16-be", errors="replace")
    return None


def decode_spreadsheet(raw: bytes) -> str:
    """UTF-8 (a BOM is dropped), UTF-16 ("Unicode Text"), else Windows-1252 as Excel writes it."""
    wide = _utf16(raw)
    if wide is not None:
        return wide.lstrip("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _dialect(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","


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


def _row(file: str, message: str, row: int, column: str | None = None) -> Problem:
    """A problem on one spreadsheet row, numbered as the spreadsheet numbers it."""
    return Problem(file, message, row, f'column "{column}"' if column else None, unit="row")


def _rows_text(rows: list[int]) -> str:
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(str(n) for n in rows)


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
    workbook = _workbook_problem(raw, file)
    if workbook is not None:
        raise MembersError([workbook])
    text = decode_spreadsheet(raw)
    delimiter = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    header: list[str] | None = None
    members: dict[str, Member] = {}
    cells_of: dict[str, dict[str, str]] = {}
    held: set[str] = set()
    unreadable = 0
    sector_rows: dict[tuple[str, str], list[int]] = {}
    rows_seen = 0
    number = 0
    for number, row in enumerate(reader, start=1):  # a spreadsheet's row numbers
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [HEADINGS.get(cell.strip().lower(), cell.strip().lower()) for cell in row]
            missing = [col for col in REQUIRED if col not in header]
            if missing:
                names = [f'"{c}"' for c in missing]
                listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
                raise MembersError(
                    [
                        _row(
                            file,
                            f"the first row should name the columns, but it reads "
                            f"{quote(delimiter.join(row))}, which has no {listed} column. "
                            "Make the first row: name,email,organisation,sector,role,joined,left",
                            number,
                        )
                    ]
                )
            continue
        rows_seen += 1
        cells = {col: (row[i].strip() if i < len(row) else "") for i, col in enumerate(header)}
        reading = _read_row(cells, number, file)
        extra = row[len(header) :]
        # A trailing empty cell is harmless; one that holds text, or that shifted the
        # row's cells so that they no longer read, is a comma too many.
        if any(cell.strip() for cell in extra) or (extra and reading.member is None):
            shown = [quote(cell) for cell in extra if cell.strip()]
            problems.append(
                _row(
                    file,
                    f"too many cells (a stray comma?): the first row names {len(header)} "
                    f"columns but this row has {len(row)} cells"
                    + (", the extra " + ", ".join(shown) if shown else "")
                    + '. Put a cell that holds a comma in double quotes, e.g. "Smith, Jones '
                    'and Co", or remove the extra comma.',
                    number,
                )
            )
            address = _address_of(cells.get("email", ""))
            if address:
                held.add(address)
            else:
                unreadable += 1
            continue
        problems.extend(reading.problems)
        warnings.extend(reading.warnings)
        member = reading.member
        if member is None:
            if reading.address:
                held.add(reading.address)
            else:
                unreadable += 1
            continue
        if reading.sector_written != member.sector:
            sector_rows.setdefault((reading.sector_written, member.sector), []).append(number)
        earlier = members.get(member.email)
        if earlier is None:
            if member.email in held:  # already found on a row that disagreed or was bad
                continue
            members[member.email] = member
            cells_of[member.email] = cells
            continue
        differences = _differences(earlier, member, cells_of[member.email], cells)
        if not differences:
            warnings.append(
                _row(
                    file,
                    f"{quote(member.email)} is also on row {earlier.line}, with the same "
                    "details; treated as one member. Delete one of the two rows.",
                    number,
                    "email",
                )
            )
            continue
        problems.append(
            _row(
                file,
                f"{quote(member.email)} is also on row {earlier.line}, and the two rows "
                f"disagree: {'; '.join(differences)}. One address is one member: keep the "
                "right row and delete the other.",
                number,
                "email",
            )
        )
        del members[member.email]
        held.add(member.email)
    if header is None:
        raise MembersError(
            [
                Problem(
                    file,
                    "the file is empty. Its first row should name the columns: "
                    "name,email,organisation,sector,role,joined,left",
                )
            ]
        )
    if not rows_seen:
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
    for (written, sector), rows in sector_rows.items():
        warnings.append(
            _row(
                file,
                f"{quote(written)} is read as {sector}"
                + (f" (also on {_rows_text(rows[1:])})" if len(rows) > 1 else "")
                + f"; write {sector} to be sure. Sectors are "
                + ", ".join(SECTORS)
                + ".",
                rows[0],
                "sector",
            )
        )
    warnings.sort(key=lambda w: w.line or 0)
    return Membership(
        tuple(members.values()),
        tuple(warnings),
        tuple(problems),
        frozenset(held - set(members)),
        unreadable,
    )


_COMPARED = ("name", "organisation", "sector", "role", "joined", "left", "share_introduction")


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


def _plain_text(value: str) -> str | None:
    """``value`` with its markup taken out (``&amp;`` read as ``&``), if that is clean."""
    plain = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", value)).split())
    if not plain or plain == value or has_control(plain) or has_markup(plain):
        return None
    if any(ch in plain for ch in "<>"):
        return None
    return plain


# Longest name we put in a header. A display name goes into the To: line of every
# email; a 1,200-character name made the server refuse every message to that member.
# 100 characters holds any real name with titles and post-nominals, and keeps the
# To: line a mail server and a phone screen can take.
NAME_LIMIT = 100
# Organisations and roles are shown in messages and calendar entries, not addressed.
TEXT_LIMIT = 200
# Characters that make text display in another order than it is stored (RFC 9839
# calls them "problematic"): a name holding them can pass itself off as another.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# An RFC 2047 encoded word: mail programs decode it, so what it hides (a line break,
# another header) would reach the header after our checks.
ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
# Invisible characters that ride along when an address is copied from a web page
# or a document: zero-width spaces and joiners, the byte-order mark, soft hyphens,
# no-break spaces. None can be part of an address.
_INVISIBLE_SPACES = frozenset("\u00a0\u2007\u202f\u3000")


def _is_invisible(ch: str) -> bool:
    return ch in _INVISIBLE_SPACES or unicodedata.category(ch) == "Cf"


def _text_problem(
    value: str, what: str, *, no_angles: bool = False, limit: int = TEXT_LIMIT
) -> str | None:
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
    if any(ch in BIDI_CONTROLS for ch in value):
        return (
            f"{quote(value)} contains an invisible direction override (shown as \\u202e or "
            f"similar), which makes text show in a different order from how it is written; "
            f"retype the {what} without it."
        )
    if ENCODED_WORD.search(value):
        return (
            f'{quote(value)} holds mail encoding ("=?...?=") that email programs would turn '
            f"into other text; write the {what} itself, as plain text."
        )
    if has_markup(value) or (no_angles and any(ch in value for ch in "<>")):
        plain = _plain_text(value)
        fix = f", e.g. {quote(plain)}" if plain else ""
        return (
            f"{quote(value)} contains markup (< > or &...;); write the {what} as plain text{fix}."
        )
    if len(value) > limit:
        why = (
            "a name goes into the To: line of every email, and mail servers refuse "
            "messages whose header lines are that long"
            if no_angles
            else "it has to fit in emails and calendar entries"
        )
        return (
            f"{quote(value, limit=40)} is {len(value):,} characters long; {why}. Shorten it "
            f"to {limit} characters or fewer."
        )
    return None


def _address_of(raw_email: str) -> str | None:
    """The address in a cell, lower-case, if it is one (for rows otherwise left out)."""
    cleaned = "".join(ch for ch in raw_email if not _is_invisible(ch)).strip()
    found = check_address(parseaddr(cleaned)[1] if "<" in cleaned else cleaned)
    return found if isinstance(found, str) and not found.startswith("!") else None


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


@dataclass(frozen=True)
class _RowReading:
    member: Member | None
    problems: list[Problem]
    warnings: list[Problem]
    address: str | None  # the row's address when it could be read, even if the row is bad
    sector_written: str = ""


def _sector(written: str) -> str | None:
    """The sector a label means, as people write it ("Local Authority", "NHS"), or None."""
    words = " ".join(re.sub(r"[-_/&,.()]", " ", written.lower()).split())
    words = re.sub(r"\band\b", "", words)
    words = " ".join(words.split())
    as_code = words.replace(" ", "_")
    if as_code in SECTORS:
        return as_code
    return SECTOR_ALIASES.get(words)


def _read_row(cells: dict[str, str], line: int, file: str) -> _RowReading:
    problems: list[Problem] = []
    warnings: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(_row(file, message, line, column))

    name = cells.get("name", "")
    raw_email = cells.get("email", "")
    visible = "".join(ch for ch in raw_email if not _is_invisible(ch)).strip()
    if visible != raw_email and visible:
        hidden = [ch for ch in raw_email if _is_invisible(ch)]
        shown = quote("".join(dict.fromkeys(hidden)))[1:-1]
        warnings.append(
            _row(
                file,
                f"{quote(raw_email)} held invisible characters ({shown}), taken out: read as "
                f"{quote(visible)}. Retype the address in the spreadsheet to be rid of them.",
                line,
                "email",
            )
        )
    display, address = parseaddr(visible) if "<" in visible else ("", visible)
    if not name and display:
        name = display
    stored: str | None = None
    if not raw_email:
        bad("email", "empty. Every row needs an address.")
    elif has_control(visible) or visible.count("@") != 1:
        bad(
            "email",
            f"{quote(raw_email)} is not an email address: it should hold one @. Write it "
            "like tom.okafor@council.gov.uk.",
        )
    else:
        checked = check_address(address)
        if checked.startswith("!"):
            bad(
                "email",
                f"{quote(raw_email)} is not an email address: {checked[1:]} Write it like "
                "tom.okafor@council.gov.uk.",
            )
        else:
            stored = checked
    if not name:
        bad("name", "empty. Every row needs the member's name.")
    elif (issue := _text_problem(name, "name", no_angles=True, limit=NAME_LIMIT)) is not None:
        bad("name", issue)
    organisation = cells.get("organisation", "")
    if not organisation:
        bad("organisation", "empty. Say which organisation the member comes from.")
    elif (issue := _text_problem(organisation, "organisation's name")) is not None:
        bad("organisation", issue)
    sector_raw = cells.get("sector", "").strip()
    sector = _sector(sector_raw)
    if sector is None:
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
    if problems or stored is None or sector is None:
        return _RowReading(None, problems, warnings, stored)
    member = Member(
        email=stored,
        name=re.sub(r"\s+", " ", name).strip(),
        organisation=organisation,
        sector=sector,
        role=role,
        joined=joined,
        left=left,
        share_introduction=share in ("yes", "y", "true", "1"),
        line=line,
    )
    return _RowReading(member, [], warnings, stored, sector_raw)
