"""A tick end to end on disk: membership sync, planning, the outbox and Maildir delivery."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from support.outbox import delivered
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.clock import FixedClock

LONDON = ZoneInfo("Europe/London")


async def run_days(p: Partnership, start: datetime, days: int, step_hours: int = 24) -> None:
    services = build_services(p.config)
    clock = FixedClock(start)
    try:
        for _ in range(days * 24 // step_hours):
            await services.tick(clock.now())
            clock.advance(hours=step_hours)
    finally:
        services.close()


async def test_a_second_tick_at_the_same_moment_sends_nothing(partnership: Partnership) -> None:
    services = build_services(partnership.config)
    now = datetime(2026, 11, 22, 9, tzinfo=UTC)
    first = await services.tick(now)
    second = await services.tick(now)
    assert first.joined == 4 and first.sent == first.queued > 0
    assert (second.queued, second.sent, second.joined) == (0, 0, 0)
    # each member, on the first day: an induction pack and a getting-to-know-you prompt
    kinds = Counter(str(m["X-Reflect-Kind"]) for m in delivered(partnership.outbox))
    assert kinds == {"induction": 4, "prompt": 4}
    # then the two series invitations, one a day (plan/pacing.py)
    for day in (1, 2):
        await services.tick(now + timedelta(days=day))
        again = await services.tick(now + timedelta(days=day))
        assert again.queued == 0
        kinds = Counter(str(m["X-Reflect-Kind"]) for m in delivered(partnership.outbox))
        assert kinds == {"induction": 4, "prompt": 4, "invite": 4 * day}
    services.close()


async def test_message_headers_are_what_a_member_sees(partnership: Partnership) -> None:
    services = build_services(partnership.config)
    await services.tick(datetime(2026, 11, 22, 9, tzinfo=UTC))
    services.close()
    prompts = [m for m in delivered(partnership.outbox) if str(m["X-Reflect-Kind"]) == "prompt"]
    aoife = next(m for m in prompts if "aoife" in str(m["To"]))
    assert str(aoife["To"]) == "Aoife O’Brien <aoife.obrien@pcc.example.nhs.uk>"
    assert str(aoife["From"]) == "Willenhall Together <reflect@reflect.example.org>"
    reply_to = aoife["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("reflect+") and len(reply_to.split("+")[1].split("@")[0]) == 32
    assert str(aoife["Auto-Submitted"]) == "auto-generated"
    text = aoife.get_body(("plain",)).get_content()
    html = aoife.get_body(("html",)).get_content()
    # the inbox preview shows a greeting by first name and a sentence, not the marker
    first, second = [line for line in text.splitlines() if line.strip()][:2]
    assert first == "Dear Aoife,"
    assert second.startswith("To help us get to know you, here is a first question.")
    assert "## Please reply above this line ##" in text
    assert text.index("## Please reply above this line ##") > text.index(second)
    assert "What brings you to this work, personally?" in text
    assert "Dear Aoife," in html and "O’Brien" not in html.split('<p class="marker">')[0]
    assert html.index("Dear Aoife") < html.index('<p class="marker">')


async def test_months_of_prompts_reminders_and_the_checklist(partnership: Partnership) -> None:
    await run_days(partnership, datetime(2026, 11, 22, 9, tzinfo=UTC), days=160, step_hours=6)
    messages = delivered(partnership.outbox)
    prompts = [m for m in messages if str(m["X-Reflect-Kind"]) == "prompt"]
    subjects = Counter(str(m["Subject"]) for m in prompts)
    # Reflection points on 12 Jan, 23 Feb and 6 Apr 2027 take questions 1, 2 and 3 in turn
    assert (
        subjects[
            "Question 1 for Tue 12 Jan: What is the purpose of the partnership's work? [Willenhall Together]"
        ]
        == 4
    )
    assert (
        subjects[
            "Question 2 for Tue 23 Feb: What is the distinctive role of this partnership? [Willenhall Together]"
        ]
        == 4
    )
    assert (
        subjects[
            "Question 3 for Tue 6 Apr: Who are the partnership's members and stakeholders? [Willenhall Together]"
        ]
        == 4
    )
    # the governance review on 2 March 2027: the six checklist areas as one email's
    # numbered parts, in the checklist's own order, Relationships first
    from scheduler.inputs.content import load_bundled_content

    checklist = [s for s in subjects if "the partnership checklist" in s]
    assert checklist == [
        "For Tue 2 Mar: the partnership checklist, 6 short parts [Willenhall Together]"
    ]
    assert subjects[checklist[0]] == 4
    one = next(m for m in prompts if str(m["Subject"]) == checklist[0])
    body = one.get_body(("plain",)).get_content()
    areas = load_bundled_content().checklist
    headings = [line for line in body.splitlines() if line[:1].isdigit() and ". " in line]
    assert headings == [f"{n}. {area.title}" for n, area in enumerate(areas, start=1)]
    for area in areas:
        for question in area.questions:
            assert f"  - {question}" in body
    assert "Answer any or all of them in one reply" in body.split("## Please reply")[0]
    # prompts for the 12 January meeting went a week before, at the first tick after 10:00
    first = [m for m in prompts if "Question 1" in str(m["Subject"])]
    assert {m["Date"].datetime.date().isoformat() for m in first} == {"2027-01-05"}
    # nobody answered: one reminder for each question, and one for the whole checklist
    # (listing its six parts by their numbers), never at a weekend
    sent_reminders = [m for m in messages if str(m["X-Reflect-Kind"]) == "reminder"]
    reminders = Counter(str(m["To"]) for m in sent_reminders)
    assert set(reminders.values()) == {3 + 1}
    for msg in sent_reminders:
        assert msg["Date"].datetime.astimezone(LONDON).weekday() < 5, msg["Date"]
    (checklist_reminder, *_) = [m for m in sent_reminders if "checklist" in str(m["Subject"])]
    text = checklist_reminder.get_body(("plain",)).get_content()
    assert "the only reminder you will get for the checklist" in text.split("## Please")[0]
    assert [line for line in text.splitlines() if line[:1].isdigit() and ". " in line] == [
        f"{n}. {area.title}" for n, area in enumerate(areas, start=1)
    ]
    reminder = next(m for m in messages if str(m["X-Reflect-Kind"]) == "reminder")
    original = next(m for m in prompts if str(m["Message-ID"]) == str(reminder["In-Reply-To"]))
    assert original["Reply-To"].addresses[0] == reminder["Reply-To"].addresses[0]


async def test_the_april_meeting_is_at_ten_in_summer_time(partnership: Partnership) -> None:
    await run_days(partnership, datetime(2027, 3, 29, 9, tzinfo=UTC), days=2)
    prompts = [m for m in delivered(partnership.outbox) if "Question" in str(m["Subject"])]
    assert prompts, "the prompt for 6 April is due on 30 March"
    text = prompts[0].get_body(("plain",)).get_content()
    assert "Tuesday 6 April 2027 at 10:00" in text


async def test_joiners_and_leavers_over_time(partnership: Partnership) -> None:
    start = datetime(2026, 11, 22, 9, tzinfo=UTC)
    services = build_services(partnership.config)
    clock = FixedClock(start)
    for _ in range(3):  # the founders' welcome, and their invitations one a day
        await services.tick(clock.now())
        clock.advance(days=1)
    settled = len(delivered(partnership.outbox))
    assert settled == 16
    partnership.members.write_text(
        partnership.members.read_text()
        + "Grace Adeyemi,grace@foodbank.example.org,Food Bank,vcse,Coordinator,2026-12-01,\n"
    )
    lines = partnership.members.read_text().splitlines()
    partnership.members.write_text(
        "\n".join(line for line in lines if "dev.mistry" not in line) + "\n"
    )
    for _ in range(12):
        await services.tick(clock.now())
        clock.advance(days=1)
    services.close()
    messages = delivered(partnership.outbox)
    to_grace = [str(m["X-Reflect-Kind"]) for m in messages if "grace@" in str(m["To"])]
    assert Counter(to_grace) == {"induction": 1, "prompt": 1, "invite": 2}
    to_dev = [str(m["X-Reflect-Kind"]) for m in messages[settled:] if "dev.mistry" in str(m["To"])]
    assert Counter(to_dev) == {"cancel": 2, "handover": 1}
    notice = [m for m in messages if str(m["X-Reflect-Kind"]) == "leaver_notice"]
    assert (
        len(notice) == 1 and str(notice[0]["Subject"]) == "Dev Mistry has left Willenhall Together"
    )
    grace_day = min(m["Date"].datetime for m in messages if "grace@" in str(m["To"]))
    assert grace_day.date().isoformat() == "2026-12-01"


async def test_a_broken_membership_file_changes_nobody(partnership: Partnership) -> None:
    await run_days(partnership, datetime(2026, 11, 22, 9, tzinfo=UTC), days=3)  # all sent
    services = build_services(partnership.config)
    partnership.members.write_text("name,email\nbroken\n")
    report = await services.tick(datetime(2026, 11, 25, 9, tzinfo=UTC))
    services.close()
    assert report.left == 0 and report.queued == 0
    assert report.problems and "membership not synced" in report.problems[0]


def test_time_moves_only_when_told() -> None:
    clock = FixedClock(datetime(2027, 1, 1, tzinfo=UTC))
    assert clock.advance(days=42) == datetime(2027, 2, 12, tzinfo=UTC)
    assert clock.now() - timedelta(days=42) == datetime(2027, 1, 1, tzinfo=UTC)


async def test_renaming_the_partnership_sends_nothing_again(partnership: Partnership) -> None:
    # welcomes, questions and the invitations (one a day) out
    await run_days(partnership, datetime(2027, 1, 3, 10, tzinfo=UTC), days=3)
    before = delivered(partnership.outbox)
    uids = {
        line for msg in before for line in msg.as_string().splitlines() if line.startswith("UID:")
    }
    text = partnership.config.read_text()
    partnership.write_config(
        text.replace('name = "Willenhall Together"', 'name = "Willenhall & Bentley Together"')
        .replace("reflect@reflect.example.org", "reflect@mail.bentley.example")
        .replace("reflect+{token}@reflect.example.org", "reflect+{token}@mail.bentley.example")
    )
    await run_days(partnership, datetime(2027, 1, 5, 11, tzinfo=UTC), days=1)
    after = delivered(partnership.outbox)
    assert len(after) == len(before), "nothing is sent twice after a rename"
    # the next meeting's messages carry the new name, and the calendar entries they update
    # keep the UIDs members hold
    await run_days(partnership, datetime(2027, 2, 16, 10, tzinfo=UTC), days=1)
    seen = {str(m["Message-ID"]) for m in after}
    later = [m for m in delivered(partnership.outbox) if str(m["Message-ID"]) not in seen]
    assert later
    for msg in later:
        assert "reflect@mail.bentley.example" in str(msg["From"])
        body = msg.get_body(("plain",))
        assert body is not None and "Willenhall & Bentley Together" in body.get_content()
    services = build_services(partnership.config)
    assert services.config.partnership.name == "Willenhall & Bentley Together"
    from scheduler.compose.calendar_mail import series_uid

    assert f"UID:{series_uid(services.config, 'reflection')}" in uids
    services.close()


async def test_a_reminder_due_at_the_weekend_waits_for_monday(partnership: Partnership) -> None:
    # a Thursday meeting: its question goes on Thursday 7 January, three days on is a Sunday
    partnership.write_config(
        partnership.config.read_text().replace(
            "first = 2027-01-12T10:00:00", "first = 2027-01-14T10:00:00"
        )
    )
    await run_days(partnership, datetime(2027, 1, 6, 9, tzinfo=UTC), days=7, step_hours=6)
    reminders = [m for m in delivered(partnership.outbox) if str(m["X-Reflect-Kind"]) == "reminder"]
    assert len(reminders) == 4  # one for each member
    days = {m["Date"].datetime.astimezone(LONDON) for m in reminders}
    assert {(d.date().isoformat(), d.weekday(), d.hour >= 9) for d in days} == {
        ("2027-01-11", 0, True)
    }
