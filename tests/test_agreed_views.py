"""What meetings agreed, as the convenor sees it: ``reflect actions``, ``status``,
``report``, ``export`` and ``forget``, run as real commands on an archive made by
real ticks (the lines recorded through the store the reader writes with)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from support.agreed_mail import reflect_cli
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.archive.action_store import ActionStore, NewLine
from scheduler.archive.database import Archive, utc_text

TOM = "tom.okafor@council.example.gov.uk"
AOIFE = "aoife.obrien@pcc.example.nhs.uk"
JAN = datetime(2027, 1, 12, 10, tzinfo=UTC)
FEB = datetime(2027, 2, 23, 10, tzinfo=UTC)


@pytest.fixture
async def agreed(partnership: Partnership) -> Partnership:
    services = build_services(partnership.config)
    await services.tick(datetime(2027, 1, 12, 12, 5, tzinfo=UTC))
    services.close()
    store = ActionStore(Archive(partnership.database))
    store.record_notes(inbound_id=None, request_key="k1", meeting_id="reflection",
                       occurrence=utc_text(JAN), note_taker="priya.shah@grapevine.example.org",
                       lines=[
        NewLine("decision", "Decision: meetings alternate between 10:00 and 17:30"),
        NewLine("action", "Tom to send the draft letter by 29 January", "Tom", TOM,
                "City Council", date(2027, 1, 29), "by 29 January"),
        NewLine("action", "Aoife: map the surgeries", "Aoife", AOIFE,
                "Willenhall Primary Care Centre", date(2027, 2, 20), "by 20 February"),
        NewLine("action", "Everyone to bring one story", "Everyone"),
        NewLine("note", "Good conversation about transport"),
    ], now=datetime(2027, 1, 12, 13, tzinfo=UTC))  # fmt: skip
    store.record_notes(inbound_id=None, request_key="k2", meeting_id="reflection",
                       occurrence=utc_text(FEB), note_taker="priya.shah@grapevine.example.org",
                       lines=[NewLine("action", "Tom to book the hall", "Tom", TOM, "City Council")],
                       now=datetime(2027, 2, 23, 13, tzinfo=UTC))  # fmt: skip
    done, mapping = (i.id for i in store.items(kinds=("action",))[:2])
    store.set_status(done, "done", "sent on Monday", datetime(2027, 2, 16, 12, tzinfo=UTC))
    store.set_status(
        mapping, "not_yet", "two still to answer", datetime(2027, 2, 16, 12, tzinfo=UTC)
    )
    return partnership


def test_actions_lists_what_is_open_with_owner_due_and_state(agreed: Partnership) -> None:
    shown = reflect_cli(agreed.config, "actions", "--now", "2027-02-24T09:00")
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert "Reflection point, 12 Jan 2027" in text and "Reflection point, 23 Feb 2027" in text
    assert "Aoife: map the surgeries" in text
    assert (
        "owner: Aoife O’Brien (Willenhall Primary Care Centre); due: Sat 20 Feb 2027; "
        "not yet done OVERDUE (two still to answer)"
    ) in text
    assert "owner: Everyone; due: no date; open" in text
    assert "Tom to send the draft letter" not in text  # done
    assert "Decision" not in text and "transport" not in text
    everything = reflect_cli(agreed.config, "actions", "--all", "--meeting", "reflection").stdout
    assert "decision: Decision: meetings alternate" in everything
    assert "note: Good conversation about transport" in everything
    assert "done (sent on Monday)" in everything
    wrong = reflect_cli(agreed.config, "actions", "--meeting", "nope")
    assert wrong.returncode != 0 and "is not a meeting series" in wrong.stderr


def test_status_counts_open_and_overdue(agreed: Partnership) -> None:
    shown = reflect_cli(agreed.config, "status", "--now", "2027-02-24T09:00").stdout
    assert (
        "Actions agreed at meetings: 3 open (1 overdue), 1 done, 0 dropped; 1 decision(s)." in shown
    )


def test_report_shows_each_meeting_and_the_follow_through_rate(agreed: Partnership) -> None:
    out = agreed.dir / "report.html"
    result = reflect_cli(agreed.config, "report", "--out", str(out))
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert "What we agreed, and what became of it" in page
    assert "1 of 4\nactions agreed are done (25%)" in page
    rows = page.split("by the sector of the")[1].split("</table>")[0]
    assert "Local authority" in rows or "Council" in rows
    assert '<td class="num">2</td><td class="num">1</td><td class="num">50%</td>' in rows
    assert "No organisation named" in rows
    assert "Tom to send the draft letter by 29 January" in page and "sent on Monday" in page


def test_export_carries_decisions_and_actions(agreed: Partnership) -> None:
    data = json.loads(reflect_cli(agreed.config, "export", "--format", "json").stdout)
    actions = [r for r in data if r["kind"] == "action"]
    assert [(r["text"][:12], r["status"], r["due"]) for r in actions] == [
        ("Tom to send ", "done", "2027-01-29"),
        ("Aoife: map t", "not_yet", "2027-02-20"),
        ("Everyone to ", "open", ""),
        ("Tom to book ", "open", ""),
    ]
    assert {r["kind"] for r in data} == {"decision", "action", "meeting_note"}
    table = reflect_cli(agreed.config, "export", "--format", "csv").stdout.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(table)))
    assert rows[0]["kind"] == "decision" and rows[1]["organisation"] == "City Council"
    log = reflect_cli(agreed.config, "export", "--format", "md").stdout
    section = log.split("## What we agreed, and what became of it")[1]
    assert "- Decision: Decision: meetings alternate" in section
    assert "- Action (City Council): Tom to send the draft letter by 29 January, done" in section


def test_a_members_own_record_lists_their_actions(agreed: Partnership) -> None:
    record = json.loads(reflect_cli(agreed.config, "export", "--member", AOIFE).stdout)
    assert [(a["text"], a["status"]) for a in record["actions_they_own"]] == [
        ("Aoife: map the surgeries", "not_yet")
    ]


def test_forget_leaves_the_action_with_the_organisation(agreed: Partnership) -> None:
    result = reflect_cli(agreed.config, "forget", TOM)
    assert result.returncode == 0, result.stderr
    actions = [i for i in ActionStore(Archive(agreed.database)).items() if i.kind == "action"]
    toms = [i for i in actions if i.owner_organisation == "City Council"]
    assert [i.text for i in toms] == [
        "City Council to send the draft letter by 29 January",
        "City Council to book the hall",
    ]
    assert all(not i.owner_email and i.owner == "City Council" for i in toms)
    assert "Tom" not in reflect_cli(agreed.config, "actions", "--all").stdout


def test_a_late_correction_keeps_what_owners_said_of_unchanged_lines(agreed: Partnership) -> None:
    store = ActionStore(Archive(agreed.database))
    store.record_notes(inbound_id=None, request_key="k1", meeting_id="reflection",
                       occurrence=utc_text(JAN), note_taker="priya.shah@grapevine.example.org",
                       lines=[
        NewLine("action", "Tom to send the draft letter by 29 January", "Tom", TOM,
                "City Council", date(2027, 1, 29), "by 29 January"),
        NewLine("action", "Aoife: map all the surgeries", "Aoife", AOIFE),
    ], now=datetime(2027, 2, 17, 9, tzinfo=UTC))  # fmt: skip
    january = store.items(meeting_id="reflection", kinds=("action",))[:2]
    assert [(i.text, i.status, i.status_note) for i in january] == [
        ("Tom to send the draft letter by 29 January", "done", "sent on Monday"),
        ("Aoife: map all the surgeries", "open", ""),  # changed: asked about afresh
    ]
