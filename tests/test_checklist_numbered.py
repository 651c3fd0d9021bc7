"""The governance checklist as one email of numbered parts, answered by number in one
reply, filed by part: through the real tick, the outbox Maildir parsed, a real archive.

Replies come as Gmail, Outlook (an unquoted "From: … Sent: …" original holding our own
numbered parts) and iPhone write them (``scheduler.demo.replies``), and are read by the
real reader; what each part files is read back from the digest and ``reflect export``.
"""

from __future__ import annotations

import asyncio
import json
import mailbox
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from support.cli import reflect
from support.outbox import delivered
from support.partnership import Partnership

from scheduler.app.services import build_services
from scheduler.demo.replies import compose_reply
from scheduler.inputs.content import load_bundled_content

START = datetime(2027, 2, 22, 9, tzinfo=UTC)  # the checklist is due 23 February, 14:00
TOM = "tom.okafor@council.example.gov.uk"
AOIFE = "aoife.obrien@pcc.example.nhs.uk"
DEV = "dev.mistry@trust.example.nhs.uk"
PRIYA = "priya.shah@grapevine.example.org"
NAMES = {TOM: "Tom Okafor", AOIFE: "Aoife O’Brien", DEV: "Dev Mistry", PRIYA: "Priya Shah"}
AREAS = [area.id for area in load_bundled_content().checklist]

# what each member writes, and what each part should file (part number -> exact text)
REPLIES = {
    TOM: (
        "gmail",
        "1. We trust each other more than a year ago.\n"
        "Still, the council sets the pace.\n\n"
        "3) No real onboarding yet: Sam found his own way.\n\n"
        "6) Decisions are minuted, but nobody checks them.",
        {
            1: "We trust each other more than a year ago.\nStill, the council sets the pace.",
            3: "No real onboarding yet: Sam found his own way.",
            6: "Decisions are minuted, but nobody checks them.",
        },
    ),
    AOIFE: (
        "outlook",
        "Part 1: Better since the away day.\n\n"
        "Part 3: We need a buddy for newcomers.\n\n"
        "Part 6: The terms of reference are out of date.",
        {
            1: "Better since the away day.",
            3: "We need a buddy for newcomers.",
            6: "The terms of reference are out of date.",
        },
    ),
    DEV: (
        "iphone",
        "(1) Good, mostly.\n(3) Ad hoc. We want:\n1. a welcome pack\n2. a named buddy\n(6) Fine.",
        {
            1: "Good, mostly.",
            3: "Ad hoc. We want:\n1. a welcome pack\n2. a named buddy",
            6: "Fine.",
        },
    ),
}


