"""Six months of a partnership's membership: joins, leaves, a rejoin, a bounce, restarts."""

from __future__ import annotations

import mailbox
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from support.partnership import REPO, Partnership

from scheduler.app.services import build_services
from scheduler.clock import FixedClock

BASE = """\
name,email,organisation,sector,role,joined,left
Priya Shah,priya.shah@grapevine.example.org,Grapevine,vcse,Convenor,2026-09-01,
Tom Okafor,tom.okafor@council.example.gov.uk,City Council,local_authority,Public health lead,2026-09-01,
Dev Mistry,dev.mistry@trust.example.nhs.uk,Partnership Trust,nhs,Mental health lead,2026-09-01,{dev_left}
Aoife O’Brien,aoife.obrien@pcc.example.nhs.uk,Willenhall Primary Care Centre,primary_care,Practice manager,2026-09-01,
"""
GRACE = "Grace Adeyemi,grace@foodbank.example.org,Food Bank,vcse,Coordinator,2027-02-10,\n"


def mail_to(p: Partnership) -> dict[str, list[str]]:
    """What each person received, in the order it was sent (Date ties broken by send order)."""
    box = mailbox.Maildir(p.outbox, create=False)
    found: list[EmailMessage] = []
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        found.append(msg)
    services = build_services(p.config)
    order = {
        row["message_id"]: row["id"]
        for row in services.archive.rows("SELECT id, message_id FROM outbox WHERE status = 'sent'")
    }
    services.close()
    assert {str(m["Message-ID"]) for m in found} == set(order)  # delivered = recorded as sent
    found.sort(key=lambda m: order[str(m["Message-ID"])])
    by: dict[str, list[str]] = {}
    for msg in found:
        by.setdefault(msg["To"].addresses[0].addr_spec, []).append(str(msg["X-Reflect-Kind"]))
    return by


async def test_six_months_of_joins_leaves_a_rejoin_and_restarts(partnership: Partnership) -> None:
    p = partnership
    p.write_members(BASE.format(dev_left=""))
    clock = FixedClock(datetime(2026, 11, 22, 9, tzinfo=UTC))
    for day in range(183):
        today = clock.now().date().isoformat()
        if today == "2027-01-20":  # Dev's leaving date is set in the spreadsheet
            p.write_members(BASE.format(dev_left="2027-01-31"))
        if today == "2027-02-10":  # Grace joins
            p.write_members(BASE.format(dev_left="2027-01-31") + GRACE)
        if today == "2027-04-01":  # ... and Dev comes back
            p.write_members(BASE.format(dev_left="") + GRACE)
        services = build_services(p.config)  # a restart before every tick
        await services.tick(clock.now())
        if day % 30 == 0:  # a second tick at the same moment changes nothing
            again = await services.tick(clock.now())
            assert (again.queued, again.sent) == (0, 0)
        services.close()
        clock.advance(days=1)
    mail = mail_to(p)
    dev = mail["dev.mistry@trust.example.nhs.uk"]
    # inducted once; thanked and cancelled on leaving; welcomed back, not inducted again
    assert dev.count("induction") == 1
    assert dev.count("handover") == 1 and dev.count("cancel") == 2
    assert dev.count("welcome_back") == 1
    left = dev.index("handover")
    back = dev.index("welcome_back")
    assert "prompt" not in dev[left:back] and "reminder" not in dev[left:back]
    # then the two series again, and 6 April's question (at most two a day, plan/pacing.py)
    assert sorted(dev[back + 1 : back + 4]) == ["invite", "invite", "prompt"]
    grace = mail["grace@foodbank.example.org"]
    # welcomed with her getting-to-know-you question, then the invitations one a day
    assert grace[:4] == ["induction", "prompt", "invite", "invite"]
    assert grace.count("induction") == 1
    convenor = Counter(mail["priya.shah@grapevine.example.org"])
    assert convenor["leaver_notice"] == 1
    assert convenor["handover_missing"] == 1  # Dev never wrote one: told once, two weeks on
    for person, kinds in mail.items():
        assert kinds.count("induction") == 1, person


