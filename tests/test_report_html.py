"""The standalone participation report, read as HTML and looked at in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support.seed import T0, Seed, partnership_of_five

from scheduler.reports.page import report_html

LONDON = ZoneInfo("Europe/London")
NOW = (T0 + timedelta(weeks=20)).astimezone(LONDON)


def seeded(path: Path) -> Seed:
    seed = Seed(path)
    ids = partnership_of_five(seed)
    questions = ["Why are we here?", "Who is at the table?", "How is work shared?"]
    for week, question in enumerate(questions):
        occurrence = T0 + timedelta(weeks=6 * week)
        for who, member in ids.items():
            prompt = seed.prompt(member, "reflection", occurrence, f"q{week}", question)
            if who == "nia" or (who == "tom" and week > 0):
                continue
            seed.answer(prompt, f"{who.title()} on cycle {week + 1}:\nline two <i>& more</i>")
    return seed


def test_report_shows_participation_flags_and_answers(tmp_path: Path) -> None:
    page = report_html(seeded(tmp_path / "a.db").archive, partnership="Willenhall Together",
                       now=NOW, anonymise=False)  # fmt: skip

    assert "<h1>Willenhall Together: participation and reflections</h1>" in page
    assert "Report made 1 June 2027 at 11:00 BST." in page
    assert "<li>No reply from the NHS sector this cycle</li>" in page
    assert "<li>Nia Evans has not replied for 3 cycles</li>" in page
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>\s*(.*?)</tr>', page, re.S)
    assert [(title, re.findall(r'<td class="num">(.*?)</td>', cells)) for title, cells in rows] == [
        ("Reflection point, 12 Jan 2027", ["4 of 5", "3 of 3", "0 of 1", "1 of 1"]),
        ("Reflection point, 23 Feb 2027", ["3 of 5", "3 of 3", "0 of 1", "0 of 1"]),
        ("Reflection point, 6 Apr 2027", ["3 of 5", "3 of 3", "0 of 1", "0 of 1"]),
    ]
    assert "Tom on cycle 1:<br>line two &lt;i&gt;&amp; more&lt;/i&gt;" in page
    assert "&mdash; Tom Okafor, City Council" in page
    assert page.count('role="img"') == 2
    assert not re.search(r"""(src|href)=["']?https?://""", page)


def test_anonymised_report_names_nobody(tmp_path: Path) -> None:
    seed = seeded(tmp_path / "a.db")
    page = report_html(seed.archive, partnership="P", now=NOW, anonymise=True)
    for row in seed.archive.rows("SELECT name, email, organisation FROM members"):
        for value in row.values():
            assert value not in page
    assert "[name] on cycle 1" in page  # words kept, names gone: the author's first name too
    assert "1 member has not replied for 3 cycles or more" in page


def test_empty_archive_report(tmp_path: Path) -> None:
    page = report_html(Seed(tmp_path / "a.db").archive, partnership="P", now=NOW)
    assert "nothing to report" in page


@pytest.mark.browser
def test_report_screenshot(tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    page = tmp_path / "report.html"
    page.write_text(report_html(seeded(tmp_path / "a.db").archive, partnership="Willenhall Together",
                                now=NOW), encoding="utf-8")  # fmt: skip
    shots = {}
    for name, size in (("phone", "390,844"), ("desktop", "1280,900")):
        shot = tmp_path / f"report-{name}.png"
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp_path / ('profile-' + name)}",
             f"--window-size={size}", f"--screenshot={shot}", page.as_uri()],
            capture_output=True, timeout=120, check=False,
        )  # fmt: skip
        shots[name] = shot
    for shot in shots.values():
        assert shot.exists(), f"{shot.name} was not written"
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(data) > 20_000  # a blank page is a few kB
    keep = os.environ.get("SCREENSHOT_DIR")
    if keep:
        for shot in shots.values():
            shutil.copy(shot, Path(keep) / shot.name)
