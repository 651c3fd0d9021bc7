"""``reflect answers``: the convenor sees an archived answer beside the message it came
from, and corrects what the reader got wrong.

Every test runs the real command on an archive made by real ticks, with a member's
reply ingested through ``reflect ingest`` as a mail server would hand it over.
"""

from __future__ import annotations

import json
import mailbox
import os
import pty
import re
import sqlite3
import subprocess
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from support.cli import reflect
from support.outbox import reply_to, sent
from support.partnership import REPO, Partnership

TOM = "tom.okafor@council.example.gov.uk"
PROMPTS_DUE = "2027-01-05T12:00"  # the prompts for 12 January go out on the 5th
DIGEST_DUE = "2027-01-10T11:00"  # the digest two days before the meeting
WORDS = "We keep meeting in the council offices, and that says something about power."
DEBRIS = "Tom Okafor | Public health lead | Mob 07700 900123 | Working days Mon-Thu"
CORRECTED = "We keep meeting in the council offices.\n\nCould we rotate between our buildings?"


def run(p: Partnership, *args: str) -> subprocess.CompletedProcess[str]:
    return reflect("--config", str(p.config), *args)


def ingest(p: Partnership, raw: bytes) -> None:
    path = p.dir / f"reply-{abs(hash(raw))}.eml"
    path.write_bytes(raw)
    result = run(p, "ingest", str(path))
    assert result.returncode == 0, result.stderr
    assert "1 answer" in result.stdout, result.stdout


def db(p: Partnership) -> sqlite3.Connection:
    return sqlite3.connect(p.database)


def only_answer(p: Partnership) -> tuple[int, str, bytes]:
    with db(p) as conn:
        row = conn.execute(
            "SELECT a.id, a.text, i.raw FROM answers a JOIN inbound i ON i.id = a.inbound_id"
        ).fetchone()
    return int(row[0]), str(row[1]), bytes(row[2])


@pytest.fixture
def answered(partnership: Partnership) -> Partnership:
    """Prompts sent by a tick, and Tom's answer read with his signature line left in it."""
    result = run(partnership, "tick", "--now", PROMPTS_DUE)
    assert result.returncode == 0, result.stderr
    prompt = sent(partnership, "prompt", TOM)
    ingest(
        partnership,
        reply_to(prompt, sender=f"Tom Okafor <{TOM}>", body=f"{WORDS}\r\n\r\n{DEBRIS}"),
    )
    return partnership


def digest_text(p: Partnership) -> str:
    box = mailbox.Maildir(p.outbox, create=False)
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        if str(msg["X-Reflect-Kind"]) == "digest":
            body = msg.get_body(preferencelist=("plain",))
            assert body is not None
            return str(body.get_content())
    raise AssertionError("no digest in the outbox")


def test_show_prints_the_archived_text_beside_the_raw_text_part(answered: Partnership) -> None:
    number, archived, _ = only_answer(answered)
    assert WORDS in archived
    result = run(answered, "answers", "show", str(number))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"Answer #{number} (answer) from Tom Okafor, City Council\n")
    assert re.search(r"^Received \d{4}-\d\d-\d\d \d\d:\d\d GMT$", out, re.MULTILINE)
    assert "Question: " in out and "(Reflection point, 2027-01-12)" in out
    archived_part, raw_part = out.split("Raw text part of the message it came from", 1)
    assert "Archived text (what digests, reports and exports show):" in archived_part
    assert "\n".join(f"    {line}".rstrip() for line in archived.split("\n")) in archived_part
    # the raw part is the message as it arrived, signature and all, untrimmed
    assert f"    {WORDS}\n" in raw_part
    assert f"    {DEBRIS}\n" in raw_part


def test_answers_lists_recent_answers_one_line_each(answered: Partnership) -> None:
    number, _, _ = only_answer(answered)
    result = run(answered, "answers")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1 answer(s):"
    assert re.match(rf"  #{number}  \d{{4}}-\d\d-\d\d  Tom Okafor  ", lines[1])
    assert "Tom Okafor" in lines[1] and "We keep meeting in the council" in lines[1]
    assert lines[1].endswith("…")  # cut short, one line
    assert lines[-1].startswith("See one beside its message: reflect answers show N")