SAM = (
    "Sam Reed,sam.reed@trust.example.nhs.uk,Partnership Trust,nhs,Mental health lead,2027-02-02,\n"
)
KIT = "Kit Moss,kit.moss@trust.example.nhs.uk,Partnership Trust,nhs,Data analyst,2027-02-20,\n"
LEE = "Lee Park,lee.park@trust.example.nhs.uk,Partnership Trust,nhs,Nurse,2027-04-10,\n"
DEV_NOTE = "Ask Aoife about the diabetes pathway work; the council contact is Tom."


def texts_to(p: Partnership, email: str, kind: str) -> list[str]:
    box = mailbox.Maildir(p.outbox, create=False)
    found = []
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        if msg["To"].addresses[0].addr_spec == email and str(msg["X-Reflect-Kind"]) == kind:
            body = msg.get_body(("plain",))
            assert body is not None
            found.append(f"{msg['Subject']}\n{body.get_content()}")
    return found


async def test_a_handover_note_reaches_the_successor_who_came_first(
    partnership: Partnership,
) -> None:
    """Dev leaves; Sam takes over before Dev's note arrives; Kit joins after it; Dev returns."""
    from support.mailmaker import reply, sent_prompts

    p = partnership
    clock = FixedClock(datetime(2027, 1, 20, 9, tzinfo=UTC))
    for _ in range(90):
        today = clock.now().date().isoformat()
        rows = BASE.format(dev_left="2027-01-31")
        if today >= "2027-02-02":
            rows += SAM
        if today >= "2027-02-20":
            rows += KIT
        if today >= "2027-04-01":
            rows = BASE.format(dev_left="") + SAM + KIT
        if today >= "2027-04-10":
            rows += LEE
        p.write_members(rows)
        services = build_services(p.config)
        if today == "2027-02-05":  # Dev answers the handover request, after Sam has joined
            (asked,) = sent_prompts(services.archive, kind="handover")
            mailbox.Maildir(p.inbox, create=True).add(reply(asked, DEV_NOTE))
        await services.tick(clock.now())
        services.close()
        clock.advance(days=1)
    dev_name = "Dev Mistry (Partnership Trust, Mental health lead)"
    # Sam's pack went out before the note came, so the note follows on its own, once
    (to_sam,) = texts_to(p, "sam.reed@trust.example.nhs.uk", "handover_note")
    assert (
        DEV_NOTE in to_sam and f"{dev_name} left Willenhall Together on 31 January 2027" in to_sam
    )
    assert DEV_NOTE not in texts_to(p, "sam.reed@trust.example.nhs.uk", "induction")[0]
    # Kit joined after it: it is in the pack, dated as the emails date things
    (kit_pack,) = texts_to(p, "kit.moss@trust.example.nhs.uk", "induction")
    assert DEV_NOTE in kit_pack and "who left on 31 January 2027:" in kit_pack
    assert texts_to(p, "kit.moss@trust.example.nhs.uk", "handover_note") == []
    # the convenor hears when Dev left, and when the note came and who has it
    convenor = "priya.shah@grapevine.example.org"
    (arrived,) = texts_to(p, convenor, "handover_arrived")
    assert arrived.startswith("Dev Mistry's handover note has arrived")
    assert DEV_NOTE in arrived and "passed to Sam Reed (Partnership Trust)" in arrived
    assert texts_to(p, convenor, "handover_missing") == []
    (notice,) = texts_to(p, convenor, "leaver_notice")
    assert "You will get an email when it arrives" in notice and "`" not in notice
    # Dev came back: a later newcomer hears from Dev in person, not from an old note
    (lee_pack,) = texts_to(p, "lee.park@trust.example.nhs.uk", "induction")
    assert DEV_NOTE not in lee_pack and "NOTES FROM THOSE BEFORE YOU" not in lee_pack


