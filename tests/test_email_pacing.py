"""The email budget (issue 16, item 1), through the real tick over simulated months.

Four founders start a partnership on Monday 23 November 2026 with four relationship
weeks; a newcomer is added to the spreadsheet on Monday 18 January 2027. The tick runs
every six hours until mid-April; everyone but Dev answers each question at the next
tick (Dev never does, so he is reminded). The outbox Maildir is parsed and counted by
day in Europe/London: at most two emails to a member on a day, three on their first;
every question there before the digest gathers its meeting's answers; nothing lost.
"""

from __future__ import annotations

import mailbox
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from support.partnership import MEMBERS_CSV, Partnership

from scheduler.app.services import build_services
from scheduler.archive.state import load_state
from scheduler.demo.replies import compose_reply
from scheduler.plan.intents import Conversation, Intent
from scheduler.plan.pacing import pace
from scheduler.vocabulary import MessageKind

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 11, 23, 9, tzinfo=UTC)
END = datetime(2027, 4, 12, 9, tzinfo=UTC)
JOINS = datetime(2027, 1, 18, 9, tzinfo=UTC)
SAM = "sam.lee@housing.example.org"
DEV = "dev.mistry@trust.example.nhs.uk"
NEWCOMER = f"Sam Lee,{SAM},Willenhall Housing,vcse,Tenancy lead,2027-01-18,\n"
FOUNDERS = [
    "priya.shah@grapevine.example.org",
    "tom.okafor@council.example.gov.uk",
    "aoife.obrien@pcc.example.nhs.uk",
    DEV,
]


def local_day(msg: EmailMessage) -> date:
    return msg["Date"].datetime.astimezone(LONDON).date()


def to(msg: EmailMessage) -> str:
    return msg["To"].addresses[0].addr_spec


def kind(msg: EmailMessage) -> str:
    return str(msg["X-Reflect-Kind"])


async def simulate(p: Partnership) -> tuple[list[EmailMessage], dict[str, datetime]]:
    """Every email the members got, and each question's meeting (by Message-ID)."""
    p.write_config(p.config.read_text().replace("relationship_weeks = 0", "relationship_weeks = 4"))
    p.write_members(MEMBERS_CSV)
    p.outbox.parent.mkdir(parents=True, exist_ok=True)
    outbox = mailbox.Maildir(p.outbox, create=True)
    inbox = mailbox.Maildir(p.inbox, create=True)
    seen: set[str] = set()
    got: list[EmailMessage] = []
    now, turn = START, 0
    with build_services(p.config) as services:
        while now < END:
            if now == JOINS:
                p.write_members(MEMBERS_CSV + NEWCOMER)
            await services.tick(now)
            for key in outbox.iterkeys():
                if key in seen:
                    continue
                seen.add(key)
                msg = message_from_bytes(outbox.get_bytes(key), policy=policy.default)
                assert isinstance(msg, EmailMessage)
                got.append(msg)
                if kind(msg) == "prompt" and to(msg) != DEV:
                    turn += 1
                    reply = compose_reply(
                        style="gmail", prompt=msg, name=msg["To"].addresses[0].display_name,
                        address=to(msg), words=f"Our answer, number {turn}.", seed=turn,
                    )  # fmt: skip
                    inbox.add(reply)
            now += timedelta(hours=6)
        meetings = {
            row["message_id"]: datetime.fromisoformat(row["occurrence"])
            for row in services.archive.rows(
                "SELECT message_id, occurrence FROM outbox "
                "WHERE kind = 'prompt' AND occurrence IS NOT NULL"
            )
        }
    return got, meetings


