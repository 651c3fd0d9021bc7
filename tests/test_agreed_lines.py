"""Reading a note-taker's lines (``replies.agreed``) and an owner's verdict, without mail:
kinds, owners, due dates counted from the meeting in its own zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.inbound.agreed_replies import read_verdict, read_verdicts
from scheduler.replies.agreed import Directory, Person, read_agreed

PEOPLE = Directory((
    Person("tom@c.example", "Tom Okafor", "City Council"),
    Person("sam@c.example", "Sam Okafor", "City Council"),
    Person("grace@f.example", "Grace Adeyemi", "Willenhall Food Bank"),
    Person("peter@t.example", "Dr Peter Lam", "Partnership Trust", "Peter"),
    Person("nia@t.example", "Nia Evans", "Partnership Trust"),
))  # fmt: skip
MEETING = datetime(2027, 2, 23, 10, 0, tzinfo=ZoneInfo("Europe/London"))  # a Tuesday


def one(line: str, **kw: object) -> tuple[str, str, date | None]:
    (found,) = read_agreed(line, PEOPLE, meeting_start=MEETING, **kw)  # type: ignore[arg-type]
    return found.kind, found.owner_email or found.owner_organisation or found.owner_text, found.due


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Grace to phone the three surgeries by 5 March",
            ("action", "grace@f.example", date(2027, 3, 5)),
        ),
        (
            "Peter will bring the waiting times to the April board",
            ("action", "peter@t.example", None),
        ),
        (
            "Dr Lam to share the audit before Friday",
            ("action", "peter@t.example", date(2027, 2, 26)),
        ),
        ("Nia: set up the shared drive this week", ("action", "nia@t.example", date(2027, 2, 23))),
        ("Invite the youth forum to June's meeting (Grace)", ("action", "grace@f.example", None)),
        ("Okafor to follow up", ("action", "Okafor", None)),  # two Okafors: kept as written
        (
            "The food bank to share referral numbers in a fortnight",
            ("action", "Willenhall Food Bank", date(2027, 3, 9)),
        ),
        (
            "Council colleagues to check the bus routes by end of March",
            ("action", "City Council", date(2027, 3, 31)),
        ),
        ("Action: book the hall - Grace", ("action", "grace@f.example", None)),
        (
            "ACTION (Tom): ring the housing team by 03/03",
            ("action", "tom@c.example", date(2027, 3, 3)),
        ),
        (
            "Everyone to read the draft by the next meeting",
            ("action", "Everyone", date(2027, 4, 6)),
        ),
        ("Decision: the summer event is on a Saturday", ("decision", "", None)),
        ("We agreed to invite the pharmacy to join", ("decision", "", None)),
        ("From now on minutes go out within a week", ("decision", "", None)),
        ("A good session, lots of energy in the room", ("note", "", None)),
        ("Note: Tom to be away in March", ("note", "", None)),
    ],
)
def test_each_kind_of_line(line: str, expected: tuple[str, str, date | None]) -> None:
    assert one(line, next_meeting=date(2027, 4, 6)) == expected


def test_headings_give_their_lines_a_kind_and_greetings_are_not_kept() -> None:
    text = (
        "Hi Priya,\n\nDecisions:\n* minutes go to everyone, not just the board\n\n"
        "Next steps\n- chase the ICB about the estates money\n- lovely to see new faces\n"
        "Thanks,\nGrace"
    )
    found = read_agreed(text, PEOPLE, meeting_start=MEETING)
    assert [(f.kind, f.text) for f in found] == [
        ("decision", "minutes go to everyone, not just the board"),
        ("action", "chase the ICB about the estates money"),
        ("note", "lovely to see new faces"),
    ]


def test_relative_dates_count_from_the_meeting_in_its_own_zone() -> None:
    # 09:00 on 12 January in Auckland is 20:00 on the 11th in UTC: "tomorrow" is the 13th
    auckland = datetime(2027, 1, 12, 9, 0, tzinfo=ZoneInfo("Pacific/Auckland"))
    (found,) = read_agreed("Tom to send it tomorrow", PEOPLE, meeting_start=auckland)
    assert found.due == date(2027, 1, 13)
    (found,) = read_agreed("Tom to send it in two weeks", PEOPLE, meeting_start=auckland)
    assert found.due == date(2027, 1, 26) and found.due_text == "in two weeks"


def test_a_us_locale_reads_month_first() -> None:
    (uk,) = read_agreed("Tom to call by 3/4", PEOPLE, meeting_start=MEETING)
    (us,) = read_agreed("Tom to call by 3/4", PEOPLE, meeting_start=MEETING, locale="en-US")
    assert (uk.due, us.due) == (date(2027, 4, 3), date(2027, 3, 4))


def test_nothing_is_dropped_from_a_long_reply() -> None:
    text = "\n".join(f"Point {n} about the work" for n in range(250))
    found = read_agreed(text, PEOPLE, meeting_start=MEETING)
    assert sum(f.text.count("Point") for f in found) == 250


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Done", ("done", "")),
        ("done - sent it Monday", ("done", "sent it Monday")),
        ("Not yet. Waiting on the landlord", ("not_yet", "Waiting on the landlord")),
        ("not done yet", ("not_yet", "")),
        ("Drop: the funding went elsewhere", ("dropped", "the funding went elsewhere")),
        ("Completed last week", ("done", "last week")),
        ("I'm on it, should be finished soon", None),
        ("Donezo", None),
    ],
)
def test_an_owners_verdict(reply: str, expected: tuple[str, str] | None) -> None:
    assert read_verdict(reply) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Tom and Grace to write the joint bid", ("action", "tom@c.example", None)),
        (
            "Grace (food bank) to send the rota due: 12/3",
            ("action", "grace@f.example", date(2027, 3, 12)),
        ),
        ("Circulate the slides. Action: Nia", ("action", "nia@t.example", None)),
        (
            "Peter to pull the figures together in the next two weeks",
            ("action", "peter@t.example", date(2027, 3, 9)),
        ),
        ("Tom to book the hall by w/c 15 March", ("action", "tom@c.example", date(2027, 3, 15))),
        ("Tom to send it by email", ("action", "tom@c.example", None)),
        ("It was decided to pause the newsletter", ("decision", "", None)),
        ("Present: Tom, Grace, Nia", ("note", "", None)),
    ],
)
def test_more_ways_of_writing_a_line(line: str, expected: tuple[str, str, date | None]) -> None:
    assert one(line) == expected


def test_a_bold_heading_in_markdown() -> None:
    found = read_agreed("**Key decisions**\nno meeting in August", PEOPLE, meeting_start=MEETING)
    assert [(f.kind, f.text) for f in found] == [("decision", "no meeting in August")]


def test_a_table_pasted_from_the_minutes() -> None:
    text = (
        "Action | Owner | Due\n"
        "Book the hall for the open day | Grace | 14 March\n"
        "Write to the ICB\tPeter\tnext meeting\n"
        "Share the survey | Nia |\n"
    )
    found = read_agreed(text, PEOPLE, meeting_start=MEETING, next_meeting=date(2027, 4, 6))
    assert [(f.kind, f.text, f.owner_email, f.due) for f in found] == [
        ("action", "Book the hall for the open day", "grace@f.example", date(2027, 3, 14)),
        ("action", "Write to the ICB", "peter@t.example", date(2027, 4, 6)),
        ("action", "Share the survey", "nia@t.example", None),
    ]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("done", {1: ("done", ""), 2: ("done", ""), 3: ("done", "")}),
        (
            "1 done\n3. drop - no longer needed",
            {1: ("done", ""), 3: ("dropped", "no longer needed")},
        ),
        ("1 done, 2 not yet", {1: ("done", ""), 2: ("not_yet", "")}),
        ("#2: not yet, next week", {2: ("not_yet", "next week")}),
        ("4 done", {}),  # there is no fourth
        ("Working on them all", {}),
    ],
)
def test_an_owners_verdicts_on_several_actions(
    reply: str, expected: dict[int, tuple[str, str]]
) -> None:
    assert read_verdicts(reply, 3) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Nia - set up the shared inbox to go live soon", ("action", "nia@t.example", None)),
        (
            "Grace to book the van for the May fair by 2 April",
            ("action", "grace@f.example", date(2027, 4, 2)),
        ),
        (
            "Tom to present the figures at the next meeting",
            ("action", "tom@c.example", date(2027, 4, 6)),
        ),
        (
            "phone the landlord (Grace) before Thursday",
            ("action", "grace@f.example", date(2027, 2, 25)),
        ),
        ("Tom to meet the head teacher at school", ("action", "tom@c.example", None)),
    ],
)
def test_the_owner_and_the_date_the_line_means(
    line: str, expected: tuple[str, str, date | None]
) -> None:
    assert one(line, next_meeting=date(2027, 4, 6)) == expected


def test_a_short_line_ending_in_a_colon_introduces_what_follows() -> None:
    text = "Here is what we decided:\nno meeting in August\nand the follow-ups:\nchase the ICB"
    found = read_agreed(text, PEOPLE, meeting_start=MEETING)
    assert [(f.kind, f.text) for f in found] == [
        ("decision", "no meeting in August"),
        ("action", "chase the ICB"),
    ]
