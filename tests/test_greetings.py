"""Greetings as people are called, subjects that carry the meeting's date, and a prompt
whose first line (what a phone's inbox preview shows) is words, not the reply marker;
through the real tick, the outbox Maildir parsed, and replies read back from the inbox."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from support.outbox import delivered, text_of
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.archive.database import MIGRATIONS
from scheduler.inputs.members import read_members
from scheduler.reports.privacy import forget_member

MARKER = "## Please reply above this line ##"
PROMPTS_DUE = datetime(2027, 1, 5, 10, 30, tzinfo=UTC)  # a week before the 12 January meeting

MEMBERS = """\
name,email,organisation,sector,role,joined,left,preferred_name
Priya Shah,priya.shah@grapevine.example.org,Grapevine,vcse,Convenor,2026-09-01,,
Dr Peter Lam,peter.lam@trust.example.nhs.uk,Partnership Trust,nhs,Clinical lead,2026-09-01,,
Professor Margaret Okoye,m.okoye@uni.example.ac.uk,City University,other,Researcher,2026-09-01,,Maggie
Cllr Tom Okafor,tom.okafor@council.example.gov.uk,City Council,local_authority,Councillor,2026-09-01,,
"""


def question_emails(p: Partnership) -> dict[str, EmailMessage]:
    """Each member's "Question 1" email, by address."""
    return {
        m["To"].addresses[0].addr_spec: m
        for m in delivered(p.outbox)
        if str(m["X-Reflect-Kind"]) == "prompt" and str(m["Subject"]).startswith("Question 1")
    }


async def test_greetings_use_the_preferred_name_or_the_first_name_without_titles(
    partnership: Partnership,
) -> None:
    partnership.write_members(MEMBERS)
    with build_services(partnership.config) as services:
        await services.tick(PROMPTS_DUE)
        applied = {
            row["name"] for row in services.archive.rows("SELECT name FROM schema_migrations")
        }
    assert "0010-preferred-names" in applied and "0010-preferred-names" in dict(MIGRATIONS)
    emails = question_emails(partnership)
    greetings = {addr: text_of(m).splitlines()[0] for addr, m in emails.items()}
    assert greetings == {
        "priya.shah@grapevine.example.org": "Dear Priya,",
        "peter.lam@trust.example.nhs.uk": "Dear Peter,",
        "m.okoye@uni.example.ac.uk": "Dear Maggie,",
        "tom.okafor@council.example.gov.uk": "Dear Tom,",
    }
    peter = emails["peter.lam@trust.example.nhs.uk"]
    assert str(peter["To"]) == "Dr Peter Lam <peter.lam@trust.example.nhs.uk>"  # the address
    html = peter.get_body(("html",))
    assert isinstance(html, EmailMessage)
    assert "<p>Dear Peter,</p>" in html.get_content()
    # every kind of email greets the same way: the induction and the calendar invitation too
    for msg in delivered(partnership.outbox):
        if msg["To"].addresses[0].addr_spec == "m.okoye@uni.example.ac.uk":
            assert text_of(msg).startswith("Dear Maggie,"), msg["Subject"]


async def test_a_changed_preferred_name_is_used_from_the_next_email(
    partnership: Partnership,
) -> None:
    partnership.write_members(MEMBERS)
    with build_services(partnership.config) as services:
        await services.tick(PROMPTS_DUE - timedelta(days=30))
    partnership.write_members(
        MEMBERS.replace("Clinical lead,2026-09-01,,", "Clinical lead,2026-09-01,,Pete")
    )
    with build_services(partnership.config) as services:
        await services.tick(PROMPTS_DUE)
    peter = question_emails(partnership)["peter.lam@trust.example.nhs.uk"]
    assert text_of(peter).startswith("Dear Pete,\n")


async def test_question_subjects_carry_the_meetings_date(partnership: Partnership) -> None:
    with build_services(partnership.config) as services:
        await services.tick(PROMPTS_DUE)
    subjects = {str(m["Subject"]) for m in question_emails(partnership).values()}
    assert subjects == {
        "Question 1 for Tue 12 Jan: What is the purpose of the partnership's work? "
        "[Willenhall Together]"
    }