def test_an_edit_is_what_the_next_digest_and_export_show_and_the_raw_stays(
    answered: Partnership,
) -> None:
    number, before, raw_before = only_answer(answered)
    result = run(answered, "answers", "edit", str(number), "--text", CORRECTED,
                 "--now", "2027-01-07T09:30")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Answer #{number} corrected; the raw message is kept")

    after_id, after, raw_after = only_answer(answered)
    assert (after_id, after) == (number, CORRECTED)
    assert raw_after == raw_before  # byte for byte
    with db(answered) as conn:
        edits = conn.execute("SELECT answer_id, old_text, new_text, edited_at FROM answer_edits")
        assert edits.fetchall() == [(number, before, CORRECTED, "2027-01-07T09:30:00+00:00")]

    exported = json.loads(run(answered, "export", "--format", "json").stdout)
    assert [row["text"] for row in exported] == [CORRECTED]

    result = run(answered, "tick", "--now", DIGEST_DUE)
    assert result.returncode == 0, result.stderr
    digest = digest_text(answered)
    assert "Could we rotate between our buildings?" in digest
    assert "07700" not in digest and "Public health lead" not in digest

    shown = run(answered, "answers", "show", str(number)).stdout
    assert "Corrected 1 time(s), last on 2027-01-07 09:30 GMT" in shown
    assert "    Could we rotate between our buildings?\n" in shown
    assert f"    {DEBRIS}\n" in shown  # the raw part still shows what arrived


def test_an_edit_can_come_from_a_file(answered: Partnership) -> None:
    number, _, _ = only_answer(answered)
    corrected = answered.dir / "corrected.txt"
    corrected.write_text(CORRECTED + "\n\n", encoding="utf-8")  # editors end with a newline
    result = run(answered, "answers", "edit", str(number), "--file", str(corrected))
    assert result.returncode == 0, result.stderr
    assert only_answer(answered)[1] == CORRECTED
    again = run(answered, "answers", "edit", str(number), "--file", str(corrected))
    assert again.returncode == 0
    assert (
        again.stdout
        == f"Answer #{number} unchanged: the new text is the same as the archived one.\n"
    )
    with db(answered) as conn:
        assert conn.execute("SELECT count(*) FROM answer_edits").fetchone()[0] == 1


USER_ERRORS = [
    (["show", "99"], "Error: there is no answer #99 (see: reflect answers).\n"),
    (["edit", "99", "--text", "x"], "Error: there is no answer #99 (see: reflect answers).\n"),
    (
        ["show"],
        "Error: say which answer to show, e.g. reflect answers show 3 "
        "(reflect answers lists them)\n",
    ),
    (
        ["edit", "1"],
        'Error: say what the new text is: reflect answers edit 1 --text "..." '
        "or --file F (at a terminal, $EDITOR opens on the current text)\n",
    ),
    (
        ["edit", "1", "--text", " \n "],
        "Error: the new text for answer #1 is empty; give the "
        'words it should keep (--text "..." or --file F).\n',
    ),
    (
        ["edit", "1", "--file", "missing.txt"],
        "Error: missing.txt: cannot read it (No such file or directory).\n",
    ),
    (["show", "1", "--text", "x"], "Error: --text and --file are for: reflect answers edit N\n"),
]


def test_user_errors_are_one_error_line_and_exit_1(answered: Partnership) -> None:
    _, before, _ = only_answer(answered)
    for args, error in USER_ERRORS:
        result = reflect("--config", str(answered.config), "answers", *args, cwd=answered.dir)
        assert (result.returncode, result.stderr) == (1, error), args
    assert only_answer(answered)[1] == before


def test_a_forgotten_members_answer_cannot_be_edited(answered: Partnership) -> None:
    number, _, _ = only_answer(answered)
    assert run(answered, "forget", TOM, "--now", "2027-01-08T09:00").returncode == 0
    result = run(answered, "answers", "edit", str(number), "--text", "Back again")
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: answer #{number} is a forgotten member's: their words were erased and are "
        "not brought back by an edit.\n"
    )
    shown = run(answered, "answers", "show", str(number))
    assert shown.returncode == 0, shown.stderr
    assert "Archived text: none (this member was forgotten and their words erased)" in shown.stdout
    assert "not available, it was erased when the member was forgotten." in shown.stdout
    assert "Okafor" not in shown.stdout and "07700" not in shown.stdout
    listed = run(answered, "answers").stdout
    assert "(forgotten member: words erased)" in listed


