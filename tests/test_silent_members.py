"""Who has not replied, to the convenor alone before each meeting, and ``reflect nudge``:
daily ticks through the real service, the outbox Maildir read back, the real command."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from support.member_mail import deliver, gmail_reply, received, text_of
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.cli.main import main

START = datetime(2027, 1, 5, 12, tzinfo=UTC)  # the questions for 12 January went at 10:00
TOM = "tom.okafor@council.example.gov.uk"
DEV = "dev.mistry@trust.example.nhs.uk"
AOIFE = "aoife.obrien@pcc.example.nhs.uk"
PRIYA = "priya.shah@grapevine.example.org"  # the convenor, and a member


async def tick(p: Partnership, now: datetime) -> None:
    services = build_services(p.config)
    try:
        await services.tick(now)
    finally:
        services.close()


def question_to(p: Partnership, email: str) -> EmailMessage:
    (prompt,) = [m for m in received(p, "prompt", email) if "Question" in str(m["Subject"])]
    return prompt


async def test_the_convenor_alone_hears_who_is_silent_once_per_meeting_and_can_nudge_once(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    p = partnership
    await tick(p, START)
    deliver(
        p,
        gmail_reply(question_to(p, TOM), TOM, "Tackling health inequality, together."),
        gmail_reply(question_to(p, DEV), DEV, "pause", n=2),
    )
    for hour in range(1, 24 * 7, 6):  # every six hours up to the meeting
        await tick(p, START + timedelta(hours=hour))

    (silent,) = received(p, "silent_members")
    assert silent["To"].addresses[0].addr_spec == PRIYA
    assert silent["Date"].datetime <= datetime(2027, 1, 10, 16, tzinfo=UTC)
    assert str(silent["Subject"]).startswith("2 not yet replied for the Reflection point")
    body = text_of(silent)
    listed = [line.strip() for line in body.splitlines() if line.strip().startswith("- ")]
    assert listed == [
        "- Aoife O’Brien (Willenhall Primary Care Centre)",
        "- Dev Mistry (Partnership Trust): paused",
        "- Priya Shah (Grapevine)",
    ]
    assert "reflect nudge reflection" in body and "http" not in body
    for member in (TOM, DEV, AOIFE):
        assert received(p, "silent_members", member) == []

    # the nudge: once, to those still silent (not Tom, who replied; not Dev, who paused)
    argv = ["--config", str(p.config), "nudge", "reflection", "--now", "2027-01-10T18:00"]
    assert await asyncio.to_thread(main, argv) == 0  # the command runs its own loop
    out = capsys.readouterr().out
    assert "Nudged 2 member(s) still silent" in out and "Tuesday 12 January 2027" in out
    assert f"not nudged: {DEV} (paused)" in out
    nudged = sorted(m["To"].addresses[0].addr_spec for m in received(p, "nudge"))
    assert nudged == [AOIFE, PRIYA]
    (to_aoife,) = received(p, "nudge", AOIFE)
    assert "Nothing more will follow" in text_of(to_aoife)
    assert await asyncio.to_thread(main, argv) == 1
    err = capsys.readouterr().err
    assert "was nudged already" in err and "nothing was sent" in err
    assert len(received(p, "nudge")) == 2

    # a reply to the nudge answers the question it follows
    deliver(p, gmail_reply(to_aoife, AOIFE, "To be heard by those who decide.", n=3))
    await tick(p, datetime(2027, 1, 10, 19, tzinfo=UTC))
    services = build_services(p.config)
    texts = [r["text"] for r in services.archive.rows("SELECT text FROM answers")]
    services.close()
    assert "To be heard by those who decide." in texts


def test_nudge_names_a_meeting_that_is_not_there(
    partnership: Partnership, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(partnership.config), "nudge", "reflexion"]) == 1
    err = capsys.readouterr().err
    assert 'no meeting "reflexion"' in err and "reflection, governance-review" in err
