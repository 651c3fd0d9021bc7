"""A ``left`` date written ahead of time: the handover is asked at once, and nothing is
sent for meetings after the last day; a backdated one still asks once. Through the
real service, ticking over simulated days, the outbox Maildir read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from support.member_mail import received, text_of
from support.partnership import MEMBERS_CSV, Partnership

from scheduler.app.services import build_services
from scheduler.reports.status import status_text

TOM = "tom.okafor@council.example.gov.uk"
DEV = "dev.mistry@trust.example.nhs.uk"
AOIFE = "aoife.obrien@pcc.example.nhs.uk"
PRIYA = "priya.shah@grapevine.example.org"
ONE_OFFS = """
[[meeting]]
id = "walkabout"
kind = "relationship"
title = "Neighbourhood walkabout"
first = 2027-02-15T10:00:00
duration_minutes = 120

[[meeting]]
id = "away-day"
kind = "relationship"
title = "Away day"
first = 2027-03-10T10:00:00
duration_minutes = 240
"""


async def tick(p: Partnership, now: datetime) -> None:
    services = build_services(p.config)
    try:
        await services.tick(now)
    finally:
        services.close()


def leaving(who: str, on: str) -> str:
    line = next(line for line in MEMBERS_CSV.splitlines() if who in line)
    return MEMBERS_CSV.replace(line, line + on)


async def test_a_last_day_written_ahead_asks_for_the_handover_at_once(
    partnership: Partnership,
) -> None:
    p = partnership
    p.write_members(leaving(DEV, "2027-02-20"))  # a Saturday, before the 23 Feb meeting
    start = datetime(2027, 1, 5, 12, tzinfo=UTC)
    await tick(p, start)
    (asked,) = received(p, "handover", DEV)
    assert asked["Date"].datetime == start  # at once, not on the last day
    assert "leave a short note" in text_of(asked)
    services = build_services(p.config)
    assert f"Dev Mistry <{DEV}>: leaving, last day 20 Feb 2027" in status_text(
        services.config, services.archive, start
    )
    services.close()
    for n in range(1, 7):  # a first day's mail is paced: the question may come a day on
        await tick(p, start + timedelta(days=n))
    assert any("12 Jan" in str(m["Subject"]) for m in received(p, "prompt", DEV))

    p.config.write_text(p.config.read_text() + ONE_OFFS)  # two meetings added on 1 February
    day = datetime(2027, 2, 1, 12, tzinfo=UTC)
    while day < datetime(2027, 2, 26, tzinfo=UTC):
        await tick(p, day)
        day += timedelta(days=1)
    assert len(received(p, "handover", DEV)) == 1  # and not again on the last day
    # no question for the meeting after his last day; the others have theirs
    assert not any("23 Feb" in str(m["Subject"]) for m in received(p, "prompt", DEV))
    assert any("23 Feb" in str(m["Subject"]) for m in received(p, "prompt", TOM))
    # invited to the walkabout before his last day, not to the away day after it
    titles = [str(m["Subject"]) for m in received(p, "invite", DEV)]
    assert any("walkabout" in t for t in titles) and not any("Away day" in t for t in titles)
    assert any("Away day" in str(m["Subject"]) for m in received(p, "invite", AOIFE))
    (notice,) = received(p, "leaver_notice", PRIYA)
    assert "left Willenhall Together on 20 February 2027" in text_of(notice)


async def test_a_backdated_last_day_asks_once_and_stops_the_questions(
    partnership: Partnership,
) -> None:
    p = partnership
    for n in range(15):  # the first fortnight: every invitation reaches him, paced
        await tick(p, datetime(2027, 1, 5, 12, tzinfo=UTC) + timedelta(days=n))
    assert received(p, "invite", TOM) != []
    p.write_members(leaving(TOM, "2027-01-15"))  # written on the 20th, after the fact
    day = datetime(2027, 1, 20, 12, tzinfo=UTC)
    while day < datetime(2027, 2, 18, tzinfo=UTC):
        await tick(p, day)
        day += timedelta(days=1)
    (asked,) = received(p, "handover", TOM)
    assert asked["Date"].datetime == datetime(2027, 1, 20, 12, tzinfo=UTC)
    assert len(received(p, "leaver_notice", PRIYA)) == 1
    assert not any("23 Feb" in str(m["Subject"]) for m in received(p, "prompt", TOM))
    assert received(p, "cancel", TOM) != []