def test_forgetting_erases_the_corrections_too(answered: Partnership) -> None:
    number, before, _ = only_answer(answered)
    assert run(answered, "answers", "edit", str(number), "--text", CORRECTED).returncode == 0
    assert run(answered, "forget", TOM).returncode == 0
    with db(answered) as conn:
        assert conn.execute("SELECT old_text, new_text FROM answer_edits").fetchall() == [("", "")]
    assert WORDS.encode() not in answered.database.read_bytes()
    assert before.encode() not in answered.database.read_bytes()


def test_show_says_when_retention_removed_the_raw_copy(answered: Partnership) -> None:
    number, archived, _ = only_answer(answered)
    answered.config.write_text(
        answered.config.read_text().replace(
            'database = "var/reflect.db"', 'database = "var/reflect.db"\nkeep_raw_days = 1'
        )
    )
    assert run(answered, "tick", "--now", "2027-01-09T12:00").returncode == 0
    shown = run(answered, "answers", "show", str(number))
    assert shown.returncode == 0, shown.stderr
    assert "it was deleted after the retention period ([storage] keep_raw_days)." in shown.stdout
    assert f"    {archived.splitlines()[0]}" in shown.stdout  # the answer itself stays


ATTACK = (
    "Fine by me.\x1b[2J\x1b[H\x1b]0;pwned\x07\r"
    "Answer #7 (answer) from Priya Shah, Grapevine\u2028Archived text: forged\u202eevil\x9b31m"
)


def test_control_characters_in_an_answer_are_escaped_in_show(partnership: Partnership) -> None:
    assert run(partnership, "tick", "--now", PROMPTS_DUE).returncode == 0
    prompt = sent(partnership, "prompt", TOM)
    ingest(partnership, reply_to(prompt, sender=f"Tom Okafor <{TOM}>", body=ATTACK))
    number, _, _ = only_answer(partnership)
    result = run(partnership, "answers", "show", str(number))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert not any(c in out for c in "\x1b\x07\r\x9b\u2028\u202e")
    assert "\\x1b[2J" in out or "\\x1b" in out
    # no line a message wrote can pass for one of ours: every one of theirs is indented
    ours = [line for line in out.splitlines() if line and not line.startswith("    ")]
    assert ours[0].startswith(f"Answer #{number} (answer) from Tom Okafor")
    assert not any(line.startswith("Answer #7") or "forged" in line for line in ours)
    listed = run(partnership, "answers").stdout
    assert not any(c in listed for c in "\x1b\x07\r\x9b\u2028\u202e")
    assert len(listed.splitlines()) == 3


EDITOR = """\
import os, stat, sys
path = sys.argv[1]
with open(os.environ["EDITOR_LOG"], "w") as log:
    log.write(oct(stat.S_IMODE(os.stat(path).st_mode)) + "\\n")
    log.write(open(path, encoding="utf-8").read())
with open(path, "w", encoding="utf-8") as out:
    out.write("Said at a terminal.\\n")
"""


def test_with_neither_text_nor_file_a_terminal_opens_the_editor(
    answered: Partnership, tmp_path: Path
) -> None:
    number, before, _ = only_answer(answered)
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR, encoding="utf-8")
    log = tmp_path / "editor.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFLECT_")}
    env |= {"EDITOR": f"{sys.executable} {editor}", "EDITOR_LOG": str(log)}
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scheduler", "--config", str(answered.config),
             "answers", "edit", str(number)],
            cwd=REPO, env=env, stdin=follower, stdout=follower, stderr=subprocess.PIPE,
            timeout=120, check=False,
        )  # fmt: skip
        said = os.read(leader, 4096).decode()
    finally:
        os.close(leader)
        os.close(follower)
    assert done.returncode == 0, done.stderr
    assert f"Answer #{number} corrected" in said
    mode, seen = log.read_text(encoding="utf-8").split("\n", 1)
    assert mode == "0o600"
    assert seen == before + "\n"  # the editor opened on the archived text
    assert only_answer(answered)[1] == "Said at a terminal."
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob(f"reflect-answer-{number}-*"))


def test_a_subject_access_request_includes_the_edits(answered: Partnership) -> None:
    number, before, _ = only_answer(answered)
    assert run(answered, "answers", "edit", str(number), "--text", CORRECTED).returncode == 0
    record = json.loads(run(answered, "export", "--member", TOM).stdout)
    assert [(e["answer_id"], e["old_text"], e["new_text"]) for e in record["answer_edits"]] == [
        (number, before, CORRECTED)
    ]
