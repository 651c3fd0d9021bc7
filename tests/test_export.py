"""``reflect export``: CSV safe for Excel, JSON, and the shareable Markdown learning log."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from support.seed import T0, Seed, partnership_of_five

from scheduler.reports.export import export_answers

TOM_SAYS = '=HYPERLINK("http://evil.example","click")\n\nSecond paragraph, *really*.'


@pytest.fixture
def seed(tmp_path: Path) -> Seed:
    seed = Seed(tmp_path / "a.db")
    ids = partnership_of_five(seed)
    seed.answer(seed.prompt(ids["tom"], "reflection", T0, "purpose", "Why are we here?"), TOM_SAYS)
    seed.answer(seed.prompt(ids["ama"], "reflection", T0, "purpose", "Why are we here?"),
                "-1 for more meetings; ask Nia Evans <nia@trust.example.nhs.uk>.")  # fmt: skip
    seed.answer(
        seed.prompt(ids["nia"], "reflection", T0, "purpose", "Why are we here?"), "@all: yes"
    )
    return seed


def test_csv_opens_safely_in_excel(seed: Seed) -> None:
    text = export_answers(seed.archive, "csv")
    assert text.startswith("\ufeffreceived_at,kind,question_id,question,cycle,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["member"], r["organisation"], r["sector"], r["cycle"]) for r in rows] == [
        ("Tom Okafor", "City Council", "local_authority", "Reflection point, 2027-01-12"),
        ("Ama Mensah", "Food Bank", "vcse", "Reflection point, 2027-01-12"),
        ("Nia Evans", "Walsall Trust", "nhs", "Reflection point, 2027-01-12"),
    ]
    assert [r["text"] for r in rows] == ["'" + TOM_SAYS,
                                         "'-1 for more meetings; ask Nia Evans <nia@trust.example.nhs.uk>.",
                                         "'@all: yes"]  # fmt: skip
    assert all(r["question"] == "Why are we here?" for r in rows)
    assert rows[0]["received_at"].startswith("2027-01-06")


def test_json_is_the_full_record(seed: Seed) -> None:
    rows = json.loads(export_answers(seed.archive, "json"))
    assert rows[0]["text"] == TOM_SAYS  # no spreadsheet quoting in JSON
    assert rows[0]["email"] == "tom@council.example.gov.uk"
    assert rows[0]["occurrence"] == "2027-01-12T10:00:00+00:00"


def test_markdown_log_is_anonymous_by_default(seed: Seed) -> None:
    log = export_answers(seed.archive, "md")
    assert log == (
        "# Learning log\n\n"
        "What members wrote in reply to each cycle's questions, in their own words. "
        "Names are left out.\n\n"
        "## Reflection point, 12 January 2027\n\n"
        "### Why are we here?\n\n"
        '> =HYPERLINK("http://evil.example","click")\n'
        ">\n"
        "> Second paragraph, \\*really\\*.\n\n"
        "> \\-1 for more meetings; ask \\[a member\\] \\<\\[address\\]\\>.\n\n"
        "> @all: yes\n"
    )


def test_markdown_log_can_attribute(seed: Seed) -> None:
    log = export_answers(seed.archive, "md", attribute=True)
    assert "> — Tom Okafor, City Council\n" in log
    assert "ask Nia Evans \\<nia@trust.example.nhs.uk\\>." in log


def test_forgotten_answers_are_not_exported(seed: Seed) -> None:
    from scheduler.reports.privacy import forget_member

    forget_member(seed.archive, "tom@council.example.gov.uk", now=T0)
    rows = json.loads(export_answers(seed.archive, "json"))
    assert [r["member"] for r in rows] == ["Ama Mensah", "Nia Evans"]
