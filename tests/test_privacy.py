"""Forgetting a member, a member's own copy of their data, and raw-mail retention."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.seed import SENT, T0, Seed, partnership_of_five

from scheduler.archive.database import Archive
from scheduler.archive.inbound_store import InboundStore
from scheduler.errors import ReflectError
from scheduler.inbound.custody import store_raw
from scheduler.reports.digest import build_digest
from scheduler.reports.participation import participation
from scheduler.reports.privacy import forget_member, member_record, purge_raw_older_than

ROOT = Path(__file__).resolve().parents[1]
TOM = "tom@council.example.gov.uk"
TOM_SAYS = "Zanzibar-style rotating chairs would shift the power.\n\nAsk the Quokka café owners."
TRACES = ("Tom Okafor", "Okafor", TOM, "Zanzibar", "Quokka")
NOW = T0 + timedelta(days=30)


def seeded(path: Path) -> Seed:
    seed = Seed(path)
    ids = partnership_of_five(seed)
    for who, member in ids.items():
        prompt = seed.prompt(member, "reflection", T0, "purpose", "Why are we here?")
        if who == "tom":
            seed.answer(prompt, TOM_SAYS)
        elif who == "ama":
            seed.answer(
                prompt,
                "I agree with Tom Okafor: Zanzibar-style rotating chairs would shift the power.",
            )
        elif who != "nia":
            seed.answer(prompt, f"{who} has thoughts")
    # A digest already sent to the convenor quotes Tom, by name, in text and HTML.
    seed.outbox_other(
        "priya@grapevine.example.org",
        "What members said",
        f"{TOM_SAYS}\n- Tom Okafor, City Council <{TOM}>\n\nOther words stay.",
    )
    # A bounce that names his address but was matched to nobody.
    bounce = store_raw(
        seed.archive, f"Final-Recipient: rfc822; {TOM}\r\n".encode(), source="maildir",
        ref=None, now=SENT,
    )  # fmt: skip
    with seed.archive.transaction():
        InboundStore(seed.archive).set_outcome(
            bounce.id, status="bounce", reason="delayed", from_address=None, subject="",
            member_id=None, prompt_id=None, now=SENT,
        )  # fmt: skip
    return seed


def every_value(archive: Archive) -> list[tuple[str, str, str]]:
    """(table, column, text) for every cell; MIME blobs are decoded part by part too."""
    found = []
    tables = [r["name"] for r in archive.rows("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        for row in archive.rows(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from the schema
            for column, value in row.items():
                if isinstance(value, bytes):
                    texts = [value.decode("utf-8", "replace")]
                    if value:
                        msg = email.message_from_bytes(value, policy=email.policy.default)
                        texts += [
                            str(part.get_content())
                            for part in msg.walk()
                            if part.get_content_maintype() == "text"
                        ]
                        texts += [str(v) for v in msg.values()]
                    found += [(table, column, t) for t in texts]
                elif value is not None:
                    found.append((table, column, str(value)))
    return found


def test_seeded_archive_holds_the_traces_we_look_for(tmp_path: Path) -> None:
    """The scan below can fail: before forgetting, every trace is found somewhere."""
    seed = seeded(tmp_path / "a.db")
    cells = every_value(seed.archive)
    for trace in TRACES:
        assert any(trace.lower() in text.lower() for _t, _c, text in cells), trace
    assert any(t == "outbox" and c == "raw" and "Quokka" in text for t, c, text in cells)


def test_forget_leaves_no_trace_in_any_table_or_on_disk(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    seed = seeded(db)
    before = participation(seed.archive).cycles[0]

    report = forget_member(seed.archive, "Tom@Council.example.gov.uk", now=NOW)

    leftovers = [
        (table, column, trace)
        for table, column, text in every_value(seed.archive)
        for trace in TRACES
        if trace.lower() in text.lower()
    ]
    assert leftovers == []
    seed.archive.close()
    for path in (db, db.with_name("a.db-wal")):
        if path.exists():
            data = path.read_bytes().lower()
            for trace in TRACES:
                assert trace.lower().encode() not in data, (path.name, trace)

    archive = Archive(db)
    after = participation(archive).cycles[0]
    assert (after.prompted, after.replied) == (before.prompted, before.replied) == (5, 4)
    member = archive.one("SELECT * FROM members WHERE id = ?", (report.member_id,))
    assert member is not None
    assert (member["name"], member["email"], member["status"]) == (
        f"forgotten member #{report.member_id}",
        f"forgotten-{report.member_id}@forgotten.invalid",
        "left",
    )
    assert (member["organisation"], member["sector"]) == ("City Council", "local_authority")
    assert (
        archive.scalar("SELECT count(*) FROM answers WHERE member_id = ?", (report.member_id,)) == 1
    )
    # Others' words are kept, with his name and words taken out.
    ama = archive.scalar("SELECT text FROM answers WHERE member_id = 2")
    assert ama == "I agree with [forgotten member]: [removed]"
    digest = archive.scalar("SELECT raw FROM outbox WHERE kind = 'digest'")
    assert b"Other words stay." in digest
    assert report.answers == 1
    assert report.inbound == 2  # his reply and the bounce naming him
    assert report.outbox == 1  # the question sent to him


def test_forgotten_member_is_not_in_a_later_digest(tmp_path: Path) -> None:
    seed = seeded(tmp_path / "a.db")
    forget_member(seed.archive, TOM, now=NOW)
    view = build_digest(seed.archive, partnership="P", meeting_id="reflection",
                        meeting_title="Reflection point", occurrence=T0, when_text="soon",
                        anonymise=False)  # fmt: skip
    attributions = [a.attribution for q in view.questions for a in q.answers]
    assert attributions == ["Priya Shah, Grapevine", "Ama Mensah, Food Bank", "Lee Chan, Grapevine"]


def test_forget_an_unknown_address_says_so(tmp_path: Path) -> None:
    seed = seeded(tmp_path / "a.db")
    with pytest.raises(ReflectError, match=r"no member with the address nobody@x\.org"):
        forget_member(seed.archive, "nobody@x.org", now=NOW)
    forget_member(seed.archive, TOM, now=NOW)
    with pytest.raises(ReflectError, match="no member with the address"):
        forget_member(seed.archive, TOM, now=NOW)


def test_member_record_holds_everything_about_them(tmp_path: Path) -> None:
    seed = seeded(tmp_path / "a.db")
    record = member_record(seed.archive, TOM)
    assert record["member"]["name"] == "Tom Okafor"
    assert [a["text"] for a in record["answers"]] == [TOM_SAYS]
    assert record["questions_sent"][0]["body_text"].startswith("Dear Tom Okafor,")
    assert "Zanzibar" in record["messages_received_from_them"][0]["message"]
    assert "Why are we here?" in record["messages_sent_to_them"][0]["message"]
    json.dumps(record)  # serialisable as it is
    assert all("Priya" not in a["text"] for a in record["answers"])


def test_purge_raw_keeps_answers_and_quarantine(tmp_path: Path) -> None:
    seed = seeded(tmp_path / "a.db")
    held = store_raw(seed.archive, b"ABCD", source="maildir", ref=None, now=SENT, held="no token")
    answers_before = seed.archive.rows("SELECT id, text FROM answers ORDER BY id")

    purged = purge_raw_older_than(seed.archive, datetime(2027, 2, 1, tzinfo=UTC))

    # 4 answers + 1 bounce received, 5 questions + 1 digest sent; quarantine kept.
    assert purged == 11
    assert seed.archive.rows("SELECT id, text FROM answers ORDER BY id") == answers_before
    assert seed.archive.scalar("SELECT raw FROM inbound WHERE id = ?", (held.id,)) == b"ABCD"
    assert seed.archive.scalar("SELECT count(*) FROM inbound WHERE length(raw) > 0") == 1
    assert (
        seed.archive.scalar("SELECT reason FROM inbound WHERE status = 'answer' LIMIT 1")
        == "answer recorded (raw message deleted after the retention period)"
    )
    assert purge_raw_older_than(seed.archive, datetime(2027, 2, 1, tzinfo=UTC)) == 0


def test_purge_leaves_recent_messages(tmp_path: Path) -> None:
    seed = seeded(tmp_path / "a.db")
    assert purge_raw_older_than(seed.archive, SENT - timedelta(days=1)) == 0


def reflect(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFLECT_")}
    return subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(cwd / "config.toml"), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.toml")
    shutil.copy(ROOT / "members.example.csv", tmp_path / "members.example.csv")
    seeded(tmp_path / "var" / "reflect.db").archive.close()
    return tmp_path


def test_cli_forget_and_export_member(project: Path) -> None:
    exported = reflect(project, "export", "--member", TOM)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["answers"][0]["text"] == TOM_SAYS

    done = reflect(project, "forget", TOM)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{TOM} forgotten: forgotten member #5:")
    assert "remove their row from members.example.csv" in done.stdout

    again = reflect(project, "forget", TOM)
    assert again.returncode == 1
    assert again.stderr.startswith(f"Error: no member with the address {TOM} is in the archive")


def test_cli_report_and_markdown_log(project: Path) -> None:
    made = reflect(project, "report", "--out", str(project / "r.html"), "--anonymise")
    assert made.returncode == 0, made.stderr
    assert made.stdout == f"report written to {project / 'r.html'}\n"
    page = (project / "r.html").read_text(encoding="utf-8")
    assert "participation and reflections" in page
    assert "Tom Okafor" not in page

    log = reflect(project, "export", "--format", "md", "--attribute")
    assert log.returncode == 0, log.stderr
    assert "> — Tom Okafor, City Council" in log.stdout