async def test_a_bounce_marks_the_address_failing_and_stops_mail(partnership: Partnership) -> None:
    services = build_services(partnership.config)
    await services.tick(datetime(2026, 11, 22, 9, tzinfo=UTC))
    dsn = (REPO / "tests" / "data" / "replies" / "bounce_rfc3464.eml").read_bytes()
    dsn = dsn.replace(b"old.member@trust.example.nhs.uk", b"tom.okafor@council.example.gov.uk")
    dsn = dsn.replace(b"Old.Member@trust.example.nhs.uk", b"Tom.Okafor@council.example.gov.uk")
    # Tom's server returns his induction pack to the return address it was sent with
    key = services.archive.scalar(
        "SELECT key FROM outbox WHERE kind = 'induction' AND recipient = ?",
        ("tom.okafor@council.example.gov.uk",),
    )
    dsn = dsn.replace(
        b"To: reflect@reflect.example.org", f"To: {services.envelope_sender(key)}".encode()
    )
    mailbox.Maildir(partnership.inbox, create=True).add(dsn)
    report = await services.tick(datetime(2026, 11, 23, 9, tzinfo=UTC))
    from scheduler.reports.status import status_text

    status = status_text(services.config, services.archive, datetime(2027, 1, 5, 11, tzinfo=UTC))
    await services.tick(datetime(2027, 1, 5, 11, tzinfo=UTC))  # the first prompts are due
    prompted = services.archive.rows(
        "SELECT DISTINCT recipient FROM outbox WHERE kind = 'prompt' AND occurrence IS NOT NULL"
    )
    services.close()
    assert report.ingested == {"bounce": 1}
    assert "address failing: Tom Okafor <tom.okafor@council.example.gov.uk> 5.1.1" in status
    assert "tom.okafor@council.example.gov.uk" not in {row["recipient"] for row in prompted}
    assert len(prompted) == 3


def test_every_template_renders_safely_for_awkward_members(tmp_path: Path) -> None:
    """Long, non-ASCII and markup-like names, optional config absent; HTML balanced and escaped."""
    from html.parser import HTMLParser

    from scheduler.compose.render import render_template, templates_dir

    class Balance(HTMLParser):
        VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.errors: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag not in self.VOID:
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            if not self.stack or self.stack.pop() != tag:
                self.errors.append(tag)

    name = "Siân O’Brien-Ńowak <script>alert(1)</script> & Sons " + "Long" * 20
    common = {
        "partnership": "Willenhall & District <Together>",
        "convenor_name": "Priya Shah",
        "convenor_email": "priya@example.org",
        "reply_marker": "## Please reply above this line ##",
    }
    values: dict[str, object] = {
        **common,
        "member_name": name, "greeting_name": name, "organisation": name, "meeting_title": "Reflection point",
        "meeting_when": "Tuesday 12 January 2027 at 10:00", "question_text": "What is <b>our</b> purpose?",
        "question_number": 1, "prompts": [name], "points": [], "resources": [], "source": "",
        "is_checklist": False, "intro": "", "chair": name, "note_taker": name, "purpose": name,
        "story": "", "story_paragraphs": [], "people": [], "meetings": [], "decisions": "",
        "between_meetings": "", "glossary": [], "questions": [], "framework_source": "the framework",
        "handovers": [], "leaver_name": name, "leaver_organisation": name, "leaver_role": "",
        "left_on": "31 January 2027", "handover_sent": True, "cancelled": False, "cancel_reason": "",
        "update": False, "called_off": "", "changes": [name], "answer_stands": False, "rhythm": "every 6 weeks", "time_range": "10:00–11:30", "tz": "Europe/London",
        "next": "soon", "location": "", "purpose_line": "", "newcomer_name": name,
        "newcomer_organisation": name, "newcomer_role": "", "newcomer_email": "x@example.org",
        "paragraphs": [name], "partner_name": name, "partner_organisation": name, "partner_role": "",
        "partner_email": "x@example.org", "when": "soon", "minutes": 30, "newcomer": False,
        "newcomer_is_me": False, "moved": False, "meeting_day": "Tue 12 Jan", "role": "chair",
        "arrived": True, "passed_to": [name], "founder": False, "also": [name], "parts": [{"number": 1, "title": name, "questions": [name]}, {"number": 3, "title": name, "questions": [name]}],
        "back": False, "partners": [{"name": name, "organisation": name, "role": name, "email": "x@example.org", "paragraphs": [name]}], "count": 2, "items": [{"id": 7, "sender": name, "subject": name, "reason": name, "seems": name, "lines": [name], "accept": True, "vouch": True}], "numbers": "7 8", "kinds": [{"kind": "rsvp", "what": name}],
        "word": "skip", "until": "1 March 2027", "cycle_title": name, "cycle_day": "Tue 12 Jan",
        "leaver_email": "x@example.org", "asked_on": "5 January 2027", "members_file": "members.csv",
        "meeting_id": "reflection", "silent": 1,
        "first": 7, "who": name, "who_short": name, "sender": "x@example.org", "member": False,
        "to_them": False, "replied_to": "y@example.org", "replied_subject": name,
        "replied_on": "soon", "received_on": "soon", "trimmed": True, "text": name, "number": 7,
        "asked": name, "asked_short": name, "notice_on": "soon", "understood": True, "why": "",
        "done": [name], "problems": [name], "listed": "#7, #8",
        "to_name": name, "short_text": name, "owner": name, "due": "Fri 29 Jan",
        "status": "open", "next_title": name, "next_when": "Tue 23 Feb", "left": True, "resting": False,
        "corrected": True,
        "actions": [{"text": name, "owner": name, "due": "", "status": "not yet",
                     "meeting_title": name, "meeting_when": "soon", "meeting_day": "Tue 12 Jan"}],
        "notes": [{"text": name}], "agreed": {"decisions": [{"text": name}], "actions": []},
    }  # fmt: skip
    families = sorted({f.stem for f in templates_dir().glob("*.subject")} - {"convenor-digest"})
    assert len(families) >= 9
    for family in families:
        subject, text, html = render_template(family, values)
        assert "\n" not in subject and "\r" not in subject, family
        assert ("<script>" not in html and "&lt;script&gt;" in html) or name not in html, family
        checker = Balance()
        checker.feed(html)
        assert not checker.errors and checker.stack == [], (family, checker.errors, checker.stack)
        assert text.strip(), family


