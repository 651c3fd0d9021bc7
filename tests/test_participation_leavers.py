"""Who a digest counts when members leave, or join, between the question and the meeting.

Through the whole service: the spreadsheet changes, ``tick`` notes the leave,
a member replies by email, and the digest the convenor gets is read back from
the outbox. The figures leave out who left, the digest names nobody who has not
replied, and no sector is said to be silent because its only member has gone.
"""

from __future__ import annotations

import mailbox
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from support.partnership import CONFIG, Partnership

from scheduler.app.services import build_services
from scheduler.archive.database import Archive
from scheduler.reports.page import report_html
from scheduler.reports.status import status_text

# One meeting on Wednesday 10 February 2027 at 10:00 (GMT, so UTC too): its question
# goes out 7 days before (3 February) and the digest 2 days before (8 February).
MEETING = """\
[[meeting]]
id = "reflection"
kind = "reflection"
title = "Reflection point"
first = 2027-02-10T10:00:00
duration_minutes = 90
location = "Willenhall Community Hub, or online"
"""
LEAVERS_CONFIG = (
    CONFIG[: CONFIG.index("[[meeting]]")]
    + MEETING
    + CONFIG[CONFIG.index("[prompts]") :].replace('checklist_meeting = "governance-review"\n', "")
)

HEADER = "name,email,organisation,sector,role,joined,left\n"
PEOPLE = {
    "priya": "Priya Shah,priya.shah@grapevine.example.org,Grapevine,vcse,Convenor,2026-09-01,",
    "ama": "Ama Mensah,ama@foodbank.example.org,Food Bank,vcse,Volunteer lead,2026-09-01,",
    "tom": "Tom Okafor,tom.okafor@council.example.gov.uk,City Council,local_authority,"
    "Public health lead,2026-09-01,",
    "aoife": "Aoife O’Brien,aoife.obrien@pcc.example.nhs.uk,Willenhall Primary Care Centre,"
    "primary_care,Practice manager,2026-09-01,",
    "dev": "Dev Mistry,dev.mistry@trust.example.nhs.uk,Partnership Trust,nhs,"
    "Mental health lead,2026-09-01,",
    "kwame": "Kwame Mensah,kwame.mensah@example.net,Willenhall residents,community,"
    "Community researcher,2026-09-01,",
    "lee": "Lee Chan,lee@grapevine.example.org,Grapevine,vcse,Youth worker,2026-09-01,",
}
TOM = "tom.okafor@council.example.gov.uk"

FIRST_TICK = datetime(2027, 2, 1, 9, tzinfo=UTC)
QUESTION_OUT = datetime(2027, 2, 3, 10, 30, tzinfo=UTC)
REPLIES_READ = datetime(2027, 2, 4, 9, tzinfo=UTC)
NEWCOMER_TICK = datetime(2027, 2, 6, 9, tzinfo=UTC)
DIGEST_TICK = datetime(2027, 2, 8, 10, 30, tzinfo=UTC)  # the leave is noticed in this tick too
AFTER_MEETING = datetime(2027, 2, 11, 9, tzinfo=UTC)


def members_csv(people: dict[str, str], *extra: str) -> str:
    return HEADER + "".join(line + "\n" for line in [*people.values(), *extra])


def reply_from_tom(p: Partnership) -> None:
    """Tom answers the meeting's question by email, as a member would."""
    archive = Archive(p.database)
    raw = archive.scalar(
        "SELECT raw FROM outbox WHERE kind = 'prompt' AND recipient = ? AND occurrence IS NOT NULL",
        (TOM,),
    )
    archive.close()
    prompt = message_from_bytes(raw, policy=policy.default)
    address = prompt["Reply-To"].addresses[0].addr_spec
    mailbox.Maildir(p.inbox, create=True).add(
        (
            f"From: Tom Okafor <{TOM}>\r\nTo: {address}\r\nSubject: Re: {prompt['Subject']}\r\n"
            "Message-ID: <tom-1@council.example.gov.uk>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "We keep meeting in the council offices.\r\n"
        ).encode()
    )