async def test_the_preview_line_is_a_sentence_and_the_marker_follows_it(
    partnership: Partnership,
) -> None:
    with build_services(partnership.config) as services:
        await services.tick(PROMPTS_DUE)
    for msg in question_emails(partnership).values():
        lines = [line for line in text_of(msg).splitlines() if line.strip()]
        assert lines[0].startswith("Dear ") and MARKER not in lines[0]
        assert lines[1] == (
            "Ahead of the Reflection point on Tuesday 12 January 2027 at 10:00, here is "
            "this cycle's question for Willenhall Together."
        )
        assert lines[2] == MARKER


def reply(prompt: EmailMessage, body: str) -> bytes:
    reply_to = prompt["Reply-To"].addresses[0].addr_spec
    return (
        f"From: {prompt['To']}\r\n"
        f"To: {reply_to}\r\n"
        f"Subject: Re: {prompt['Subject']}\r\n"
        f"In-Reply-To: {prompt['Message-ID']}\r\n"
        f"Message-ID: <reply-{abs(hash(body))}@example.org>\r\n"
        "Date: Wed, 06 Jan 2027 09:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body.replace("\n", "\r\n")
    ).encode()


async def test_replies_to_the_new_layout_are_read_right(partnership: Partnership) -> None:
    """A quoted reply, an Outlook reply with the original below its header block, and a
    reply with the original pasted below it unquoted: each archived as only the answer."""
    partnership.write_members(MEMBERS)
    with build_services(partnership.config) as services:
        await services.tick(PROMPTS_DUE)
        emails = question_emails(partnership)
        peter, maggie, tom = (
            emails["peter.lam@trust.example.nhs.uk"],
            emails["m.okoye@uni.example.ac.uk"],
            emails["tom.okafor@council.example.gov.uk"],
        )
        quoted = "\n".join(f"> {line}".rstrip() for line in text_of(peter).splitlines())
        outlook = (
            "From: Willenhall Together <reflect@reflect.example.org>\n"
            "Sent: 05 January 2027 10:30\nTo: Professor Margaret Okoye\n"
            f"Subject: {maggie['Subject']}\n\n{text_of(maggie)}"
        )
        inbox = mailbox.Maildir(partnership.inbox, create=True)
        inbox.add(
            reply(
                peter,
                "We are here to close the gap in healthy life years.\n\nThanks,\nPeter\n\n"
                "On Tue, 5 Jan 2027 at 10:30, Willenhall Together wrote:\n" + quoted + "\n",
            )
        )
        inbox.add(reply(maggie, "Shared evidence, and shared ownership.\n\nMaggie\n\n" + outlook))
        inbox.add(reply(tom, "To put residents' voices first.\n\nTom\n\n" + text_of(tom) + "\n"))
        report = await services.tick(PROMPTS_DUE + timedelta(days=1))
        answers = {
            row["email"]: row["text"]
            for row in services.archive.rows(
                "SELECT m.email, a.text FROM answers a JOIN members m ON m.id = a.member_id"
            )
        }
    assert report.ingested == {"answer": 3}
    assert answers == {
        "peter.lam@trust.example.nhs.uk": "We are here to close the gap in healthy life years.",
        "m.okoye@uni.example.ac.uk": "Shared evidence, and shared ownership.",
        "tom.okafor@council.example.gov.uk": "To put residents' voices first.",
    }


def test_a_preferred_name_is_checked_like_a_name() -> None:
    raw = (MEMBERS + 'Kofi Mensah,kofi@hub.example.org,Hub,vcse,,2026-09-01,,"Kof\ni"\n').encode()
    membership = read_members(raw)
    assert [str(p) for p in membership.problems] == [
        'members.csv, row 6, column "preferred_name": "Kof\\ni" contains a line break; '
        "put the whole preferred name on one line."
    ]
    assert {m.email: m.preferred_name for m in membership.members}["m.okoye@uni.example.ac.uk"] == (
        "Maggie"
    )


async def test_forgetting_a_member_forgets_their_preferred_name(partnership: Partnership) -> None:
    partnership.write_members(MEMBERS)
    with build_services(partnership.config) as services:
        await services.tick(PROMPTS_DUE)
        forget_member(services.archive, "m.okoye@uni.example.ac.uk", now=PROMPTS_DUE)
        names = [row["preferred_name"] for row in services.archive.rows("SELECT * FROM members")]
    assert "Maggie" not in names
