"""The real `reflect` entry point, as a convenor runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from support.cli import reflect
from support.partnership import REPO, Partnership


def readme_commands() -> list[str]:
    table = (REPO / "README.md").read_text(encoding="utf-8").split("## Commands", 1)[1]
    return re.findall(r"^\| `([a-z-]+)", table, flags=re.MULTILINE)


def test_readme_lists_the_design_commands() -> None:
    assert {"check", "tick", "run", "preview", "ingest", "parse-reply", "status", "export"} <= set(
        readme_commands()
    )


@pytest.mark.parametrize("command", readme_commands())
def test_every_readme_command_exists_and_has_help(command: str) -> None:
    result = reflect(command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: reflect {command}")
    description = result.stdout.split("\n\n")[1]
    assert len(description.split()) >= 6  # says what it does in words


def test_check_passes_on_the_example() -> None:
    result = reflect("--config", "config.example.toml", "check")
    assert result.returncode == 0
    assert result.stdout.startswith("OK: config.example.toml is sound")


def test_check_lists_every_problem_and_exits_2(partnership: Partnership) -> None:
    partnership.config.write_text(
        partnership.config.read_text().replace('"purpose", "role"', '"purpose", "rolle"')
    )
    partnership.write_members(
        "name,email,organisation,sector,role,joined,left\n"
        "Ann,ann@example.org,Org,vcse,,,\n"
        "Bob,bob@example,Org,vcse,,31/02/2027,\n"
    )
    result = reflect("--config", str(partnership.config), "check")
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    questions_line = next(
        n for n, line in enumerate(partnership.config.read_text().splitlines(), 1)
        if line.startswith("questions =")
    )  # fmt: skip
    assert lines == [
        f'Error: config.toml, line {questions_line}, [prompts] questions: "rolle" is not a question in content/. '
        "Known ids: learning, members, purpose, role, work.",
        'Error: members.csv, row 3, column "email": "bob@example" is not an email address: the part after the @-sign is not valid. It should have a period. Write it like tom.okafor@council.gov.uk.',
        'Error: members.csv, row 3, column "joined": "31/02/2027" is not a date; use YYYY-MM-DD, e.g. 2027-02-28.',
        "3 problem(s) found. Nothing was sent.",
    ]


def test_a_missing_members_file_is_named(partnership: Partnership) -> None:
    partnership.members.unlink()
    result = reflect("--config", str(partnership.config), "check")
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        f"Error: config.toml, line {line_in(partnership.config, 'members =')}, "
        f'[partnership] members: "members.csv" does not exist (looked for "{partnership.members}"). '
        "Create it with the first row name,email,organisation,sector,role,joined,left, or "
        "correct the file name here.",
        "1 problem(s) found. Nothing was sent.",
    ]


def line_in(path: Path, fragment: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if fragment in line)


def check(partnership: Partnership, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """``reflect check`` as the convenor runs it: exit code and what it prints."""
    from scheduler.cli.main import main

    code = main(["--config", str(partnership.config), "check"])
    out, err = capsys.readouterr()
    assert err == ""
    return code, out.splitlines()


BROKEN_MEMBERS = (
    "name,email,organisation,sector,role,joined,left\n"
    "Ann,ann@example.org,Org,vcse,,,\n"
    "Cat,c@d,Food &amp; Friends,vcse,,31/02/2027,\n"
)
BROKEN_MEMBERS_ERRORS = [
    'Error: members.csv, row 3, column "email": "c@d" is not an email address: the part '
    "after the @-sign is not valid. It should have a period. Write it like "
    "tom.okafor@council.gov.uk.",
    'Error: members.csv, row 3, column "organisation": "Food &amp; Friends" contains markup '
    '(< > or &...;); write the organisation\'s name as plain text, e.g. "Food & Friends".',
    'Error: members.csv, row 3, column "joined": "31/02/2027" is not a date; use YYYY-MM-DD, '
    "e.g. 2027-02-28.",
]


def test_check_lists_config_and_membership_problems_together(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(
        partnership.config.read_text().replace(
            '"FREQ=WEEKLY;INTERVAL=6"', '"FREQ=MONTHLY;BYDAY=2THU"'
        )
    )
    partnership.write_members(BROKEN_MEMBERS)

    code, lines = check(partnership, capsys)

    assert code == 2
    assert lines == [
        f'Error: config.toml, line {line_in(partnership.config, "2THU")}, [[meeting]] "reflection" rrule: '
        'The recurrence rule "FREQ=MONTHLY;BYDAY=2THU" could not be read: BYDAY "2THU" is not '
        "a day: use MO, TU, WE, TH, FR, SA or SU, with an optional number before it such as 2TH "
        "(the second Thursday) or -1FR (the last Friday).",
        *BROKEN_MEMBERS_ERRORS,
        "Not checked yet: the question ids under [prompts] and the password settings; they "
        "are checked once the problems above are fixed.",
        "4 problem(s) found. Nothing was sent.",
    ]


@pytest.mark.parametrize(
    ("change", "because"),
    [
        (
            ('members = "members.csv"\n', ""),
            "config.toml does not say where it is ([partnership] members is missing)",
        ),
        (
            ("[convenor]", "[convenor"),
            "config.toml is not valid TOML (see the error above), so its [partnership] "
            "members setting could not be read",
        ),
    ],
)
def test_check_says_when_the_members_file_could_not_be_checked(
    partnership: Partnership,
    capsys: pytest.CaptureFixture[str],
    change: tuple[str, str],
    because: str,
) -> None:
    partnership.config.write_text(partnership.config.read_text().replace(*change))
    partnership.write_members(BROKEN_MEMBERS)

    code, lines = check(partnership, capsys)

    assert code == 2
    assert lines[-3:] == [
        f"Not checked: the membership file, because {because}. Once that is fixed, run "
        "reflect check again.",
        "Not checked yet: the question ids under [prompts] and the password settings; they "
        "are checked once the problems above are fixed.",
        "1 problem(s) found. Nothing was sent.",
    ]
    assert not any(line.startswith("Error: members.csv") for line in lines)


def test_check_shows_a_line_break_in_a_cell_as_backslash_n(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.write_members(
        "name,email,organisation,sector,role,joined,left\n"
        'Ann,ann@example.org,"Grapevine\nand Friends",vcse,,,\n'
    )

    code, lines = check(partnership, capsys)

    assert code == 2
    assert lines == [
        'Error: members.csv, row 2, column "organisation": "Grapevine\\nand Friends" contains a '
        "line break; put the whole organisation's name on one line.",
        "1 problem(s) found. Nothing was sent.",
    ]


def test_check_names_a_members_setting_that_is_a_folder(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership.config.write_text(
        partnership.config.read_text().replace('members = "members.csv"', 'members = "."')
    )

    code, lines = check(partnership, capsys)

    assert code == 2
    assert lines == [
        f"Error: config.toml, line {line_in(partnership.config, 'members =')}, "
        f'[partnership] members: "." is a folder ("{partnership.dir}"); name the membership '
        'spreadsheet itself, e.g. members = "members.csv".',
        "1 problem(s) found. Nothing was sent.",
    ]


def test_a_missing_config_is_one_error_line(tmp_path: Path) -> None:
    result = reflect("tick", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: config.toml: no config file here. Copy config.example.toml to config.toml, "
        "or pass --config PATH (or set REFLECT_CONFIG)."
    )


def test_tick_with_a_bad_now_says_how_to_write_it(partnership: Partnership) -> None:
    result = reflect("--config", str(partnership.config), "tick", "--now", "next tuesday")
    assert result.returncode == 1
    assert 'Error: --now "next tuesday" is not a date and time' in result.stderr


def test_ingest_from_stdin_stores_first(partnership: Partnership) -> None:
    message = b"From: stranger@example.net\r\nTo: reflect@reflect.example.org\r\nSubject: hi\r\n\r\nhello\r\n"
    result = reflect("--config", str(partnership.config), "ingest", stdin=message)
    assert result.returncode == 0, result.stderr
    assert "1 quarantined" in result.stderr


def test_ingest_exits_75_when_it_cannot_take_custody(partnership: Partnership) -> None:
    partnership.config.write_text(
        partnership.config.read_text().replace("[storage]", "[storage]\nbroken =")
    )
    result = reflect("--config", str(partnership.config), "ingest", stdin=b"Subject: x\r\n\r\nx")
    assert result.returncode == 75


def test_parse_reply_prints_json(tmp_path: Path) -> None:
    path = tmp_path / "reply.eml"
    path.write_bytes(
        b"From: a@example.org\r\nSubject: Re: Question\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"We should ask who is missing.\r\n\r\nOn Tue, 5 Jan 2027, Reflect <r@example.org> wrote:\r\n> question\r\n"
    )
    result = reflect("parse-reply", str(path))
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"kind": "answer", "text": "We should ask who is missing."}


@pytest.mark.slow
def test_a_wheel_install_finds_its_templates_and_content(tmp_path: Path) -> None:
    """An installed copy (not this checkout) must carry content/ and templates/."""
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(REPO)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # The dependencies come from the environment running the tests (itself a venv, or not),
    # as a plain path: the checkout's editable install there is not one of them.
    outer = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    inner = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (Path(inner) / "outer-dependencies.pth").write_text("\n".join(sorted(outer)) + "\n")
    wheel = next(wheels.glob("*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--force-reinstall", "-q", str(wheel)],
        check=True, timeout=300,
    )  # fmt: skip
    work = tmp_path / "partnership"
    work.mkdir()
    for name in ("config.example.toml", "members.example.csv"):
        (work / name).write_bytes((REPO / name).read_bytes())
    result = subprocess.run(
        [str(env_dir / "bin" / "reflect"), "--config", "config.example.toml", "tick", "--now", "2026-11-22T09:00"],
        cwd=work, capture_output=True, text=True, timeout=120, check=False,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # the first day, as the README shows: an induction pack, the getting-to-know-you
    # question and a conversation to each of six (the invitations follow a day at a time)
    assert "18 sent" in result.stdout
    located = subprocess.run(
        [str(python), "-c", "import scheduler; print(scheduler.__file__)"],
        cwd=work, capture_output=True, text=True, check=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )  # fmt: skip
    assert str(env_dir) in located.stdout
    assert len(list((work / "var" / "outbox" / "new").iterdir())) == 18


def test_preview_writes_numbered_messages_and_sends_nothing(partnership: Partnership) -> None:
    out = partnership.dir / "preview"
    result = reflect(
        "--config", str(partnership.config), "preview", "--out", str(out),
        "--now", "2027-01-01T09:00", "--until", "2027-01-20T09:00",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    files = sorted(out.glob("*.eml"))
    assert result.stdout.startswith(f"{len(files)} message(s) written to {out}")
    assert [f.name[:5] for f in files] == [f"{n:05d}" for n in range(1, len(files) + 1)]
    # inductions, invitations and getting-to-know-you first; the 12 January question on 5 January
    names = [f.name for f in files]
    assert names[0].startswith("00001-induction-")
    assert sum("-prompt-" in n for n in names) == 8 and sum("-reminder-" in n for n in names) == 4
    assert not partnership.outbox.exists() and not partnership.database.exists()


def test_run_stops_cleanly_on_sigterm(partnership: Partnership) -> None:
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("REFLECT_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "--config", str(partnership.config), "run", "--interval", "30"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    new = partnership.outbox / "new"
    while time.monotonic() < deadline and not (new.exists() and len(list(new.iterdir())) >= 16):
        time.sleep(0.1)  # the first round has sent its 16 messages
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "round done:" in err and err.strip().endswith("INFO stopped cleanly")
