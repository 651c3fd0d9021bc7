"""Members' own requests by reply (pause, resume, skip, away until, stop), through the
real service: ticks over simulated days, the outbox Maildir read back, a real archive."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from support.member_mail import deliver, gmail_reply, iphone_reply, outlook_reply, received, text_of
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.inbound.controls import first_line_word
from scheduler.reports.status import status_text

START = datetime(2027, 1, 5, 12, tzinfo=UTC)  # the questions for 12 January went at 10:00
TOM = "tom.okafor@council.example.gov.uk"
DEV = "dev.mistry@trust.example.nhs.uk"
AOIFE = "aoife.obrien@pcc.example.nhs.uk"
PRIYA = "priya.shah@grapevine.example.org"  # the convenor, and a member


async def tick(p: Partnership, now: datetime) -> dict[str, int]:
    services = build_services(p.config)
    try:
        report = await services.tick(now)
    finally:
        services.close()
    return report.ingested


async def days(p: Partnership, start: datetime, count: int) -> None:
    for n in range(count):
        await tick(p, start + timedelta(days=n))


def status(p: Partnership, now: datetime) -> str:
    services = build_services(p.config)
    try:
        return status_text(services.config, services.archive, now)
    finally:
        services.close()


def answers_of(p: Partnership, email: str) -> list[str]:
    services = build_services(p.config)
    try:
        return [
            row["text"]
            for row in services.archive.rows(
                "SELECT a.text FROM answers a JOIN members m ON m.id = a.member_id "
                "WHERE m.email = ?",
                (email,),
            )
        ]
    finally:
        services.close()


async def test_pause_from_gmail_then_resume_from_outlook(partnership: Partnership) -> None:
    p = partnership
    await tick(p, START)
    (prompt,) = [m for m in received(p, "prompt", TOM) if "Question" in str(m["Subject"])]
    deliver(p, gmail_reply(prompt, "Tom Okafor <tom.okafor@council.example.gov.uk>", "Pause"))
    assert await tick(p, START + timedelta(hours=1)) == {"request": 1}
    (confirm,) = received(p, "request_confirm", TOM)
    assert str(confirm["Subject"]).startswith('Paused: no questions until you reply "resume"')
    body = text_of(confirm)
    assert 'until you reply "resume"' in body and "Calendar invitations" in body
    assert "http" not in body and "http" not in str(confirm.get_body(("html",)))
    assert answers_of(p, TOM) == []  # the word is a request, never an answer
    assert f"Tom Okafor <{TOM}>: paused (since 05 Jan 2027)" in status(p, START)

    # a week of days: the others are reminded, Tom is not; a moved meeting still reaches him
    await days(p, START + timedelta(days=1), 4)
    reminded = {m["To"].addresses[0].addr_spec for m in received(p, "reminder")}
    assert AOIFE in reminded and TOM not in reminded
    invites_before = len(received(p, "invite", TOM))
    p.config.write_text(
        p.config.read_text().replace(
            'location = "Willenhall Community Hub, or online"', 'location = "The Library"'
        )
    )
    await tick(p, START + timedelta(days=5))
    assert len(received(p, "invite", TOM)) == invites_before + 1  # calendar updates still go

    # Tom replies "resume" to the confirmation (no reply token: its keyed Message-ID proves it)
    deliver(p, outlook_reply(confirm, TOM, "resume"))
    assert await tick(p, START + timedelta(days=5, hours=1)) == {"request": 1}
    (_, welcome) = received(p, "request_confirm", TOM)
    assert str(welcome["Subject"]).startswith("Welcome back")
    assert "paused" not in status(p, START + timedelta(days=5, hours=1)).split("requests:")[1]
    # the next cycle's questions (for 23 February, out on the 16th) reach him again
    await tick(p, datetime(2027, 2, 16, 12, tzinfo=UTC))
    assert any("23 Feb" in str(m["Subject"]) for m in received(p, "prompt", TOM))


async def test_skip_from_an_iphone_leaves_out_only_this_cycle(partnership: Partnership) -> None:
    p = partnership
    await tick(p, START)
    (prompt,) = [m for m in received(p, "prompt", AOIFE) if "Question" in str(m["Subject"])]
    deliver(p, iphone_reply(prompt, AOIFE, "Skip."))
    assert await tick(p, START + timedelta(hours=1)) == {"request": 1}
    (confirm,) = received(p, "request_confirm", AOIFE)
    assert "for the Reflection point on Tue 12 Jan" in text_of(confirm)
    assert "skipping the Reflection point of 12 Jan 2027" in status(p, START + timedelta(hours=1))
    await days(p, START + timedelta(days=1), 6)
    assert received(p, "reminder", AOIFE) == [] and received(p, "reminder", TOM) != []
    await tick(p, datetime(2027, 2, 16, 12, tzinfo=UTC))
    assert any("23 Feb" in str(m["Subject"]) for m in received(p, "prompt", AOIFE))


async def test_away_until_a_date_holds_questions_until_then(partnership: Partnership) -> None:
    p = partnership
    await tick(p, START)
    (pack,) = received(p, "induction", DEV)
    deliver(p, outlook_reply(pack, f"Dev Mistry <{DEV}>", "Away until 1 March"))
    assert await tick(p, START + timedelta(hours=1)) == {"request": 1}
    (confirm,) = received(p, "request_confirm", DEV)
    assert "until 1 March 2027" in text_of(confirm)
    assert received(p, "forward") == []  # a request, not a reply passed on to the convenor
    assert f"Dev Mistry <{DEV}>: away until 1 March 2027" in status(p, START)
    # every day to the end of February: no question (23 Feb), no checklist (2 March review)
    await days(p, datetime(2027, 2, 14, 12, tzinfo=UTC), 14)
    prompts = received(p, "prompt", DEV)
    assert not any("23 Feb" in str(m["Subject"]) for m in prompts)
    assert not any(
        "2 Mar" in str(m["Subject"]) or "Checklist" in str(m["Subject"]) for m in prompts
    )
    assert any("23 Feb" in str(m["Subject"]) for m in received(p, "prompt", TOM))
    # back on 1 March: the checklist for the review still to come reaches him then
    await tick(p, datetime(2027, 3, 1, 12, tzinfo=UTC))
    late = [
        m
        for m in received(p, "prompt", DEV)
        if m["Date"].datetime.date().isoformat() == "2027-03-01"
    ]
    assert late, "the review's checklist goes once he is back"


async def test_stop_tells_the_convenor_and_asks_for_the_handover_at_once(
    partnership: Partnership,
) -> None:
    p = partnership
    await tick(p, START)
    (prompt,) = [m for m in received(p, "prompt", DEV) if "Question" in str(m["Subject"])]
    deliver(p, gmail_reply(prompt, DEV, "STOP"))
    assert await tick(p, START + timedelta(hours=1)) == {"request": 1}
    (notice,) = received(p, "stop_notice", PRIYA)
    assert 'Dev Mistry (Partnership Trust) replied "stop"' in text_of(notice)
    assert 'the "left" column' in text_of(notice) and DEV in text_of(notice)
    assert len(received(p, "handover", DEV)) == 1
    assert received(p, "stop_notice", DEV) == []
    assert "asked to stop" in status(p, START + timedelta(hours=1))
    await days(p, START + timedelta(days=1), 6)
    assert received(p, "reminder", DEV) == []
    # the convenor records the leaving: no second handover request
    p.write_members(
        p.members.read_text().replace(
            "Mental health lead,2026-09-01,", "Mental health lead,2026-09-01,2027-01-12"
        )
    )
    await days(p, datetime(2027, 1, 13, 12, tzinfo=UTC), 3)
    assert len(received(p, "handover", DEV)) == 1
    assert len(received(p, "leaver_notice", PRIYA)) == 1


async def test_a_stranger_cannot_pause_a_member(partnership: Partnership) -> None:
    p = partnership
    await tick(p, START)
    (prompt,) = [m for m in received(p, "prompt", TOM) if "Question" in str(m["Subject"])]
    forged_from = (
        f"From: Tom Okafor <{TOM}>\r\nTo: reflect@reflect.example.org\r\nSubject: Re: questions\r\n"
        "Message-ID: <forged-1@evil.example>\r\nContent-Type: text/plain\r\n\r\npause\r\n"
    ).encode()
    thread_guess = (
        f"From: {TOM}\r\nTo: reflect@reflect.example.org\r\nSubject: Re: questions\r\n"
        "In-Reply-To: <0123456789abcdef0123456789abcdef@reflect.example.org>\r\n"
        "Message-ID: <forged-2@evil.example>\r\nContent-Type: text/plain\r\n\r\npause\r\n"
    ).encode()
    forwarded = gmail_reply(prompt, "mallory@evil.example", "pause", n=3)
    deliver(p, forged_from, thread_guess, forwarded)
    assert await tick(p, START + timedelta(hours=1)) == {"quarantined": 3}
    assert received(p, "request_confirm") == []
    assert "Members' own requests:\n  none" in status(p, START + timedelta(hours=1))
    await days(p, START + timedelta(days=1), 4)
    assert len(received(p, "reminder", TOM)) == 1  # Tom was never paused


@pytest.mark.parametrize(
    ("first_line", "expected"),
    [
        ("Pause", ("pause", None)),
        ("  pause.  ", ("pause", None)),
        ("RESUME!", ("resume", None)),
        ("\u200bSkip", ("skip", None)),
        ('"stop"', ("stop", None)),
        ("away until 2027-03-01", ("away", date(2027, 3, 1))),
        ("Away till 1 March", ("away", date(2027, 3, 1))),
        ("away until 1/3/2027", ("away", date(2027, 3, 1))),  # day first, as in the UK
        ("away until Friday", ("away", date(2027, 1, 8))),
        ("Pause the project, please", None),
        ("I am away until March", None),
        ("Stop and think: who is missing?", None),
        ("Hi Priya,\n\npause\n\nThanks,\nKwame", ("pause", None)),  # a greeting above it
        ("Hello all\nstop", ("stop", None)),
        ("Hi Priya,\nI will pause the project.", None),
    ],
)
def test_the_word_on_the_first_line(first_line: str, expected: object) -> None:
    text = f"\r\n{first_line}\r\n\r\nOn Tue, 5 Jan 2027 someone wrote:\r\n> pause\r\n"
    assert first_line_word(text, date(2027, 1, 5)) == expected  # a Tuesday


@pytest.mark.parametrize("when", ["whenever", "2020-01-01", "2031-01-01"])
def test_an_away_date_that_cannot_be_right_is_refused(when: str) -> None:
    found = first_line_word(f"away until {when}", date(2027, 1, 5))
    assert isinstance(found, str) and f"away until {when}" in found


async def test_an_unreadable_away_is_held_with_its_reason(partnership: Partnership) -> None:
    p = partnership
    await tick(p, START)
    (pack,) = received(p, "induction", TOM)
    deliver(p, gmail_reply(pack, TOM, "away until whenever"))
    assert await tick(p, START + timedelta(hours=1)) == {"quarantined": 1}
    assert received(p, "request_confirm") == []
    services = build_services(p.config)
    (reason,) = [r["reason"] for r in services.archive.rows("SELECT reason FROM inbound")]
    services.close()
    assert "not a date we could read" in reason


async def test_a_skip_between_cycles_is_for_the_next_one(partnership: Partnership) -> None:
    p = partnership
    await tick(p, START)
    (pack,) = received(p, "induction", TOM)
    deliver(p, gmail_reply(pack, TOM, "skip"))
    await tick(p, datetime(2027, 1, 20, 12, tzinfo=UTC))  # after the 12 January meeting
    (confirm,) = received(p, "request_confirm", TOM)
    assert "for the next meeting's questions" in text_of(confirm)
    await tick(p, datetime(2027, 2, 16, 12, tzinfo=UTC))
    assert not any("23 Feb" in str(m["Subject"]) for m in received(p, "prompt", TOM))
    assert any("23 Feb" in str(m["Subject"]) for m in received(p, "prompt", AOIFE))
    await tick(p, datetime(2027, 3, 30, 12, tzinfo=UTC))
    assert any("6 Apr" in str(m["Subject"]) for m in received(p, "prompt", TOM))


async def test_a_paused_member_is_suggested_no_conversations(partnership: Partnership) -> None:
    p = partnership
    p.config.write_text(
        p.config.read_text().replace("relationship_weeks = 0", "relationship_weeks = 6")
    )
    await tick(p, START)
    (pack,) = received(p, "induction", TOM)
    deliver(p, outlook_reply(pack, TOM, "pause"))
    await tick(p, START + timedelta(hours=1))
    before = len(received(p, "conversation", TOM))
    await days(p, START + timedelta(days=1), 28)
    assert len(received(p, "conversation", TOM)) == before
    others = received(p, "conversation", AOIFE)
    assert any(m["Date"].datetime > START + timedelta(days=7) for m in others)
