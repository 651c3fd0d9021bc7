"""One reflect at a time per archive: a second tick does nothing, a piped reply is kept."""

from __future__ import annotations

import mailbox
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.archive.lock import hold, lock_path
from scheduler.errors import Busy

NOW = datetime(2027, 1, 5, 10, 30, tzinfo=UTC)  # the first questions are due


def reflect(
    p: Partnership, *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(p.config), *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def holder(database: Path) -> subprocess.Popen[str]:
    """Another process that holds the archive's lock until it is killed."""
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from scheduler.archive.lock import hold\n"
        "with hold(Path(sys.argv[1])):\n"
        "    print('holding', flush=True)\n"
        "    time.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(database)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def sent(p: Partnership) -> int:
    return len(mailbox.Maildir(p.outbox, create=False)) if p.outbox.exists() else 0


async def test_a_tick_while_another_runs_does_nothing_and_says_so(
    partnership: Partnership,
) -> None:
    services = build_services(partnership.config)  # creates the archive
    with hold(partnership.database):
        with pytest.raises(Busy, match="another reflect"):
            await services.tick(NOW)
        assert sent(partnership) == 0
        # from the command line (as cron runs it): 75, "try again later", and why
        result = reflect(partnership, "tick", "--now", NOW.isoformat())
        assert result.returncode == 75
        assert result.stderr.startswith("Skipped: ") and "another reflect" in result.stderr
        assert f"process {os.getpid()}" in result.stderr
        assert sent(partnership) == 0
    report = await services.tick(NOW)  # the lock is free again
    services.close()
    assert report.sent == sent(partnership) > 0


async def test_a_killed_holder_leaves_no_lock_behind(partnership: Partnership) -> None:
    build_services(partnership.config).close()
    proc = holder(partnership.database)
    try:
        assert reflect(partnership, "tick", "--now", NOW.isoformat()).returncode == 75
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert lock_path(partnership.database).exists()  # the file stays; the lock went with it
    result = reflect(partnership, "tick", "--now", NOW.isoformat())
    assert result.returncode == 0, result.stderr
    assert sent(partnership) > 0


def test_a_piped_reply_is_stored_while_another_reflect_reads(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_services(partnership.config).close()
    monkeypatch.setattr("scheduler.cli.mail_commands.INGEST_WAIT_SECONDS", 0.2)
    from scheduler.cli.main import main

    raw = b"From: tom.okafor@council.example.gov.uk\r\nSubject: hello\r\n\r\nHello.\r\n"
    proc = holder(partnership.database)
    try:
        started = time.monotonic()
        (partnership.dir / "reply.eml").write_bytes(raw)
        code = main(
            ["--config", str(partnership.config), "ingest", str(partnership.dir / "reply.eml")]
        )
        assert code == 0
        assert time.monotonic() - started < 30
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    services = build_services(partnership.config)
    stored = services.archive.rows("SELECT status FROM inbound")
    assert [row["status"] for row in stored] == ["pending"]  # kept, not yet read
    services.reader().process_pending(NOW)
    read = services.archive.rows("SELECT status FROM inbound")
    services.close()
    assert [row["status"] for row in read] != ["pending"]