async def run_to_the_digest(
    p: Partnership, before: str, on_digest_day: str
) -> tuple[str, str, str]:
    """Tick from the first run to the digest; the spreadsheet changes to ``on_digest_day``.

    Returns the digest's text, ``reflect status`` after the meeting, and the report page.
    """
    p.write_config(LEAVERS_CONFIG)
    p.write_members(before)
    services = build_services(p.config)
    await services.tick(FIRST_TICK)
    await services.tick(QUESTION_OUT)
    reply_from_tom(p)
    await services.tick(REPLIES_READ)
    await services.tick(NEWCOMER_TICK)
    p.write_members(on_digest_day)
    await services.tick(DIGEST_TICK)
    status = status_text(services.config, services.archive, AFTER_MEETING)
    page = report_html(services.archive, partnership="Willenhall Together", now=AFTER_MEETING)
    services.close()
    box = mailbox.Maildir(p.outbox, create=False)
    digests = []
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        if str(msg["X-Reflect-Kind"]) == "digest":
            digests.append(msg)
    assert len(digests) == 1
    body = digests[0].get_body(("plain",))
    assert body is not None
    return body.get_content().replace("\r\n", "\n"), status, page


def figures(text: str) -> tuple[int, int]:
    """The digest's "N of M members replied"."""
    counts = re.search(r"(\d+) of (\d+) members? replied", text)
    assert counts is not None, text
    return int(counts.group(1)), int(counts.group(2))


async def test_a_member_who_leaves_before_the_meeting_is_not_counted_or_named(
    partnership: Partnership,
) -> None:
    # Ama's leaving date goes into the spreadsheet on the digest's morning: 8 February.
    # Grace joins on 6 February, after the question went out, and gets it then.
    grace = "Grace Adeyemi,grace@foodbank.example.org,Food Bank,vcse,Coordinator,2027-02-06,"
    leaving = {**PEOPLE, "ama": PEOPLE["ama"] + "2027-02-08"}
    text, status, page = await run_to_the_digest(
        partnership, members_csv(PEOPLE, grace), members_csv(leaving, grace)
    )
    archive = Archive(partnership.database)
    sent_to = {
        row["recipient"]
        for row in archive.rows(
            "SELECT recipient FROM outbox WHERE kind = 'prompt' AND occurrence IS NOT NULL"
        )
    }
    archive.close()
    assert "ama@foodbank.example.org" in sent_to  # she was asked ...
    assert "grace@foodbank.example.org" in sent_to  # ... and so was the newcomer, late

    assert figures(text) == (1, 6)
    assert "1 of 6 members replied (17%)." in text
    # the digest goes to members: it names nobody who has not replied, the leaver and
    # the newcomer included, and breaks nothing down into groups smaller than min_group
    for name in ("Aoife O’Brien", "Dev Mistry", "Kwame Mensah", "Lee Chan", "Ama Mensah",
                 "Grace Adeyemi"):  # fmt: skip
        assert name not in text
    assert (
        "Not counted: 1 member who was asked but left the partnership before the meeting."
    ) in text
    assert "By sector:" not in text and "No reply from" not in text

    assert (
        "Reflection point, 10 Feb 2027: 1 of 6 replied (17%); Voluntary & community 0/2, "
        "NHS 0/1, Local authority 1/1, Primary care 0/1, Community members 0/1; "
        "not counted: 1 asked who left before the meeting, "
        "1 who joined since the question went out"
    ) in status
    assert "1 of 6" in page and "1 of 7" not in page and "1 of 8" not in page


async def test_the_only_member_of_a_sector_leaving_does_not_flag_that_sector(
    partnership: Partnership,
) -> None:
    # Dev, the NHS's only member, is deleted from the spreadsheet on 8 February.
    without_dev = {k: v for k, v in PEOPLE.items() if k != "dev"}
    text, status, page = await run_to_the_digest(
        partnership, members_csv(PEOPLE), members_csv(without_dev)
    )

    assert figures(text) == (1, 6)
    assert "1 of 6 members replied (17%)." in text
    assert "Dev Mistry" not in text
    assert "No reply from the NHS sector" not in text
    assert "NHS" not in text.split("By sector:")[1].split("\n")[0]
    assert (
        "Not counted: 1 member who was asked but left the partnership before the meeting."
    ) in text
    # The sectors still here with no reply: in the digest, those of at least min_group
    # members (the smaller ones are counted together, a group one reply came from) ...
    assert re.findall(r"\* No reply from (.*) this cycle", text) == [
        "the voluntary and community sector"
    ]
    # ... and each of them in the convenor's status
    assert re.findall(r"! No reply from (.*) this cycle", status) == [
        "the voluntary and community sector",
        "the primary care sector",
        "community members",
    ]

    assert "No reply from the NHS sector" not in status
    assert "1 of 6 replied (17%)" in status
    assert "No reply from the NHS sector" not in page