def _text(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _checklist_emails(p: Partnership) -> list[EmailMessage]:
    return [
        m
        for m in delivered(p.outbox)
        if str(m["X-Reflect-Kind"]) == "prompt" and "partnership checklist" in str(m["Subject"])
    ]


def _reply(msg: EmailMessage, words: str, style: str, seed: int) -> bytes:
    to = msg["To"].addresses[0].addr_spec
    return compose_reply(
        style=style, prompt=msg, name=NAMES[to], address=to, words=words, seed=seed
    )


def _tick(p: Partnership, moment: datetime) -> None:
    services = build_services(p.config)
    try:
        asyncio.run(services.tick(moment))
    finally:
        services.close()


def _answers(p: Partnership) -> dict[tuple[str, str], list[str]]:
    """(member, question id) -> texts, from ``reflect export --format json``."""
    done = reflect("--config", str(p.config), "export", "--format", "json")
    assert done.returncode == 0, done.stderr
    found: dict[tuple[str, str], list[str]] = {}
    for row in json.loads(done.stdout):
        found.setdefault((row["email"], row["question_id"]), []).append(row["text"])
    return found


@pytest.mark.slow
def test_one_checklist_email_answered_by_number_filed_by_part(partnership: Partnership) -> None:
    moment = START
    while moment < START + timedelta(days=2):
        _tick(partnership, moment)
        moment += timedelta(hours=6)
    emails = _checklist_emails(partnership)
    # one email to each member, with the six areas as numbered parts in the content's words
    assert sorted(m["To"].addresses[0].addr_spec for m in emails) == sorted(NAMES)
    body = _text(emails[0])
    for number, area in enumerate(load_bundled_content().checklist, start=1):
        assert f"\n{number}. {area.title}\n" in body
        assert all(f"  - {q}\n" in body for q in area.questions)
    preview = body.split("## Please reply above this line ##")[0]
    assert "Answer any or all of them in one reply" in preview and '"Part 3: ..."' in preview

    inbox = mailbox.Maildir(partnership.inbox, create=True)
    by_member = {m["To"].addresses[0].addr_spec: m for m in emails}
    for seed, (member, (style, words, _)) in enumerate(REPLIES.items()):
        inbox.add(_reply(by_member[member], words, style, seed))
    _tick(partnership, moment)
    answers = _answers(partnership)
    for member, (_, _, expected) in REPLIES.items():
        for number, text in expected.items():
            assert answers[member, AREAS[number - 1]] == [text], (member, number)
        for number in (2, 4, 5):
            assert (member, AREAS[number - 1]) not in answers
        assert (member, "checklist") not in answers  # nothing filed whole, nothing lost

    # the reminder, three days on, asks only about the parts still open, same numbers
    while moment < START + timedelta(days=5):
        moment += timedelta(hours=6)
        _tick(partnership, moment)
    reminders = {
        m["To"].addresses[0].addr_spec: m
        for m in delivered(partnership.outbox)
        if str(m["X-Reflect-Kind"]) == "reminder" and "checklist" in str(m["Subject"])
    }
    assert {TOM, AOIFE, DEV} <= set(reminders)  # (Priya's came a day later, as her email)
    titles = [area.title for area in load_bundled_content().checklist]
    for member in (TOM, AOIFE, DEV):
        text = _text(reminders[member])
        numbered = [line for line in text.splitlines() if line[:1].isdigit() and ". " in line]
        assert numbered == [f"2. {titles[1]}", f"4. {titles[3]}", f"5. {titles[4]}"]

    # a second reply, to the reminder, adds part 2; a reply naming no part with all six
    # open is filed under the whole checklist, never under an area
    inbox.add(_reply(reminders[TOM], "2. Our purpose is clear to the board, less so to staff.",
                     "gmail", 10))  # fmt: skip
    inbox.add(_reply(by_member[PRIYA], "I will bring my thoughts to the meeting itself.",
                     "outlook", 11))  # fmt: skip
    _tick(partnership, moment + timedelta(hours=1))
    answers = _answers(partnership)
    assert answers[TOM, AREAS[1]] == ["Our purpose is clear to the board, less so to staff."]
    assert answers[TOM, AREAS[0]] == [REPLIES[TOM][2][1]]  # not filed twice
    assert answers[PRIYA, "checklist"] == ["I will bring my thoughts to the meeting itself."]
    assert not any(member == PRIYA and qid in AREAS for member, qid in answers)

    # the digest lists each answer under its area
    while moment < datetime(2027, 3, 2, 9, tzinfo=UTC):
        moment += timedelta(hours=6)
        _tick(partnership, moment)
    digest = next(
        m
        for m in delivered(partnership.outbox)
        if str(m["X-Reflect-Kind"]) == "digest" and "Governance review" in _text(m)
    )
    text = _text(digest)
    relationships = text.split(f"Partnership checklist: {titles[0]}")[1].split(
        f"Partnership checklist: {titles[1]}"
    )[0]
    assert "We trust each other more than a year ago." in relationships
    assert "Better since the away day." in relationships
    assert "Sam found his own way" not in relationships
    assert "Tom Okafor, City Council" in relationships  # named parts name their authors
    purpose = text.split(f"Partnership checklist: {titles[1]}")[1].split(
        f"Partnership checklist: {titles[2]}"
    )[0]
    assert "less so to staff" in purpose
    # the answer naming no part comes after the parts, without its author's name (it may
    # be about the convenor's role, an area answered without names)
    whole = text.split("The partnership checklist (answers naming no part)")[1]
    assert "I will bring my thoughts to the meeting itself." in whole
    assert "Priya Shah, Grapevine" not in whole.split("Who has replied")[0]


def test_a_reply_naming_no_part_is_the_last_open_parts(partnership: Partnership) -> None:
    moment = START
    while moment < START + timedelta(days=2):
        _tick(partnership, moment)
        moment += timedelta(hours=6)
    (email,) = [m for m in _checklist_emails(partnership) if TOM in str(m["To"])]
    inbox = mailbox.Maildir(partnership.inbox, create=True)
    everything_but_4 = "\n\n".join(f"{n}. Part {n} is fine." for n in (1, 2, 3, 5, 6))
    inbox.add(_reply(email, "My answers:\n\n" + everything_but_4, "iphone", 1))
    _tick(partnership, moment)
    inbox.add(_reply(email, "We have not talked about our cultures at all.", "gmail", 2))
    _tick(partnership, moment + timedelta(hours=1))
    answers = _answers(partnership)
    assert answers[TOM, AREAS[3]] == ["We have not talked about our cultures at all."]
    assert answers[TOM, AREAS[4]] == ["Part 5 is fine."]
    assert (TOM, "checklist") not in answers  # "My answers:" only introduced the list


def test_an_archive_of_one_email_per_area_still_files_by_email(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Archives from before: each area its own email and prompt; a reply is that area's,
    numbers and all, and the one reminder still names the other parts."""
    import scheduler.plan.prompts as prompts

    planned = prompts.cycle_questions

    def one_email_per_area(config, content, meeting, index):  # type: ignore[no-untyped-def]
        found = planned(config, content, meeting, index)
        return AREAS if found == ["checklist"] else found

    monkeypatch.setattr(prompts, "cycle_questions", one_email_per_area)
    moment = START
    while moment < START + timedelta(days=4):
        _tick(partnership, moment)
        moment += timedelta(hours=6)
    monkeypatch.setattr(prompts, "cycle_questions", planned)
    relationships = [
        m
        for m in delivered(partnership.outbox)
        if TOM in str(m["To"]) and "Partnership checklist: Relationships" in str(m["Subject"])
    ]
    assert len(relationships) == 1
    mailbox.Maildir(partnership.inbox, create=True).add(
        _reply(relationships[0], "1. Better than last year.\n2. Still some way to go.", "gmail", 1)
    )
    _tick(partnership, moment)  # the new code reading an old archive
    answers = _answers(partnership)
    assert answers[TOM, AREAS[0]] == ["1. Better than last year.\n2. Still some way to go."]
    assert not any(qid != AREAS[0] for member, qid in answers if member == TOM)
    while moment < START + timedelta(days=7, hours=12):  # to Monday 1 March
        moment += timedelta(hours=6)
        _tick(partnership, moment)
    (reminder,) = [
        m
        for m in delivered(partnership.outbox)
        if str(m["X-Reflect-Kind"]) == "reminder" and TOM in str(m["To"])
    ]
    assert "came in their own emails at the same time" in _text(reminder)
    assert not _checklist_emails(partnership)  # the areas already asked are not asked again
    assert "Shared Purpose" in _text(reminder)


def test_migration_keeps_every_prompt_and_answer(
    partnership: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An archive written before migration 0015 opens with its prompts and answers whole."""
    import scheduler.archive.database as database

    every = database.MIGRATIONS
    mine = [name for name, _ in every].index("0015-one-email-carries-several-prompts")
    monkeypatch.setattr(database, "MIGRATIONS", every[:mine])
    start = datetime(2027, 1, 5, 11, tzinfo=UTC)  # the 12 January question goes out
    _tick(partnership, start)
    (question,) = [
        m
        for m in delivered(partnership.outbox)
        if TOM in str(m["To"]) and str(m["X-Reflect-Kind"]) == "prompt"
        and "Question 1" in str(m["Subject"])
    ]  # fmt: skip
    mailbox.Maildir(partnership.inbox, create=True).add(
        _reply(question, "To make Willenhall healthier, together.", "gmail", 1)
    )
    _tick(partnership, start + timedelta(hours=1))
    before = _answers(partnership)  # this run of reflect migrates the archive
    monkeypatch.setattr(database, "MIGRATIONS", every)
    archive = database.Archive(partnership.database)
    try:
        assert archive.schema_version == len(every)
        assert archive.rows("PRAGMA foreign_key_check") == []
        assert archive.scalar("PRAGMA foreign_keys") == 1
    finally:
        archive.close()
    assert before[TOM, "purpose"] == ["To make Willenhall healthier, together."]
    assert _answers(partnership) == before


def test_a_held_checklist_reply_accepted_by_the_convenor_is_filed_by_part(
    partnership: Partnership,
) -> None:
    moment = START
    while moment < START + timedelta(days=2):
        _tick(partnership, moment)
        moment += timedelta(hours=6)
    (email,) = [m for m in _checklist_emails(partnership) if TOM in str(m["To"])]
    raw = compose_reply(style="gmail", prompt=email, name="Tom Okafor",
                        address="tom.at.home@example.net", seed=3,
                        words="2) Clear enough.\n\n5) The convenor holds it all together.")  # fmt: skip
    mailbox.Maildir(partnership.inbox, create=True).add(raw)
    _tick(partnership, moment)
    assert _answers(partnership) == {}  # another address: held for the convenor
    services = build_services(partnership.config)
    try:
        (held,) = [r["id"] for r in services.archive.rows(
            "SELECT id FROM inbound WHERE status = 'quarantined'")]  # fmt: skip
    finally:
        services.close()
    done = reflect("--config", str(partnership.config), "quarantine", "accept", str(held))
    assert done.returncode == 0, done.stderr
    assert _answers(partnership) == {
        (TOM, AREAS[1]): ["Clear enough."],
        (TOM, AREAS[4]): ["The convenor holds it all together."],
    }
