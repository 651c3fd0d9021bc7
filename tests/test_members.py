"""The membership spreadsheet as spreadsheets really export it."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.errors import MembersError
from scheduler.inputs.members import parse_members
from scheduler.inputs.plain_text import quote

HEADER = "name,email,organisation,sector,role,joined,left\r\n"


def test_excel_windows_1252_with_semicolons_and_trailing_blank_rows() -> None:
    text = (
        "name;email;organisation;sector;role;joined;left\r\n"
        "Siobhán O’Brien;siobhan@example.org;Café £5 Club;vcse;Chair;01/09/2026;\r\n"
        ";;;;;;\r\n\r\n"
    )
    members = parse_members(text.encode("cp1252")).members
    assert len(members) == 1
    m = members[0]
    assert (m.name, m.organisation, m.joined) == (
        "Siobhán O’Brien",
        "Café £5 Club",
        date(2026, 9, 1),
    )


def test_utf8_with_bom_and_display_name_in_the_email_cell() -> None:
    text = (
        "\ufeff"
        + HEADER
        + "Tom Okafor,Tom Okafor <Tom.Okafor@Council.example.gov.uk>,City Council,local_authority,,,\r\n"
    )
    (m,) = parse_members(text.encode("utf-8")).members
    assert m.email == "tom.okafor@council.example.gov.uk"
    assert m.name == "Tom Okafor"


def test_the_same_address_in_another_case_is_one_member_with_a_warning() -> None:
    text = (
        HEADER
        + "Tom,tom@example.org,Council,local_authority,,,\nTom,TOM@example.org,Council,local_authority,,,\n"
    )
    membership = parse_members(text.encode())
    assert [m.name for m in membership.members] == ["Tom"]
    assert str(membership.warnings[0]) == (
        'members.csv, row 3, column "email": "tom@example.org" is also on row 2, with the same '
        "details; treated as one member. Delete one of the two rows."
    )


def test_every_bad_row_is_reported_with_its_line_and_column() -> None:
    text = (
        HEADER
        + "Ann,ann@example.org,Org,vcse,,,\n"
        + "Bob,bob-at-example.org,Org,vcse,,,\n"
        + "Cat,cat@example.org,Org,charity shop,,,\n"
        + '"Dan\nEvil",dan@example.org,Org,nhs,,,\n'
        + "<b>Eve</b>,eve@example.org,Org,nhs,,,\n"
        + "Fay,fay@example.org,Org,nhs,,31/02/2027,\n"
        + "Gus,,Org,nhs,,,\n"
    )
    with pytest.raises(MembersError) as caught:
        parse_members(text.encode())
    assert [str(p) for p in caught.value.problems] == [
        'members.csv, row 3, column "email": "bob-at-example.org" is not an email address: it should hold one @. Write it like tom.okafor@council.gov.uk.',
        'members.csv, row 4, column "sector": "charity shop" is not a sector; use one of vcse, nhs, local_authority, primary_care, community, other.',
        'members.csv, row 5, column "name": "Dan\\nEvil" contains a line break; put the whole name on one line.',
        # the line break above is inside one cell: a spreadsheet still counts one row
        'members.csv, row 6, column "name": "<b>Eve</b>" contains markup (< > or &...;); write the name as plain text, e.g. "Eve".',
        'members.csv, row 7, column "joined": "31/02/2027" is not a date; use YYYY-MM-DD, e.g. 2027-02-28.',
        'members.csv, row 8, column "email": empty. Every row needs an address.',
    ]


def test_missing_columns_are_named() -> None:
    with pytest.raises(MembersError) as caught:
        parse_members(b"name,mail\nAnn,ann@example.org\n")
    assert str(caught.value) == (
        'members.csv, row 1: the first row should name the columns, but it reads "name,mail", '
        'which has no "email", "organisation" or "sector" column. Make the first row: '
        "name,email,organisation,sector,role,joined,left"
    )


def test_future_joiners_and_leavers_by_date() -> None:
    text = (
        HEADER
        + "Ann,ann@example.org,Org,vcse,,2027-02-01,\nBob,bob@example.org,Org,nhs,,2026-01-01,2027-01-31\n"
    )
    ann, bob = parse_members(text.encode()).members
    assert not ann.is_active(date(2027, 1, 31)) and ann.is_active(date(2027, 2, 1))
    assert bob.is_active(date(2027, 1, 30)) and not bob.is_active(date(2027, 1, 31))


@given(st.binary(max_size=400))
def test_any_bytes_give_members_or_a_members_error(raw: bytes) -> None:
    try:
        membership = parse_members(HEADER.encode() + raw)
    except MembersError as exc:
        problems = exc.problems
        assert problems
        for problem in problems:  # each stays one readable line, whatever the cells hold
            assert str(problem).isprintable(), str(problem)
        return
    for m in membership.members:
        assert "\n" not in m.name and "\r" not in m.name and "<" not in m.name
        assert "@" in m.email and "\n" not in m.email


def problems_for(*rows: str, header: str = HEADER) -> list[str]:
    with pytest.raises(MembersError) as caught:
        parse_members((header + "".join(rows)).encode())
    return [str(p) for p in caught.value.problems]


def test_organisation_and_role_errors_quote_the_value_with_line_breaks_visible() -> None:
    found = problems_for(
        "Cat,cat@example.org,Food &amp; Friends,vcse,<i>Lead</i>,,\n",
        'Dan,dan@example.org,"Org\nTwo",nhs,"Chair\r\nand notes",,\n',
        "Eve,eve@example.org,Org\tLtd,nhs,,,\n",
    )
    assert found == [
        'members.csv, row 2, column "organisation": "Food &amp; Friends" contains markup '
        '(< > or &...;); write the organisation\'s name as plain text, e.g. "Food & Friends".',
        'members.csv, row 2, column "role": "<i>Lead</i>" contains markup (< > or &...;); '
        'write the role as plain text, e.g. "Lead".',
        'members.csv, row 3, column "organisation": "Org\\nTwo" contains a line break; put the '
        "whole organisation's name on one line.",
        'members.csv, row 3, column "role": "Chair\\r\\nand notes" contains a line break; put '
        "the whole role on one line.",
        'members.csv, row 4, column "organisation": "Org\\tLtd" contains an invisible control '
        "character (shown with a backslash); retype the organisation's name as plain text.",
    ]


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        ("Ann,c@d,Org,vcse,,,", "email", "c@d"),
        (
            'Ann,"ann@example.org\nbob@example.org",Org,vcse,,,',
            "email",
            "ann@example.org\nbob@example.org",
        ),
        ("Ann,ann@example.org,Org,charity shop,,,", "sector", "charity shop"),
        ("Ann,ann@example.org,Org,vcse,,31/02/2027,", "joined", "31/02/2027"),
        ("Ann,ann@example.org,Org,vcse,,2027-01-01,last week", "left", "last week"),
        ("Ann,ann@example.org,Org,vcse,,2027-02-01,2027-01-01", "left", "2027-01-01"),
        ("<b>Ann</b>,ann@example.org,Org,vcse,,,", "name", "<b>Ann</b>"),
        ('"Ann\u2028Lee",ann@example.org,Org,vcse,,,', "name", "Ann\u2028Lee"),
    ],
)
def test_every_cell_error_quotes_the_value_as_written(row: str, column: str, value: str) -> None:
    (found,) = problems_for(row + "\n")
    assert found.startswith(f'members.csv, row 2, column "{column}": {quote(value)} ')
    assert "\n" not in found and "\u2028" not in found


def test_left_before_joined_and_share_introduction_say_how_to_fix() -> None:
    found = problems_for(
        "Ann,ann@example.org,Org,vcse,,01/09/2027,2027-01-31,\n",
        "Bob,bob@example.org,Org,vcse,,,,Maybe\n",
        header=HEADER.rstrip("\r\n") + ",share_introduction\n",
    )
    assert found == [
        'members.csv, row 2, column "left": "2027-01-31" is before the joining date '
        '"01/09/2027"; a member leaves on or after the day they join, so correct one of the '
        "two dates.",
        'members.csv, row 3, column "share_introduction": "Maybe" is not yes or no; write yes '
        "to share the member's introduction with everyone, or no (an empty cell also means no).",
    ]


def test_an_empty_file_says_what_the_first_row_is() -> None:
    with pytest.raises(MembersError) as caught:
        parse_members(b"\r\n\r\n")
    assert str(caught.value) == (
        "members.csv: the file is empty. Its first row should name the columns: "
        "name,email,organisation,sector,role,joined,left"
    )


def test_quote_shows_what_is_invisible_and_cuts_what_is_long() -> None:
    assert quote("Org\nTwo") == '"Org\\nTwo"'
    assert quote('Tom "TJ" O\\K') == '"Tom \\"TJ\\" O\\\\K"'
    assert quote("a\x85b\u200bc\xa0d\U000e0041") == '"a\\x85b\\u200bc\\xa0d\\U000e0041"'
    assert quote("Siobhán O’Brien") == '"Siobhán O’Brien"'
    assert quote("x" * 100) == '"' + "x" * 80 + '..."'
