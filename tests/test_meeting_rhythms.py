"""A meeting's rhythm in words (``every`` and ``on``) through ``reflect check`` as a
config file on disk: what the convenor reads (the next three dates, or the error
with its line and fix), and through ``tick``: the same invitation as the rule."""

from __future__ import annotations

import mailbox
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from support.pacing import WELCOME_DAYS
from support.partnership import CONFIG, MEMBERS_CSV, Partnership

from scheduler.cli.main import main

REFLECTION = (
    'first = 2027-01-12T10:00:00\nduration_minutes = 90\nrrule = "FREQ=WEEKLY;INTERVAL=6"\n'
)
GOVERNANCE_DATES = [
    '  "governance-review" (rrule = "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU"):',
    "    Tuesday 2 March 2027 14:00",
    "    Tuesday 1 June 2027 14:00",
    "    Tuesday 7 September 2027 14:00",
]


def with_reflection(lines: str) -> str:
    """The fixture's config with the reflection series' first date and rhythm replaced."""
    assert REFLECTION in CONFIG
    return CONFIG.replace(REFLECTION, lines + "duration_minutes = 90\n")


def check(p: Partnership, capsys: pytest.CaptureFixture[str], now: str) -> tuple[int, list[str]]:
    code = main(["--config", str(p.config), "check", "--now", now])
    return code, capsys.readouterr().out.splitlines()


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    ("lines", "now", "shown", "dates"),
    [
        (  # the clocks go forward on 28 March 2027: 10:00 stays 10:00
            'first = 2027-01-12T10:00:00\nevery = "6 weeks"\non = "Tuesday"\n',
            "2027-02-01T09:00",
            "every 6 weeks, on Tuesday",
            ["Tuesday 23 February 2027 10:00", "Tuesday 6 April 2027 10:00",
             "Tuesday 18 May 2027 10:00"],
        ),
        (
            'first = 2027-03-18T19:00:00\nevery = "week"\non = "Thursday"\n',
            "2027-03-19T09:00",
            "every week, on Thursday",
            ["Thursday 25 March 2027 19:00", "Thursday 1 April 2027 19:00",
             "Thursday 8 April 2027 19:00"],
        ),
        (  # and back on 31 October 2027
            'first = 2027-10-20T18:30:00\nevery = "2 weeks"\non = "Wednesday"\n',
            "2027-10-01T09:00",
            "every 2 weeks, on Wednesday",
            ["Wednesday 20 October 2027 18:30", "Wednesday 3 November 2027 18:30",
             "Wednesday 17 November 2027 18:30"],
        ),
        (
            'first = 2027-01-12T10:00:00\nevery = "week"\n',  # on left out: first's weekday
            "2027-02-01T09:00",
            "every week",
            ["Tuesday 2 February 2027 10:00", "Tuesday 9 February 2027 10:00",
             "Tuesday 16 February 2027 10:00"],
        ),
        (
            'first = 2027-01-13T10:00:00\nevery = "month"\non = "2nd Wednesday"\n',
            "2027-02-01T09:00",
            "every month, on 2nd Wednesday",
            ["Wednesday 10 February 2027 10:00", "Wednesday 10 March 2027 10:00",
             "Wednesday 14 April 2027 10:00"],
        ),
        (
            'first = 2027-01-29T14:00:00\nevery = "3 months"\non = "last Friday"\n',
            "2027-02-01T09:00",
            "every 3 months, on last Friday",
            ["Friday 30 April 2027 14:00", "Friday 30 July 2027 14:00",
             "Friday 29 October 2027 14:00"],
        ),
        (  # a cancelled meeting is not shown: the dates are the ones that will happen
            'first = 2027-01-12T10:00:00\nevery = "6 weeks"\non = "Tuesday"\n'
            "cancelled = [2027-04-06T10:00:00]\n",
            "2027-02-01T09:00",
            "every 6 weeks, on Tuesday",
            ["Tuesday 23 February 2027 10:00", "Tuesday 18 May 2027 10:00",
             "Tuesday 29 June 2027 10:00"],
        ),
    ],
)  # fmt: skip
def test_check_shows_the_next_three_dates_of_a_rhythm_in_words(
    partnership: Partnership,
    capsys: pytest.CaptureFixture[str],
    lines: str,
    now: str,
    shown: str,
    dates: list[str],
) -> None:
    partnership.config.write_text(with_reflection(lines))

    code, out = check(partnership, capsys, now)

    assert code == 0, out
    assert out[0].startswith(f"OK: {partnership.config} is sound")
    assert out[1:6] == [
        "Next meetings (Europe/London time):",
        f'  "reflection" ({shown}):',
        *(f"    {date}" for date in dates),
    ]
    assert out[6] == GOVERNANCE_DATES[0]


