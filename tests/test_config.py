"""The config file: the example is sound and complete, and each mistake is named with its fix."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from support.partnership import REPO, Partnership

from scheduler.errors import ConfigError
from scheduler.inputs.config import KNOWN_KEYS
from scheduler.inputs.config_file import members_file, parse_config


def problems_for(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("/tmp/p/config.toml"))
    return [str(p) for p in caught.value.problems]


def test_the_example_loads_with_its_documented_values() -> None:
    path = REPO / "config.example.toml"
    config = parse_config(path.read_text(encoding="utf-8"), path)
    assert config.partnership.name == "Willenhall Together"
    assert config.partnership.timezone == "Europe/London"
    assert config.mail.transport == "maildir"
    assert config.mail.from_address == "reflect@reflect.example.org"
    assert [m.id for m in config.meetings] == ["reflection", "governance-review"]
    assert config.prompts.checklist_meeting == "governance-review"
    assert config.database == (REPO / "var" / "reflect.db").resolve()


def test_the_example_documents_every_key_the_loader_knows() -> None:
    data = tomllib.loads((REPO / "config.example.toml").read_text(encoding="utf-8"))
    text = (REPO / "config.example.toml").read_text(encoding="utf-8")
    seen: dict[str, set[str]] = {}

    def walk(table: dict[str, object], name: str) -> None:
        seen.setdefault(name, set()).update(table)
        for key, value in table.items():
            sub = f"{name}.{key}" if name else key
            if isinstance(value, dict) and sub in KNOWN_KEYS:
                walk(value, sub)
            if isinstance(value, list) and value and isinstance(value[0], dict):
                for item in value:
                    walk(item, sub)

    walk(data, "")
    # extra_questions is shown commented out, as it names a file the example does not ship
    assert "# extra_questions" in text
    seen["prompts"].add("extra_questions")
    for table, keys in KNOWN_KEYS.items():
        assert seen.get(table) == keys, table


def test_every_problem_is_listed_at_once_with_line_and_fix() -> None:
    text = (REPO / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('timezone = "Europe/London"', 'timezone = "Europe/Londres"')
    text = text.replace('security = "starttls"', 'security = "ssl"')
    text = text.replace(
        'reply_to = "reflect+{token}@reflect.example.org"',
        'reply_to = "reflect@reflect.example.org"',
    )
    text = text.replace('password_env = "REFLECT_SMTP_PASSWORD"', 'password = "hunter2"')
    text = text.replace('rrule = "FREQ=WEEKLY;INTERVAL=6"', 'rrule = "FREQ=WEEKLY;COUNT=0"')
    found = problems_for(text)
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, line in enumerate(lines, start=1) if fragment in line)

    assert (
        f'config.toml, line {line_of("Europe/Londres")}, [partnership] timezone: "Europe/Londres" '
        'is not a time zone name. Use an IANA name such as "Europe/London".'
    ) in found
    assert (
        f'config.toml, line {line_of("ssl")}, [mail.smtp] security: "ssl" is not tls, starttls or none.'
    ) in found
    assert any(
        p.startswith(f"config.toml, line {line_of('reply_to =')}, [mail] reply_to:")
        and "{token}" in p
        for p in found
    )
    assert any(
        p.startswith(
            f"config.toml, line {line_of('hunter2')}, [mail.smtp] password: secrets never go"
        )
        for p in found
    )
    assert any(
        '[[meeting]] "reflection" rrule' in p and 'COUNT "0"' in p and "1 or more" in p
        for p in found
    )
    assert len(found) == 5


def test_invalid_toml_names_line_and_column() -> None:
    found = problems_for('[partnership]\nname = "Willenhall\n')
    assert found[0].startswith("config.toml, line 2: this is not valid TOML, column")


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=MONTHLY;BYDAY=1TU,3TU", "which Outlook cannot show; use one series for each"),
        ("FREQ=HOURLY", "more often than daily"),
        ("FREQ=FORTNIGHTLY", 'FREQ "FORTNIGHTLY" is not a frequency'),
        ("FREQ=WEEKLY;BYDAY=WE", "start the series on a day the rule picks"),
    ],
)
def test_rules_real_calendars_cannot_show_are_refused(
    partnership: Partnership, rule: str, words: str
) -> None:
    text = partnership.config.read_text().replace('"FREQ=WEEKLY;INTERVAL=6"', f'"{rule}"')
    found = problems_for(text)
    assert any(words in p for p in found), found


def test_meeting_times_carry_no_offset_and_moves_hit_real_dates(partnership: Partnership) -> None:
    text = partnership.config.read_text().replace(
        "first = 2027-01-12T10:00:00",
        "first = 2027-01-12T10:00:00Z\ncancelled = [2027-01-13T10:00:00]",
    )
    found = problems_for(text)
    assert any("carries a UTC offset" in p for p in found)


def test_unknown_key_gets_a_suggestion(partnership: Partnership) -> None:
    text = partnership.config.read_text().replace("before_meeting_days", "before_meeting_day")
    found = problems_for(text)
    assert any(
        'before_meeting_day: is not a setting this version knows. Did you mean "before_meeting_days"?'
        in p
        for p in found
    )


def line_in(partnership: Partnership, fragment: str) -> int:
    lines = partnership.config.read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if fragment in line)


RULE = 'rrule = "FREQ=WEEKLY;INTERVAL=6"'  # the reflection meeting's, in the conftest config


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        (
            "FREQ=MONTHLY;BYDAY=2THU",
            'BYDAY "2THU" is not a day: use MO, TU, WE, TH, FR, SA or SU, with an optional '
            "number before it such as 2TH (the second Thursday) or -1FR (the last Friday).",
        ),
        (
            "FREQ=WEEKLY;BYDAY=TU,thu",
            'BYDAY "thu" is not a day: use MO, TU, WE, TH, FR, SA or SU, with an optional '
            "number before it such as 2TH (the second Thursday) or -1FR (the last Friday).",
        ),
        (
            "FREQ=FORTNIGHTLY",
            'FREQ "FORTNIGHTLY" is not a frequency: use DAILY, WEEKLY, MONTHLY or YEARLY; '
            "for every two weeks write FREQ=WEEKLY;INTERVAL=2.",
        ),
        (
            "FREQ=WEEKLY;INTERVAL=six",
            'INTERVAL "six" is not a whole number of 1 or more: write e.g. '
            "FREQ=WEEKLY;INTERVAL=6 for every sixth week.",
        ),
        (
            "FREQ=WEEKLY;INTERVAL=0",  # dateutil takes it, and then never finds a next meeting
            'INTERVAL "0" is not a whole number of 1 or more: write e.g. '
            "FREQ=WEEKLY;INTERVAL=6 for every sixth week.",
        ),
        (
            "FREQ=YEARLY;BYMONTH=13",
            'BYMONTH "13" is not a month: use a number from 1 (January) to 12 (December).',
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=1st",
            'BYMONTHDAY "1st" is not a day of the month: use a number from 1 to 31, or -1 for '
            "the last day.",
        ),
        (
            "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=first",
            'BYSETPOS "first" is not a position: use 1, 2, 3 or 4 for the first to fourth of '
            "the days named in BYDAY, or -1 for the last.",
        ),
        (
            "FREQ=WEEKLY;BYHOUR=25",
            'BYHOUR "25" is not an hour from 0 to 23. Leave BYHOUR out: the time comes from first.',
        ),
        (
            "FREQ=WEEKLY;WKST=XX",
            'WKST "XX" is not a day: use MO, TU, WE, TH, FR, SA or SU (or leave WKST out).',
        ),
        (
            "FREQ=WEEKLY;",
            'it has an empty part (a ";" at the end, or two together); remove the extra ";".',
        ),
        (
            "every six weeks",
            '"every six weeks" is not a part written as NAME=VALUE; write the parts like '
            'FREQ=WEEKLY;INTERVAL=6, separated by ";".',
        ),
        (
            "FREQ=WEEKLY;FREQ=DAILY",
            "FREQ is given twice; keep one.",
        ),
        (
            "FREQ=WEEKLY;EVERY=2",
            '"EVERY" is not a part of a recurrence rule; the parts are FREQ, INTERVAL, COUNT, '
            "UNTIL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS and WKST.",
        ),
    ],
)
def test_a_rule_calendars_cannot_read_is_explained_once_in_plain_words(
    partnership: Partnership, rule: str, says: str
) -> None:
    text = partnership.config.read_text().replace('"FREQ=WEEKLY;INTERVAL=6"', f'"{rule}"')
    assert problems_for(text) == [
        f'config.toml, line {line_in(partnership, RULE)}, [[meeting]] "reflection" rrule: The recurrence rule '
        f'"{rule}" could not be read: {says}'
    ]


def test_a_rule_problem_from_the_calendar_checks_names_the_rule_once(
    partnership: Partnership,
) -> None:
    text = partnership.config.read_text().replace(
        '"FREQ=WEEKLY;INTERVAL=6"', '"FREQ=MONTHLY;BYDAY=1TU,3TU"'
    )
    (found,) = problems_for(text)
    assert found.startswith(
        f'config.toml, line {line_in(partnership, RULE)}, [[meeting]] "reflection" rrule: The recurrence rule '
        '"FREQ=MONTHLY;BYDAY=1TU,3TU" is not one Outlook can show: '
    )
    assert found.count("FREQ=MONTHLY;BYDAY=1TU,3TU") == 1
    # and one calendar_rules words itself still gets the rule put in front, once
    text = partnership.config.read_text().replace('"FREQ=WEEKLY;INTERVAL=6"', '"RRULE:FREQ=WEEKLY"')
    assert problems_for(text) == [
        f'config.toml, line {line_in(partnership, RULE)}, [[meeting]] "reflection" rrule: "RRULE:FREQ=WEEKLY": write the '
        'rule without "RRULE:", e.g. "FREQ=WEEKLY;INTERVAL=6".'
    ]


def test_a_broken_rule_is_not_also_blamed_on_its_cancelled_dates(partnership: Partnership) -> None:
    text = partnership.config.read_text().replace(
        'rrule = "FREQ=WEEKLY;INTERVAL=6"',
        'rrule = "FREQ=WEEKLY;INTERVAL=0"\ncancelled = [2027-02-23T10:00:00]',
    )
    (found,) = problems_for(text)  # no hang, and no second error about 2027-02-23
    assert 'INTERVAL "0"' in found


def test_a_line_break_in_a_one_line_setting_is_shown_quoted(partnership: Partnership) -> None:
    text = partnership.config.read_text().replace('name = "Priya Shah"', 'name = "Priya\\nShah"')
    assert problems_for(text) == [
        f"config.toml, line {line_in(partnership, 'Priya')}, [convenor] name: "
        '"Priya\\nShah" contains a line break or control '
        "character (shown with a backslash); keep it on one line."
    ]


def test_the_members_file_is_found_even_when_the_rest_of_the_config_is_broken(
    partnership: Partnership,
) -> None:
    text = partnership.config.read_text().replace('timezone = "Europe/London"', "timezone = 3")
    found = members_file(text, partnership.config)
    assert found.path == partnership.members.resolve()
    assert (found.setting, found.line) == ("members.csv", line_in(partnership, "members ="))


@pytest.mark.parametrize(
    ("change", "because"),
    [
        (
            ('members = "members.csv"', ""),
            "config.toml does not say where it is ([partnership] members is missing)",
        ),
        (
            ('members = "members.csv"', "members = members.csv"),
            "config.toml is not valid TOML (see the error above), so its [partnership] "
            "members setting could not be read",
        ),
        (
            ('members = "members.csv"', "members = ['members.csv']"),
            "[partnership] members in config.toml is not a file name in quotes",
        ),
        (
            ('members = "members.csv"', 'members = " "'),
            "[partnership] members in config.toml is empty",
        ),
        (
            ("[partnership]", "[partnership_]"),
            "config.toml has no [partnership] table to say where it is",
        ),
    ],
)
def test_when_the_members_file_cannot_be_found_it_says_why(
    partnership: Partnership, change: tuple[str, str], because: str
) -> None:
    text = partnership.config.read_text().replace(*change)
    found = members_file(text, partnership.config)
    assert found.path is None
    assert found.unknown_because == because
