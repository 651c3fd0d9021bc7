"""Fewer emails (issue 16, item 1): the founders' introductions as one "Meet your partners"
email, and ``reflect preview`` saying how many emails each member would get a month.
Through the real tick with a fixed clock; the outbox Maildir parsed."""

from __future__ import annotations

import mailbox
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from support.cli import reflect
from support.outbox import delivered, reply_to, text_of
from support.partnership import Partnership

from scheduler.app.services import Services, build_services

START = datetime(2026, 11, 23, 9, tzinfo=UTC)  # a Monday: the partnership's first day
MEMBERS = """\
name,email,organisation,sector,role,joined,left,share_introduction
Priya Shah,priya.shah@grapevine.example.org,Grapevine,vcse,Convenor,2026-09-01,,yes
Tom Okafor,tom.okafor@council.example.gov.uk,City Council,local_authority,Public health lead,2026-09-01,,yes
Aoife O’Brien,aoife.obrien@pcc.example.nhs.uk,Willenhall Primary Care Centre,primary_care,Practice manager,2026-09-01,,yes
Dev Mistry,dev.mistry@trust.example.nhs.uk,Partnership Trust,nhs,Mental health lead,2026-09-01,,yes
"""
NEWCOMER = (
    "Sam Lee,sam.lee@housing.example.org,Willenhall Housing,vcse,Tenancy lead,{joined},,yes\n"
)


def kind(p: Partnership, name: str) -> list[EmailMessage]:
    return [m for m in delivered(p.outbox) if str(m["X-Reflect-Kind"]) == name]


async def answer(p: Partnership, services: Services, who: str, words: str, at: datetime) -> None:
    """``who`` answers their getting-to-know-you question, read at the tick at ``at``."""
    prompt = next(m for m in kind(p, "prompt") if who in str(m["To"]))
    mailbox.Maildir(p.inbox, create=True).add(
        reply_to(prompt, sender=str(prompt["To"]), body=f"{words}\r\n")
    )
    await services.tick(at)


async def test_the_founders_meet_in_one_email_and_a_late_founder_and_a_newcomer_alone(
    partnership: Partnership,
) -> None:
    p = partnership
    p.write_members(MEMBERS)
    with build_services(p.config) as services:
        await services.tick(START)
        await answer(
            p, services, "tom.okafor", "I bring the council's data.", START + timedelta(hours=2)
        )
        await answer(
            p, services, "aoife.obrien", "I bring the practice's lists.", START + timedelta(days=2)
        )
        for day in (3, 4, 5):  # the daily rounds (the invitations go, one a day)
            await services.tick(START + timedelta(days=day))
        await services.tick(START + timedelta(days=6, hours=23))
        assert kind(p, "introduction") == [] and kind(p, "partners") == []  # not before a week
        await services.tick(START + timedelta(days=7))
        partners = {m["To"].addresses[0].addr_spec: m for m in kind(p, "partners")}
        assert set(partners) == {
            "priya.shah@grapevine.example.org",
            "dev.mistry@trust.example.nhs.uk",
            "tom.okafor@council.example.gov.uk",  # meets Aoife
            "aoife.obrien@pcc.example.nhs.uk",  # meets Tom
        }
        priya = text_of(partners["priya.shah@grapevine.example.org"])
        assert str(partners["priya.shah@grapevine.example.org"]["Subject"]) == (
            "Meet your partners in Willenhall Together"
        )
        assert priya.startswith("Dear Priya,")
        assert "TOM OKAFOR (City Council, Public health lead)" in priya
        assert "I bring the council's data." in priya and "I bring the practice's lists." in priya
        tom = text_of(partners["tom.okafor@council.example.gov.uk"])
        assert "I bring the practice's lists." in tom and "council's data" not in tom
        assert kind(p, "introduction") == []
        # a founder who answers after the week is introduced on their own, as before
        await answer(
            p, services, "dev.mistry", "I bring the crisis team.", START + timedelta(days=9)
        )
        late = kind(p, "introduction")
        assert {str(m["Subject"]) for m in late} == {"Meet Dev Mistry of Partnership Trust"}
        assert len(late) == 3
        # a newcomer's introduction goes on its own, and they get no founders' round-up
        p.write_members(MEMBERS + NEWCOMER.format(joined="2026-12-07"))
        await services.tick(START + timedelta(days=14))
        await answer(
            p, services, "sam.lee", "I bring tenancy support.", START + timedelta(days=14, hours=3)
        )
        new = [m for m in kind(p, "introduction") if "Sam Lee" in str(m["Subject"])]
        assert len(new) == 4 and all("new to Willenhall Together" in str(m["Subject"]) for m in new)
        await services.tick(START + timedelta(days=15))
    assert len(kind(p, "partners")) == 4  # once each, never again


def test_preview_prints_each_members_emails_per_month(partnership: Partnership) -> None:
    out = partnership.dir / "preview"
    result = reflect(
        "--config", str(partnership.config), "preview", "--out", str(out),
        "--now", "2027-01-01T09:00", "--until", "2027-02-20T09:00",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("Emails to each recipient per month (in brackets: the most on one day):")
    assert lines[start + 1].split() == ["Jan", "2027", "Feb", "2027"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[start + 2 :] if line.strip()}
    assert set(rows) == {
        "priya.shah@grapevine.example.org",
        "tom.okafor@council.example.gov.uk",
        "aoife.obrien@pcc.example.nhs.uk",
        "dev.mistry@trust.example.nhs.uk",
    }
    files = sorted(out.glob("*.eml"))
    total = sum(int(cells[0]) + int(cells[2]) for cells in rows.values())
    assert total == len(files)  # every file counted, for the member it went to
    tom = len([f for f in files if "tom.okafor" in f.name and re.match(r"\d{5}-", f.name)])
    assert (
        int(rows["tom.okafor@council.example.gov.uk"][0])
        + int(rows["tom.okafor@council.example.gov.uk"][2])
        == tom
    )