async def test_no_handover_note_is_chased_until_two_weeks_after_it_was_asked(
    partnership: Partnership,
) -> None:
    p = partnership
    p.write_members(BASE.format(dev_left=""))
    clock = FixedClock(datetime(2027, 1, 4, 9, tzinfo=UTC))
    services = build_services(p.config)
    await services.tick(clock.now())
    services.close()
    # the convenor records Dev's leaving late: 17 days ago
    p.write_members(BASE.format(dev_left="2026-12-18"))
    convenor = "priya.shah@grapevine.example.org"
    for _ in range(20):
        clock.advance(days=1)
        services = build_services(p.config)
        await services.tick(clock.now())
        services.close()
        if clock.now().date().isoformat() == "2027-01-06":
            # asked on 5 January: the convenor is told Dev left, not yet that nothing came
            assert len(texts_to(p, convenor, "leaver_notice")) == 1
            assert texts_to(p, convenor, "handover_missing") == []
    (chased,) = texts_to(p, convenor, "handover_missing")
    assert chased.startswith("No handover note yet from Dev Mistry")
    delivered = mailbox.Maildir(p.outbox, create=False)
    sent_on = {
        str(m["X-Reflect-Kind"]): m["Date"].datetime.date().isoformat()
        for m in (message_from_bytes(delivered.get_bytes(k), policy=policy.default)
                  for k in delivered.iterkeys())
        if m["To"].addresses[0].addr_spec == convenor
    }  # fmt: skip
    assert sent_on["leaver_notice"] == "2027-01-05" and sent_on["handover_missing"] == "2027-01-19"


async def test_a_note_from_someone_who_has_come_back_is_kept_not_passed_on(
    partnership: Partnership,
) -> None:
    from support.mailmaker import reply, sent_prompts

    p = partnership
    clock = FixedClock(datetime(2027, 1, 30, 9, tzinfo=UTC))
    for _ in range(8):
        today = clock.now().date().isoformat()
        left = "" if today >= "2027-02-03" else "2027-01-31"  # Dev leaves, then comes back
        p.write_members(BASE.format(dev_left=left) + (SAM if today >= "2027-02-02" else ""))
        services = build_services(p.config)
        if today == "2027-02-04":  # ... and only then answers the handover request
            (asked,) = sent_prompts(services.archive, kind="handover")
            mailbox.Maildir(p.inbox, create=True).add(reply(asked, DEV_NOTE))
        await services.tick(clock.now())
        services.close()
        clock.advance(days=1)
    (arrived,) = texts_to(p, "priya.shah@grapevine.example.org", "handover_arrived")
    assert "As they have since rejoined, it is archived but not passed on" in arrived
    assert "left on today" not in arrived and DEV_NOTE in arrived
    assert texts_to(p, "sam.reed@trust.example.nhs.uk", "handover_note") == []