def test_check_shows_the_next_three_dates_of_an_rrule_series_too(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(partnership, capsys, "2027-02-01T09:00")
    assert code == 0
    assert out[1:] == [
        "Next meetings (Europe/London time):",
        '  "reflection" (rrule = "FREQ=WEEKLY;INTERVAL=6"):',
        "    Tuesday 23 February 2027 10:00",
        "    Tuesday 6 April 2027 10:00",
        "    Tuesday 18 May 2027 10:00",
        *GOVERNANCE_DATES,
    ]


def test_check_shows_a_series_that_has_run_its_course_as_having_no_more_dates(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(
        with_reflection('first = 2027-01-12T10:00:00\nrrule = "FREQ=WEEKLY;INTERVAL=6;COUNT=2"\n')
    )
    assert main(["--config", str(partnership.config), "tick", "--now", "2026-11-22T09:00"]) == 0
    capsys.readouterr()  # the series went out, so its end is history, not a mistake
    code, out = check(partnership, capsys, "2027-03-01T09:00")
    assert code == 0
    assert out[2:4] == [
        '  "reflection" (rrule = "FREQ=WEEKLY;INTERVAL=6;COUNT=2"):',
        "    none after Monday 1 March 2027 09:00",
    ]


EVERY_FIX = 'e.g. every = "week", "2 weeks", "6 weeks", "month" or "3 months"'
ON_FIX = (
    "write a day of the week, with 1st, 2nd, 3rd, 4th or last before it when the meetings "
    'are months apart: e.g. on = "Tuesday" (by weeks), or "2nd Wednesday" or "last Friday" '
    "(by months)."
)


@pytest.mark.parametrize(
    ("lines", "setting", "says"),
    [
        (
            'every = "6 wekes"\non = "Tuesday"\n',
            "every",
            '"6 wekes" is not a rhythm this understands; write how many weeks or months apart '
            f"the meetings are, {EVERY_FIX}.",
        ),
        (
            'every = "10 days"\non = "Tuesday"\n',
            "every",
            f'"10 days": meetings here repeat by weeks or months, {EVERY_FIX}; for once a year '
            'write every = "12 months".',
        ),
        (
            'every = "0 weeks"\non = "Tuesday"\n',
            "every",
            f'"0 weeks": write a number from 1 to 99, {EVERY_FIX}.',
        ),
        (
            "every = 6\n",
            "every",
            'should be text in quotes, e.g. every = "6 weeks", not 6.',
        ),
        (
            'every = "month"\n',
            "every",
            'every = "month" needs on, the day of the month the meetings fall on: on = "2nd '
            'Tuesday" is the day first falls on; other examples are on = "1st Monday" and '
            'on = "last Friday".',
        ),
        (
            'every = "6 weeks"\non = "Tusday"\n',
            "on",
            f'"Tusday" is not a day this understands (did you mean "Tuesday"?); {ON_FIX}',
        ),
        (
            'every = "week"\non = "Tuesday and Thursday"\n',
            "on",
            '"Tuesday and Thursday" is not a day this understands (one day only: for two '
            f"meetings a week, write two [[meeting]]s); {ON_FIX}",
        ),
        (
            'every = "month"\non = "Tuesday"\n',
            "on",
            '"Tuesday": which Tuesday of the month? Write on = "1st Tuesday", "2nd Tuesday", '
            '"3rd Tuesday", "4th Tuesday" or "last Tuesday".',
        ),
        (
            'every = "2 weeks"\non = "2nd Tuesday"\n',
            "on",
            '"2nd Tuesday" picks a day within each month, so it needs every = "month" (or "3 '
            'months"); to meet on a Tuesday every few weeks write on = "Tuesday".',
        ),
        (
            'every = "month"\non = "5th Tuesday"\n',
            "on",
            '"5th Tuesday": not every month has a fifth one, so some months would have no '
            'meeting; write "last" instead, e.g. on = "last Friday".',
        ),
        (
            'every = "6 weeks"\non = "Monday"\n',
            "on",
            'the first meeting, Tuesday 12 January 2027 10:00, is not a day every = "6 weeks", '
            'on = "Monday" picks (the first such day from it is Monday 22 February 2027 10:00). '
            'Move first to that day, or write on = "Tuesday" to keep first as it is.',
        ),
        (
            'every = "month"\non = "last Tuesday"\n',
            "on",
            'the first meeting, Tuesday 12 January 2027 10:00, is not a day every = "month", '
            'on = "last Tuesday" picks (the first such day from it is Tuesday 26 January 2027 '
            '10:00). Move first to that day, or write on = "2nd Tuesday" to keep first as it is.',
        ),
        (
            'rrule = "FREQ=WEEKLY;INTERVAL=6"\nevery = "6 weeks"\non = "Tuesday"\n',
            "every",
            "and rrule both say how this meeting repeats; keep one. Delete the rrule line to "
            'keep every = "6 weeks", or delete every (and on) to keep the rrule.',
        ),
        (
            'on = "Tuesday"\n',
            "on",
            '"Tuesday" says which day, but not how often: add every, e.g. every = "2 weeks" '
            'with on = "Tuesday", or every = "month" with on = "2nd Wednesday".',
        ),
    ],
)
def test_a_rhythm_check_cannot_read_is_named_with_its_line_and_fix(
    partnership: Partnership,
    capsys: pytest.CaptureFixture[str],
    lines: str,
    setting: str,
    says: str,
) -> None:
    partnership.config.write_text(with_reflection("first = 2027-01-12T10:00:00\n" + lines))

    code, out = check(partnership, capsys, "2026-11-22T09:00")

    line = line_of(partnership.config, f"{setting} = ")
    assert code == 2
    assert out == [
        f'Error: config.toml, line {line}, [[meeting]] "reflection" {setting}: {says}',
        "Not checked yet: the question ids under [prompts] and the password settings; they "
        "are checked once the problems above are fixed.",
        "1 problem(s) found. Nothing was sent.",
    ]


FIRST_DAY = date(2026, 11, 22)


def series_rules(config: Path, members: Path, rhythm: str) -> dict[str, list[str]]:
    """Tick a partnership whose reflection series is written as ``rhythm`` through its
    first days (the invitations follow the welcome a day at a time); the RRULE lines of
    the invitations each series sent."""
    config.write_text(with_reflection("first = 2027-01-12T10:00:00\n" + rhythm))
    members.write_text(MEMBERS_CSV)
    for day in range(WELCOME_DAYS):
        now = f"{FIRST_DAY + timedelta(days=day)}T09:00"
        assert main(["--config", str(config), "tick", "--now", now]) == 0
    found: dict[str, list[str]] = {}
    box = mailbox.Maildir(config.parent / "var" / "outbox", create=False)
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        for part in msg.walk():
            if part.get_content_type() != "text/calendar" or part.get_filename():
                continue
            ics = part.get_payload(decode=True).decode("utf-8").replace("\r\n ", "")
            for event in ics.split("BEGIN:VEVENT")[1:]:  # as written, not as a parser reads it
                fields = dict(line.split(":", 1) for line in event.splitlines() if ":" in line)
                if "RRULE" in fields:
                    found.setdefault(fields["UID"], []).append(fields["RRULE"])
    return found


def test_tick_sends_the_same_invitation_for_words_as_for_the_rule(tmp_path: Path) -> None:
    words, rule = tmp_path / "words", tmp_path / "rule"
    words.mkdir()
    rule.mkdir()

    said = series_rules(words / "config.toml", words / "members.csv",
                        'every = "6 weeks"\non = "Tuesday"\n')  # fmt: skip
    written = series_rules(rule / "config.toml", rule / "members.csv",
                           'rrule = "FREQ=WEEKLY;INTERVAL=6;BYDAY=TU"\n')  # fmt: skip

    assert said == written  # same series, same calendar entries, same rules
    reflection = next(rules for uid, rules in said.items() if uid.startswith("reflection"))
    assert set(reflection) == {"FREQ=WEEKLY;INTERVAL=6;BYDAY=TU"}
    assert len(reflection) == len(MEMBERS_CSV.strip().splitlines()) - 1  # one per member
