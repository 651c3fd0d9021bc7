"""The config file: the example is sound and complete, and each mistake is named with its fix."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import REPO, Partnership

from scheduler.config import KNOWN_KEYS, parse_config
from scheduler.errors import ConfigError


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
    assert any("[[meeting]] 1 rrule" in p and "never produces a meeting" in p for p in found)
    assert len(found) == 5


def test_invalid_toml_names_line_and_column() -> None:
    found = problems_for('[partnership]\nname = "Willenhall\n')
    assert found[0].startswith("config.toml, line 2: this is not valid TOML, column")


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=MONTHLY;BYDAY=1TU,3TU", "which Outlook cannot show; use one series for each"),
        ("FREQ=HOURLY", "more often than daily"),
        ("FREQ=FORTNIGHTLY", "could not be read"),
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
