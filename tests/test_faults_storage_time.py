"""Storage faults (a locked archive, a full disk) and time faults (clock jumps, DST)."""

from __future__ import annotations

import mailbox
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from support.mailmaker import fill_maildir, reply, sent_prompts
from support.partnership import Partnership

from scheduler.app.services import Services, build_services, read_config
from scheduler.archive.database import Archive
from scheduler.errors import ArchiveError

NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
JOINER = "Sam Hill,sam.hill@youth.example.org,Youth Voice,vcse,Coordinator,2026-11-20,\n"


def counts(archive: Archive) -> dict[str, int]:
    return {
        table: int(archive.scalar(f"SELECT count(*) FROM {table}"))  # noqa: S608 - fixed names
        for table in ("members", "outbox", "prompts", "inbound", "answers")
    }


def hold_lock(database: Path) -> subprocess.Popen[str]:
    """Another process that takes the archive's write lock and keeps it until told."""
    code = (
        "import sqlite3, sys\n"
        f"c = sqlite3.connect({str(database)!r}, isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "c.execute('ROLLBACK')\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline() == "locked\n"
    return proc


def release_lock(proc: subprocess.Popen[str]) -> None:
    proc.communicate("go\n", timeout=10)


async def first_run_with_replies(p: Partnership) -> list[bytes]:
    services = build_services(p.config)
    await services.tick(NOW)
    prompts = sent_prompts(services.archive)
    services.close()
    replies = [
        reply(prompt, "Words " * 20000, message_id=f"<r{n}@m.example>")
        for n, prompt in enumerate(prompts)
    ]
    fill_maildir(p.inbox, replies)
    with p.members.open("a", encoding="utf-8") as handle:
        handle.write(JOINER)
    return replies


async def test_a_locked_archive_is_a_clean_error_and_the_next_tick_completes(
    partnership: Partnership,
) -> None:
    await first_run_with_replies(partnership)
    config = read_config(partnership.config)
    services = Services(config, archive=Archive(config.database, busy_timeout_ms=300))
    before = counts(services.archive)
    locker = hold_lock(config.database)
    try:
        with pytest.raises(ArchiveError, match=r"database is locked\. This round stopped"):
            await services.tick(NOW + timedelta(hours=1))
        assert counts(services.archive) == before  # nothing half-written
        assert len(list((partnership.inbox / "new").iterdir())) == 4  # nothing acknowledged
    finally:
        release_lock(locker)
    report = await services.tick(NOW + timedelta(hours=1))
    after = counts(services.archive)
    services.close()
    # the joiner's first day: an induction pack and the getting-to-know-you question (the
    # invitations follow a day at a time, plan/pacing.py)
    assert report.joined == 1 and report.ingested == {"answer": 4} and report.sent == 2
    assert after["inbound"] == after["answers"] == 4
    assert list((partnership.inbox / "new").iterdir()) == []


@pytest.mark.slow
def test_ingest_from_a_pipe_exits_75_while_the_archive_is_locked(
    partnership: Partnership,
) -> None:
    """The mail server keeps the message and tries again: exit 75 (EX_TEMPFAIL)."""
    services = build_services(partnership.config)
    services.close()
    locker = hold_lock(partnership.database)
    raw = b"From: a@b.example\r\nSubject: hi\r\nMessage-ID: <p@b.example>\r\n\r\nhello\r\n"
    command = [sys.executable, "-m", "scheduler", "--config", str(partnership.config), "ingest"]
    try:
        locked = subprocess.run(command, input=raw, capture_output=True, timeout=60, check=False)
    finally:
        release_lock(locker)
    assert locked.returncode == 75
    assert locked.stderr.decode().startswith("Error: message not stored, try again later:")
    retried = subprocess.run(command, input=raw, capture_output=True, timeout=60, check=False)
    assert retried.returncode == 0, retried.stderr
    archive = Archive(partnership.database)
    rows = archive.rows("SELECT raw, status FROM inbound")
    archive.close()
    assert rows == [{"raw": raw, "status": "quarantined"}]


async def test_a_full_disk_is_a_clean_error_and_the_next_tick_completes(
    partnership: Partnership,
) -> None:
    replies = await first_run_with_replies(partnership)
    services = build_services(partnership.config)
    pages = int(services.archive.scalar("PRAGMA page_count"))
    services.archive.conn.execute(f"PRAGMA max_page_count = {pages + 8}")
    before = counts(services.archive)
    with pytest.raises(ArchiveError, match="full"):
        await services.tick(NOW + timedelta(hours=1))
    during = counts(services.archive)
    stored = {
        row["raw"] for row in services.archive.rows("SELECT raw FROM inbound")
    }  # whole messages only
    assert stored <= set(replies) and during["inbound"] < 4
    assert during["answers"] <= during["inbound"]
    assert during["outbox"] == before["outbox"]  # the queue step never ran
    left = len(list((partnership.inbox / "new").iterdir()))
    assert left == 4 - during["inbound"]  # acknowledged exactly what was stored

    services.archive.conn.execute("PRAGMA max_page_count = 1073741823")
    report = await services.tick(NOW + timedelta(hours=2))
    after = counts(services.archive)
    services.close()
    # the joiner's first day, as above: a pack and a first question
    assert report.sent == 2 and after["inbound"] == after["answers"] == 4
    assert list((partnership.inbox / "new").iterdir()) == []


# ------------------------------------------------------------- time


def delivered_ids(outbox: Path) -> list[str]:
    box = mailbox.Maildir(outbox, create=False)
    return [
        str(message_from_bytes(box.get_bytes(key), policy=policy.default)["Message-ID"])
        for key in box.iterkeys()
    ]


async def test_the_clock_jumping_forward_days_and_back_hours_doubles_nothing(
    partnership: Partnership,
) -> None:
    services = build_services(partnership.config)
    moments = [
        NOW,
        NOW + timedelta(days=52),  # forward past the first reflection point's prompts
        NOW + timedelta(days=52) - timedelta(hours=5),  # back again
        NOW + timedelta(days=52) - timedelta(hours=3),
        NOW + timedelta(days=53),
        NOW + timedelta(days=50),  # further back
        NOW + timedelta(days=54),
    ]
    reports = [await services.tick(moment) for moment in moments]
    services.close()
    ids = delivered_ids(partnership.outbox)
    assert len(ids) == len(set(ids))
    assert sum(r.sent for r in reports) == len(ids) > 16
    assert [r.sent for r in reports[2:4]] == [0, 0]  # going back re-sends nothing
    prompts = [
        message_from_bytes(b, policy=policy.default)
        for b in (mailbox.Maildir(partnership.outbox, create=False).get_bytes(k)
                  for k in mailbox.Maildir(partnership.outbox, create=False).iterkeys())
    ]  # fmt: skip
    subjects = Counter(str(m["Subject"]) for m in prompts if str(m["X-Reflect-Kind"]) == "prompt")
    assert subjects and set(subjects.values()) == {4}  # each question once per member


DST_MEETING = """
[[meeting]]
id = "spring"
kind = "reflection"
title = "Night reflection (spring)"
first = 2027-03-28T01:30:00
duration_minutes = 60
rrule = "FREQ=YEARLY"

[[meeting]]
id = "autumn"
kind = "reflection"
title = "Night reflection (autumn)"
first = 2027-10-31T01:30:00
duration_minutes = 60
rrule = "FREQ=YEARLY"
"""


async def test_a_0130_meeting_in_the_spring_gap_and_autumn_fold_is_prompted_once(
    partnership: Partnership,
) -> None:
    text = partnership.config.read_text()
    start = text.index("[[meeting]]")
    end = text.index("[prompts]")
    partnership.config.write_text(
        text[:start]
        + DST_MEETING.lstrip()
        + "\n"
        + text[end:].replace('checklist_meeting = "governance-review"\n', "")
    )
    services = build_services(partnership.config)
    windows = [
        (datetime(2027, 3, 19, tzinfo=UTC), datetime(2027, 3, 29, 6, tzinfo=UTC)),
        (datetime(2027, 10, 22, tzinfo=UTC), datetime(2027, 11, 1, 6, tzinfo=UTC)),
    ]
    await services.tick(datetime(2027, 3, 1, tzinfo=UTC))
    for begin, finish in windows:
        moment = begin
        while moment <= finish:
            # every 30 minutes on the change days, every 3 hours otherwise
            on_change_day = moment.date() in (date(2027, 3, 28), date(2027, 10, 31))
            await services.tick(moment)
            moment += timedelta(minutes=30) if on_change_day else timedelta(hours=3)
    rows = services.archive.rows(
        "SELECT p.occurrence, count(*) AS n, count(DISTINCT p.member_id) AS members "
        "FROM prompts p WHERE p.meeting_id IN ('spring', 'autumn') "
        "GROUP BY p.occurrence ORDER BY p.occurrence"
    )
    services.close()
    by_day = {row["occurrence"][:10]: (row["n"], row["members"]) for row in rows}
    assert by_day.get("2027-03-28") == (4, 4) or by_day.get("2027-03-27") == (4, 4), rows
    assert by_day.get("2027-10-31") == (4, 4) or by_day.get("2027-10-30") == (4, 4), rows
    assert all(n == members for n, members in by_day.values())
    ids = delivered_ids(partnership.outbox)
    assert len(ids) == len(set(ids))
