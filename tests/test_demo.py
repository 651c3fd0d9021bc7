"""`reflect demo` as a newcomer runs it: a real SMTP server, simulated replies, real reading."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from scheduler.demo.replies import ANSWERS, CHECKLIST_ANSWERS
from scheduler.demo.simulation import run_demo
from scheduler.errors import ReflectError


async def test_the_demo_archives_exactly_what_members_wrote(tmp_path: Path) -> None:
    out = io.StringIO()
    result = await run_demo(tmp_path / "demo", weeks=14, out=out)
    printed = out.getvalue()
    assert "mail to a real SMTP server on 127.0.0.1:" in printed
    assert "week 14 (" in printed
    assert f"Archive:       {result.archive}" in printed
    db = sqlite3.connect(result.archive)
    answers = [row[0] for row in db.execute("SELECT text FROM answers")]
    styles = {row[0] for row in db.execute("SELECT i.raw FROM inbound i WHERE i.status = 'answer'")}
    statuses = dict(db.execute("SELECT status, count(*) FROM inbound GROUP BY status").fetchall())
    db.close()
    # every archived answer is exactly what a simulated member typed: no quoted prompt,
    # no greeting, sign-off, signature or device footer leaked in, whatever the client
    typed = {text for texts in ANSWERS.values() for text in texts} | set(CHECKLIST_ANSWERS)
    assert answers and all(text in typed or text.startswith("I looked after") for text in answers)
    assert len(styles) == statuses["answer"]
    assert statuses.get("auto_reply", 0) > 0 and statuses.get("rsvp", 0) > 0
    assert "quarantined" not in statuses and "pending" not in statuses
    assert result.sent["prompt"] > 0 and result.sent["digest"] > 0
    assert result.digest is not None and "What members said" in result.digest.read_text()
    assert "<svg" in result.report.read_text()


async def test_the_demo_will_not_overwrite_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(ReflectError, match="was not made by `reflect demo`"):
        await run_demo(tmp_path, weeks=1, out=io.StringIO())
    assert (tmp_path / "precious.txt").read_text() == "keep me"