async def test_at_most_two_emails_a_day_three_on_the_first_and_questions_in_time(
    partnership: Partnership,
) -> None:
    got, meetings = await simulate(partnership)
    members = [*FOUNDERS, SAM]
    per_day = Counter((to(m), local_day(m)) for m in got if to(m) in members)
    first_day = {to(m): local_day(m) for m in got if kind(m) == "induction"}
    assert set(first_day) == set(members)
    # the daily budget, for everyone on every day
    over = {
        (who, day.isoformat()): n
        for (who, day), n in per_day.items()
        if n > (3 if day == first_day[who] else 2)
    }
    assert over == {}
    # the newcomer's first day: welcome, question and first conversation; then the rest
    sam = sorted((m for m in got if to(m) == SAM), key=lambda m: m["Date"].datetime)
    day_one = [kind(m) for m in sam if local_day(m) == date(2027, 1, 18)]
    assert sorted(day_one) == ["conversation", "induction", "prompt"]
    sam_kinds = Counter(kind(m) for m in sam)
    assert sam_kinds["invite"] == 2 and sam_kinds["conversation"] == 3  # none lost
    invite_days = [local_day(m) for m in sam if kind(m) == "invite"]
    assert len(set(invite_days)) == 2, "the invitations follow one a day"
    assert min(invite_days) > date(2027, 1, 18)
    conversations = [m for m in sam if kind(m) == "conversation"]
    assert all(local_day(m) <= date(2027, 1, 19) for m in conversations)
    # every question arrived at least a day before the digest gathered its answers
    digest_before = timedelta(days=2)
    questions = [m for m in got if kind(m) == "prompt" and str(m["Message-ID"]) in meetings]
    assert len({str(m["Subject"]) for m in questions}) == 3 + 1  # three meetings, the checklist
    for msg in questions:
        gathered = (meetings[str(msg["Message-ID"])] - digest_before).astimezone(LONDON)
        assert local_day(msg) < gathered.date(), (msg["Subject"], msg["Date"])
    # the checklist, six parts, came as one email to each member
    checklist = [m for m in questions if "checklist" in str(m["Subject"])]
    for who in members:
        assert len([m for m in checklist if to(m) == who]) == 1, who
    # a month outside the relationship weeks, with the governance review: at most four
    for who in members:
        for month in ("2027-03",):
            rest = [m for m in got if to(m) == who and f"{local_day(m):%Y-%m}" == month]
            assert len(rest) <= 4, (who, month, Counter(kind(m) for m in rest))
    # and nothing was lost: every founder holds both series
    for who in FOUNDERS:
        assert Counter(kind(m) for m in got if to(m) == who)["invite"] == 2, who
    assert any(kind(m) == "reminder" and to(m) == DEV for m in got)


async def test_a_moved_conversation_goes_on_a_full_day_and_new_ones_are_booked_for_the_next(
    partnership: Partnership,
) -> None:
    """``pace`` on a founder's first day, after the welcome: the day holds two of its three."""
    with build_services(partnership.config) as services:
        await services.tick(START)
        now = START + timedelta(hours=1)
        state = load_state(services.archive, now)
        config = services.config
    tom = "tom.okafor@council.example.gov.uk"
    day = START.astimezone(LONDON).date()

    def conversation(partner: str, days: int, sequence: int) -> Intent:
        slot = datetime.combine(day + timedelta(days=days), time(14), tzinfo=LONDON)
        return Intent(
            key=f"conversation-{partner}-{sequence}",
            kind=MessageKind.CONVERSATION,
            recipient=tom,
            due=now,
            payload=Conversation(tom, partner, "week-1", slot, sequence),
        )

    moved = conversation("priya.shah@grapevine.example.org", 7, sequence=1)
    first = conversation(DEV, 5, sequence=0)
    second = conversation("aoife.obrien@pcc.example.nhs.uk", 6, sequence=0)
    went = pace(config, now, state, [first, second, moved])
    assert [i.key for i in went] == [first.key, second.key, moved.key]  # none held back
    # the moved one is an update of an entry Tom holds: it goes now, filling his day ...
    assert next(i for i in went if i.key == moved.key).due == now
    # ... so the two new ones are booked for 09:00 the next day, which has room for both
    tomorrow = datetime.combine(day + timedelta(days=1), time(9), tzinfo=LONDON)
    assert [i.due for i in went if i.key != moved.key] == [tomorrow.astimezone(UTC)] * 2
