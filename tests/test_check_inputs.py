"""Inputs nobody can get wrong: each broken file as a convenor would write it, through
``reflect check``, asserting what the convenor reads (file, line or row, field, fix)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.partnership import CONFIG, MEMBERS_CSV, Partnership

from scheduler.app.services import build_services
from scheduler.cli.main import main

HEADER = "name,email,organisation,sector,role,joined,left\r\n"


def check(
    partnership: Partnership, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, list[str]]:
    code = main(["--config", str(partnership.config), "check", *extra])
    return code, capsys.readouterr().out.splitlines()


def line_of(path: Path, text: str, nth: int = 1) -> int:
    found = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return found[nth - 1]


def members(partnership: Partnership, *rows: str, header: str = HEADER) -> None:
    partnership.members.write_bytes((header + "".join(rows)).encode("utf-8"))


GOOD_ROW = "Ann Lee,ann@example.org,Grapevine,vcse,Chair,2026-09-01,\r\n"


# ------------------------------------------------------------------ config


def smtp_config(partnership: Partnership, smtp: str, transport: str = "smtp") -> None:
    partnership.config.write_text(
        CONFIG.replace('transport = "maildir"', f'transport = "{transport}"').replace(
            "[inbox]", f"[mail.smtp]\n{smtp}\n[inbox]"
        )
    )


def test_clear_text_password_to_a_remote_server_is_refused_naming_the_line(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    smtp_config(
        partnership,
        'host = "smtp.example.org"\nport = 25\nsecurity = "none"\nusername = "reflect@example.org"\n',
    )
    code, out = check(partnership, capsys)
    assert code == 2
    line = line_of(partnership.config, 'security = "none"')
    assert out[0] == (
        f'Error: config.toml, line {line}, [mail.smtp] security: "none" would send the password '
        'for "reflect@example.org" unencrypted across the network to "smtp.example.org". Write '
        'security = "starttls" or "tls" (port 587 with starttls, or 465 with tls); "none" is '
        "only for a server on this machine (localhost, 127.0.0.1 or ::1)."
    )


def test_tick_refuses_clear_text_credentials_too(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    smtp_config(
        partnership,
        'host = "smtp.example.org"\nsecurity = "none"\nusername = "reflect@example.org"\n',
    )
    code = main(["--config", str(partnership.config), "tick", "--now", "2026-11-22T09:00"])
    err = capsys.readouterr().err
    assert code == 1
    assert '[mail.smtp] security: "none" would send the password' in err
    assert not partnership.outbox.exists() or not any(partnership.outbox.rglob("*.eml"))


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.3.4.5", "::1", "[::1]"])
def test_clear_text_is_fine_on_loopback(
    partnership: Partnership, capsys: pytest.CaptureFixture[str], host: str
) -> None:
    smtp_config(partnership, f'host = "{host}"\nsecurity = "none"\nusername = "reflect"\n')
    code, out = check(partnership, capsys)
    assert code == 0, out


def test_imap_clear_text_password_is_refused(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(
        CONFIG.replace('source = "maildir"', 'source = "imap"').replace(
            "[storage]",
            '[inbox.imap]\nhost = "imap.example.org"\nport = 143\nsecurity = "none"\n'
            'username = "reflect@example.org"\n\n[storage]',
        )
    )
    code, out = check(partnership, capsys)
    assert code == 2
    line = line_of(partnership.config, 'security = "none"')
    assert out[0].startswith(
        f'Error: config.toml, line {line}, [inbox.imap] security: "none" would send the password'
    )
    assert "(port 993 with tls)" in out[0]


def test_smtp_transport_without_a_host(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(CONFIG.replace('transport = "maildir"', 'transport = "smtp"'))
    code, out = check(partnership, capsys)
    assert code == 2
    assert out == [
        f"Error: config.toml, line {line_of(partnership.config, 'transport =')}, [mail.smtp] host: "
        'transport = "smtp" needs the SMTP server that sends your mail, but no host is given. '
        'Add host = "smtp.example.org" (your mail provider tells you the name) under '
        '[mail.smtp], or set [mail] transport = "maildir".',
        "Not checked yet: the question ids under [prompts] and the password settings; they are "
        "checked once the problems above are fixed.",
        "1 problem(s) found. Nothing was sent.",
    ]


def test_a_one_off_meeting_in_the_past_will_never_be_sent(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(
        CONFIG + '\n[[meeting]]\nid = "away-day"\nkind = "relationship"\ntitle = "Away day"\n'
        "first = 2025-06-10T10:00:00\nduration_minutes = 240\n"
    )
    code, out = check(partnership, capsys, "--now", "2026-11-22T09:00")
    assert code == 2
    assert out[0] == (
        f"Error: config.toml, line {line_of(partnership.config, 'first = 2025')}, "
        '[[meeting]] "away-day" first: 2025-06-10 10:00 is in the past and the meeting does not '
        "repeat, so nothing will ever be sent for it. Correct the date (is the year right?), or "
        "add an rrule if it is a series."
    )


def test_a_past_meeting_the_archive_already_sent_is_history_not_a_mistake(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(
        CONFIG + '\n[[meeting]]\nid = "away-day"\nkind = "relationship"\ntitle = "Away day"\n'
        "first = 2026-12-01T10:00:00\n"
    )
    assert main(["--config", str(partnership.config), "tick", "--now", "2026-11-22T09:00"]) == 0
    code, out = check(partnership, capsys, "--now", "2027-02-01T09:00")
    assert code == 0, out


@pytest.mark.parametrize(
    "reply_to",
    [
        "reflect@{token}.example.org",
        "{token}@reflect.example.org",
        "reflect-{token}@reflect.example.org",
        "reflect+{token}x@reflect.example.org",
        "reflect+{token}+{token}@reflect.example.org",
    ],
)
def test_token_only_as_the_sub_address(
    partnership: Partnership, capsys: pytest.CaptureFixture[str], reply_to: str
) -> None:
    partnership.config.write_text(
        CONFIG.replace('"reflect+{token}@reflect.example.org"', f'"{reply_to}"')
    )
    code, out = check(partnership, capsys)
    assert code == 2
    line = line_of(partnership.config, "reply_to =")
    assert out[0].startswith(
        f'Error: config.toml, line {line}, [mail] reply_to: "{reply_to}" puts {{token}} where it '
        'cannot work: it must come straight after a "+" at the end of the part before the @, '
        'e.g. "reflect+{token}@'
    )


def test_unknown_keys_and_sections_get_a_did_you_mean_with_their_line(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(
        CONFIG.replace("[storage]", "[storgae]")
        .replace('maildir = "var/inbox"', 'maildri = "var/inbox"')
        .replace("[induction]", '[mail.smpt]\nhost = "smtp.example.org"\n\n[induction]')
        .replace("reminder_after_days = 3", "remind_after_days = 3")
    )
    code, out = check(partnership, capsys)
    assert code == 2
    cfg = partnership.config
    assert out[:-2] == [
        f"Error: config.toml, line {line_of(cfg, '[storgae]')}, [storgae]: is not a section "
        "this version knows. Did you mean [storage]?",
        f"Error: config.toml, line {line_of(cfg, '[mail.smpt]')}, [mail.smpt]: is not a section "
        "this version knows. Did you mean [mail.smtp]?",
        f"Error: config.toml, line {line_of(cfg, 'maildri')}, [inbox] maildri: is not a setting "
        'this version knows. Did you mean "maildir"?',
        f"Error: config.toml, line {line_of(cfg, 'remind_after')}, [prompts] remind_after_days: "
        'is not a setting this version knows. Did you mean "reminder_after_days"?',
    ]


def test_a_misspelt_meeting_table_suggests_double_brackets(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(
        CONFIG.replace(
            '[[meeting]]\nid = "governance-review"', '[[meetings]]\nid = "governance-review"'
        ).replace('checklist_meeting = "governance-review"\n', "")
    )
    code, out = check(partnership, capsys)
    assert code == 2
    assert out[0] == (
        f"Error: config.toml, line {line_of(partnership.config, '[[meetings]]')}, [[meetings]]: "
        "is not a section this version knows. Did you mean [[meeting]]?"
    )


def test_a_key_or_heading_written_twice_names_both_lines(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(
        CONFIG.replace(
            "duration_minutes = 60\n", "duration_minutes = 60\nduration_minutes = 90\n"
        ).replace("[induction]", "[mail]\nrehearsal = true\n\n[induction]")
    )
    cfg = partnership.config
    code, out = check(partnership, capsys)
    assert code == 2
    first, second = line_of(cfg, "duration_minutes = 60"), line_of(cfg, "duration_minutes = 90", 2)
    assert out[:2] == [
        f"Error: config.toml, line {second}, [[meeting]] duration_minutes: is set twice, on lines "
        f"{first} and {second}. Keep the one you mean and delete the other.",
        f"Error: config.toml, line {line_of(cfg, '[mail]', 2)}, [mail]: this heading is written "
        f"twice, on lines {line_of(cfg, '[mail]')} and {line_of(cfg, '[mail]', 2)}. Keep one "
        "heading and put all its settings under it.",
    ]


def test_a_multi_line_story_with_equals_signs_is_not_a_duplicate(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(
        CONFIG.replace(
            'story = "We began by listening."',
            'story = """\nname = what we called it\nname = twice\n"""',
        ).replace('name = "Priya Shah"', 'name = "Priya Shah"\nname = "Again"')
    )
    code, out = check(partnership, capsys)
    assert code == 2
    assert "[convenor] name: is set twice, on lines" in out[0]
    assert out[-1] == "1 problem(s) found. Nothing was sent."


def test_meetings_are_named_by_id(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(CONFIG.replace("duration_minutes = 60", "duration_minutes = 0"))
    code, out = check(partnership, capsys)
    assert code == 2
    assert out[0] == (
        f"Error: config.toml, line {line_of(partnership.config, 'duration_minutes = 0')}, "
        '[[meeting]] "governance-review" duration_minutes: should be at least 1, not 0.'
    )


def test_encoded_words_in_the_convenors_name_are_refused(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(
        CONFIG.replace('name = "Priya Shah"', 'name = "=?utf-8?q?A=0D=0ABcc:x?="')
    )
    code, out = check(partnership, capsys)
    assert code == 2
    assert out[0] == (
        f"Error: config.toml, line {line_of(partnership.config, '=?utf-8')}, [convenor] name: "
        '"=?utf-8?q?A=0D=0ABcc:x?=" holds mail encoding ("=?...?=") that email programs would '
        "turn into other text; write the text itself."
    )


# ------------------------------------------------------------------ members


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (
            "=?utf-8?q?A=0D=0ABcc:x?=",
            '"=?utf-8?q?A=0D=0ABcc:x?=" holds mail encoding ("=?...?=") that email programs '
            "would turn into other text; write the name itself, as plain text.",
        ),
        (
            "Ann\x07Lee",
            '"Ann\\x07Lee" contains an invisible control character (shown with a backslash); '
            "retype the name as plain text.",
        ),
        (
            "Ann \u202eeeL",
            '"Ann \\u202eeeL" contains an invisible direction override (shown as \\u202e or '
            "similar), which makes text show in a different order from how it is written; "
            "retype the name without it.",
        ),
        (
            "A" * 1200,
            f'"{"A" * 40}..." is 1,200 characters long; a name goes into the To: line of every '
            "email, and mail servers refuse messages whose header lines are that long. Shorten "
            "it to 100 characters or fewer.",
        ),
    ],
)
def test_names_that_cannot_go_into_a_header_are_refused(
    partnership: Partnership, capsys: pytest.CaptureFixture[str], cell: str, message: str
) -> None:
    members(partnership, GOOD_ROW, f'"{cell}",bob@example.org,Council,nhs,,,\r\n')
    code, out = check(partnership, capsys)
    assert code == 2
    assert out == [
        f'Error: members.csv, row 3, column "name": {message}',
        "1 problem(s) found. Nothing was sent.",
    ]


def test_a_name_of_100_characters_is_fine(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    members(partnership, GOOD_ROW, f"{'A' * 100},bob@example.org,Council,nhs,,,\r\n")
    assert check(partnership, capsys)[0] == 0


def test_direction_overrides_in_organisation_and_role(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    members(partnership, "Bob,bob@example.org,Coun\u2066cil,nhs,Le\u202ead,,\r\n")
    code, out = check(partnership, capsys)
    assert code == 2
    assert [line[: line.index(": ", 7)] for line in out[:2]] == [
        'Error: members.csv, row 2, column "organisation"',
        'Error: members.csv, row 2, column "role"',
    ]
    assert all("direction override" in line for line in out[:2])


def test_two_rows_for_one_address_that_disagree(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    members(
        partnership,
        GOOD_ROW,
        "Tom Okafor,tom@example.org,City Council,local_authority,Public health lead,,\r\n",
        "Tom Okafor,TOM@example.org,City Council,local_authority,Director,,\r\n",
    )
    code, out = check(partnership, capsys)
    assert code == 2
    assert out == [
        'Error: members.csv, row 4, column "email": "tom@example.org" is also on row 3, and the '
        'two rows disagree: role "Public health lead" on row 3, "Director" on row 4. One address '
        "is one member: keep the right row and delete the other.",
        "1 problem(s) found. Nothing was sent.",
    ]


def test_an_xlsx_workbook_says_how_to_save_as_csv_utf8(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    import zipfile

    with zipfile.ZipFile(partnership.members, "w") as book:  # what Excel's .xlsx is
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    code, out = check(partnership, capsys)
    assert code == 2
    assert out[0] == (
        "Error: members.csv: this is an Excel workbook (.xlsx), not a CSV file, so it cannot be "
        'read. In Excel choose File > Save As and the type "CSV UTF-8 (Comma delimited) '
        '(*.csv)"; in LibreOffice, File > Save As, "Text CSV (.csv)" with the character set '
        '"Unicode (UTF-8)". Then point [partnership] members at the .csv file.'
    )


def test_unicode_text_from_excel_is_read_as_it_is(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    # Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated
    text = MEMBERS_CSV.replace(",", "\t").replace("\n", "\r\n")
    partnership.members.write_bytes(text.encode("utf-16"))
    code, out = check(partnership, capsys)
    assert code == 0, out
    services = build_services(partnership.config)
    try:
        from scheduler.app.services import read_membership

        names = [m.name for m in read_membership(services.config).members]
    finally:
        services.close()
    assert "Aoife O’Brien" in names and len(names) == len(MEMBERS_CSV.strip().splitlines()) - 1


def test_invisible_characters_are_taken_out_of_addresses_with_a_warning(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    members(partnership, "Bob,\u200bbob\u00a0@example.org,Council,nhs,,,\r\n")
    code, out = check(partnership, capsys)
    assert code == 0
    assert out[0] == (
        'Warning: members.csv, row 2, column "email": "\\u200bbob\\xa0@example.org" held '
        'invisible characters (\\u200b\\xa0), taken out: read as "bob@example.org". Retype the '
        "address in the spreadsheet to be rid of them."
    )
    assert out[1].startswith("OK:")


def test_a_file_with_no_member_rows_is_an_error(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    members(partnership, ",,,,,,\r\n\r\n")
    code, out = check(partnership, capsys)
    assert code == 2
    assert out[0] == (
        "Error: members.csv: there are no member rows, only the row of column names. Add a row "
        'for each member. (Someone leaving keeps their row, with the date in the "left" column.)'
    )


def test_a_stray_comma_says_too_many_cells(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    members(partnership, GOOD_ROW, "Bob,bob@example.org,Smith, Jones and Co,nhs,,,\r\n")
    code, out = check(partnership, capsys)
    assert code == 2
    assert out == [
        "Error: members.csv, row 3: too many cells (a stray comma?): the first row names 7 "
        "columns but this row has 8 cells. Put a cell that holds a comma in double quotes, e.g. "
        '"Smith, Jones and Co", or remove the extra comma.',
        "1 problem(s) found. Nothing was sent.",
    ]


def test_extra_cells_with_text_are_shown(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    members(partnership, "Bob,bob@example.org,Council,nhs,,,,note\r\n")
    code, out = check(partnership, capsys)
    assert code == 2
    assert out[0] == (
        "Error: members.csv, row 2: too many cells (a stray comma?): the first row names 7 "
        'columns but this row has 8 cells, the extra "note". Put a cell that holds a comma in '
        'double quotes, e.g. "Smith, Jones and Co", or remove the extra comma.'
    )


def test_sector_labels_as_people_write_them_are_read_with_a_warning(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    members(
        partnership,
        "Tom,tom@example.org,City Council,Local Authority,,,\r\n",
        "Dev,dev@example.org,Trust,NHS,,,\r\n",
        "Sue,sue@example.org,Trust,NHS,,,\r\n",
    )
    code, out = check(partnership, capsys)
    assert code == 0
    sectors = "Sectors are vcse, nhs, local_authority, primary_care, community, other."
    assert out[:2] == [
        'Warning: members.csv, row 2, column "sector": "Local Authority" is read as '
        f"local_authority; write local_authority to be sure. {sectors}",
        'Warning: members.csv, row 3, column "sector": "NHS" is read as nhs (also on row 4); '
        f"write nhs to be sure. {sectors}",
    ]


def test_warnings_are_shown_alongside_errors(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    members(
        partnership,
        "Tom,tom@example.org,City Council,Local Authority,,,\r\n",
        "Bob,bob@,Org,nhs,,,\r\n",
    )
    code, out = check(partnership, capsys)
    assert code == 2
    assert out[0].startswith('Warning: members.csv, row 2, column "sector": "Local Authority"')
    assert out[1].startswith('Error: members.csv, row 3, column "email": "bob@" is not an email')


def test_rows_are_numbered_as_the_spreadsheet_numbers_them(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    # two cells hold line breaks (Alt+Enter in Excel): each is still one row
    members(
        partnership,
        'Ann,ann@example.org,"Grapevine\nCommunity Trust",vcse,"Chair\nand notes",,\r\n',
        "\r\n",
        "Bob,bob@example.org,Council,nhs,,31/02/2027,\r\n",
    )
    code, out = check(partnership, capsys)
    assert code == 2
    assert [line[: line.index(": ", 7)] for line in out[:-1]] == [
        'Error: members.csv, row 2, column "organisation"',
        'Error: members.csv, row 2, column "role"',
        'Error: members.csv, row 4, column "joined"',
    ]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("bob@example", "the part after the @-sign is not valid. It should have a period."),
        ("bob..smith@example.org", "an email address cannot have two periods in a row."),
        ("bob@exa_mple.org", "the part after the @-sign contains invalid characters: '_'."),
    ],
)
def test_addresses_are_judged_by_email_validator(
    partnership: Partnership, capsys: pytest.CaptureFixture[str], cell: str, reason: str
) -> None:
    members(partnership, f"Bob,{cell},Council,nhs,,,\r\n")
    code, out = check(partnership, capsys)
    assert code == 2
    assert out[0] == (
        f'Error: members.csv, row 2, column "email": "{cell}" is not an email address: {reason} '
        "Write it like tom.okafor@council.gov.uk."
    )


def test_an_international_domain_is_accepted_and_kept_in_its_ascii_form(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    members(partnership, "Jürgen,juergen@bücher.example,Bücherei,vcse,,,\r\n")
    assert check(partnership, capsys)[0] == 0
    services = build_services(partnership.config)
    try:
        from scheduler.app.services import read_membership

        (member,) = read_membership(services.config).members
    finally:
        services.close()
    assert member.email == "juergen@xn--bcher-kva.example"


# ------------------------------------------------------------------ tick


async def test_one_bad_row_holds_up_only_its_member(partnership: Partnership) -> None:
    services = build_services(partnership.config)
    try:
        await services.tick(datetime(2026, 11, 22, 9, tzinfo=UTC))
        rows = partnership.members.read_text().splitlines()
        # Tom's name is broken now; Grace is new; nobody else changed
        rows = [row.replace("Tom Okafor,", '"=?utf-8?q?A=0D=0ABcc:x?=",', 1) for row in rows] + [
            "Grace Ng,grace@example.org,Grapevine,vcse,Volunteer,2026-11-01,"
        ]
        partnership.members.write_text("\n".join(rows) + "\n")
        report = await services.tick(datetime(2026, 11, 23, 9, tzinfo=UTC))
    finally:
        services.close()
    assert (report.joined, report.left) == (1, 0)
    assert report.problems == [
        'row left out: members.csv, row 3, column "name": "=?utf-8?q?A=0D=0ABcc:x?=" holds mail '
        'encoding ("=?...?=") that email programs would turn into other text; write the name '
        "itself, as plain text."
    ]
    conn = sqlite3.connect(partnership.database)
    status = dict(conn.execute("SELECT email, status FROM members").fetchall())
    names = dict(conn.execute("SELECT email, name FROM members").fetchall())
    conn.close()
    assert status["tom.okafor@council.example.gov.uk"] == "active"
    assert names["tom.okafor@council.example.gov.uk"] == "Tom Okafor"
    assert status["grace@example.org"] == "active"


async def test_a_row_without_a_readable_address_makes_nobody_leave(
    partnership: Partnership,
) -> None:
    services = build_services(partnership.config)
    try:
        await services.tick(datetime(2026, 11, 22, 9, tzinfo=UTC))
        text = partnership.members.read_text().replace(
            "tom.okafor@council.example.gov.uk", "tom.okafor@council"
        )
        partnership.members.write_text(text)
        report = await services.tick(datetime(2026, 11, 23, 9, tzinfo=UTC))
    finally:
        services.close()
    assert report.left == 0 and len(report.problems) == 1


def test_tick_now_earlier_than_the_last_tick_refuses(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(partnership.config)
    assert main(["--config", config, "tick", "--now", "2026-11-22T09:00"]) == 0
    assert main(["--config", config, "tick", "--now", "2026-11-22T09:00"]) == 0  # same time: fine
    sent = sorted(p.name for p in partnership.outbox.rglob("*") if p.is_file())
    capsys.readouterr()
    assert main(["--config", config, "tick", "--now", "2026-09-01T09:00"]) == 1
    assert capsys.readouterr().err == (
        "Error: this round's time, 2026-09-01 09:00 BST, is before the last round on reflect.db "
        "at 2026-11-22 09:00 GMT, and time only moves forward for an archive. Use --now "
        "2026-11-22T09:00 or later, or set [storage] database to a new file to try out earlier "
        "dates. Nothing was done.\n"
    )
    assert sorted(p.name for p in partnership.outbox.rglob("*") if p.is_file()) == sent
    assert main(["--config", config, "tick", "--now", "2026-11-23T09:00"]) == 0
