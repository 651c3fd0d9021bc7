"""``reflect demo``: a partnership's first months, simulated end to end on this machine.

A real SMTP server (aiosmtpd) is started in-process on 127.0.0.1; the service
sends to it exactly as it would to a relay. Simulated members then answer
from different mail clients (Gmail, Outlook, iPhone, Thunderbird, Outlook on
the web), accept or decline invitations, and one is away with an
out-of-office; their replies are dropped into the inbox Maildir and read by
the real ingestion path. The clock is simulated: months pass in seconds.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from aiosmtpd.smtp import SMTP, Envelope, Session

from scheduler.app.services import Services, read_config
from scheduler.archive.listings import answers_by_sector
from scheduler.demo.replies import (
    MEETING_NOTES,
    STYLES,
    VERDICTS,
    answer_for,
    compose_auto_reply,
    compose_reply,
    compose_rsvp,
)
from scheduler.errors import ReflectError
from scheduler.reports.export import export_answers
from scheduler.reports.page import report_html

MARKER = ".reflect-demo"
START = datetime(2027, 1, 4, 9, 0, tzinfo=ZoneInfo("Europe/London"))


@dataclass(frozen=True)
class Persona:
    name: str
    email: str
    organisation: str
    sector: str
    role: str
    style: str
    reply_rate: float  # how often they answer a question
    joined: date = date(2026, 12, 1)
    left: date | None = None


PEOPLE = (
    Persona("Priya Shah", "priya.shah@grapevine.example.org", "Grapevine", "vcse", "Convenor", "gmail", 0.9),
    Persona("Grace Adeyemi", "grace@foodbank.example.org", "Willenhall Food Bank", "vcse", "Coordinator", "iphone", 0.8),
    Persona("Kwame Mensah", "kwame@residents.example.net", "Willenhall residents", "community", "Community researcher", "thunderbird", 0.85),
    Persona("Siân O’Brien", "sian@lunchclub.example.org", "Tuesday Lunch Club", "community", "Volunteer lead", "gmail", 0.6),
    Persona("Tom Okafor", "tom.okafor@council.example.gov.uk", "City Council", "local_authority", "Public health lead", "outlook", 0.7),
    Persona("Helen Park", "helen.park@council.example.gov.uk", "City Council", "local_authority", "Housing officer", "outlook_web_html", 0.5),
    Persona("Aoife Byrne", "aoife.byrne@pcc.example.nhs.uk", "Willenhall Primary Care Centre", "primary_care", "Practice manager", "outlook", 0.55),
    Persona("Dev Mistry", "dev.mistry@trust.example.nhs.uk", "Partnership NHS Trust", "nhs", "Mental health lead", "outlook", 0.3, left=date(2027, 3, 31)),
    Persona("Sam Cole", "sam.cole@icb.example.nhs.uk", "Integrated Care Board", "nhs", "Commissioner", "outlook_web_html", 0.2),
    Persona("Rosa Lind", "rosa.lind@trust.example.nhs.uk", "Partnership NHS Trust", "nhs", "Mental health lead", "iphone", 0.7, joined=date(2027, 4, 12)),
)  # fmt: skip
AWAY = "sam.cole@icb.example.nhs.uk"  # answers everything with an out-of-office

CONFIG = """\
# Written by `reflect demo`: a simulated partnership. Safe to delete.
[partnership]
name = "Willenhall Together"
timezone = "Europe/London"
purpose = "Tackle health inequality in Willenhall by working differently with the community."
story = \"\"\"
We began when a GP practice, the council's public health team and two community groups
kept meeting the same families in different rooms. We learnt that trust came before any
new service.
\"\"\"
members = "members.csv"
decisions = "By consent at governance reviews."
between_meetings = "Email the convenor."
glossary = {{ ICB = "Integrated Care Board.", VCSE = "Voluntary, community and social enterprise." }}

[convenor]
name = "Priya Shah"
email = "priya.shah@grapevine.example.org"

[mail]
from = "Willenhall Together <reflect@reflect.example.org>"
reply_to = "reflect+{{token}}@reflect.example.org"
transport = "smtp"

[mail.smtp]
host = "127.0.0.1"
port = {port}
security = "none"

[inbox]
source = "maildir"
maildir = "inbox"

[storage]
database = "reflect.db"

[security]
key_file = "token.key"

[[meeting]]
id = "reflection"
kind = "reflection"
title = "Reflection point"
first = 2027-01-26T10:00:00
duration_minutes = 90
rrule = "FREQ=WEEKLY;INTERVAL=4"
location = "Willenhall Community Hub"

[[meeting]]
id = "governance-review"
kind = "governance"
title = "Governance review"
first = 2027-03-02T14:00:00
duration_minutes = 60
rrule = "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU"

[prompts]
before_meeting_days = 7
reminder_after_days = 3
checklist_meeting = "governance-review"

[digest]
days_before = 2
"""


@dataclass
class Sink:
    """The in-process SMTP server's handler: keeps what arrives, in order."""

    received: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope.original_content or b"")
        return "250 OK"


@dataclass
class DemoResult:
    directory: Path
    archive: Path
    sent: Counter[str]
    read: Counter[str]
    digest: Path | None
    report: Path
    log: Path


def prepare(directory: Path) -> None:
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MARKER).exists():
            raise ReflectError(
                f"{directory} is not empty and was not made by `reflect demo`; choose another "
                "folder with --dir."
            )
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("made by reflect demo\n", encoding="utf-8")
    rows = ["name,email,organisation,sector,role,joined,left"]
    for p in PEOPLE:
        rows.append(
            f"{p.name},{p.email},{p.organisation},{p.sector},{p.role},{p.joined},{p.left or ''}"
        )
    (directory / "members.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


async def run_demo(directory: Path, *, weeks: int = 26, out: TextIO, seed: int = 7) -> DemoResult:
    prepare(directory)
    sink = Sink()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="demo.localhost", ident="reflect demo"),
        host="127.0.0.1",
        port=0,
    )
    port = server.sockets[0].getsockname()[1]
    config_path = directory / "config.toml"
    config_path.write_text(CONFIG.format(port=port), encoding="utf-8")
    out.write(
        f"A simulated partnership in {directory}, mail to a real SMTP server on 127.0.0.1:{port}\n"
    )
    services = Services(read_config(config_path), environ={})
    inbox = directory / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    weeks_run = _Weeks(random.Random(seed))
    try:
        await _simulate(services, sink, inbox, weeks * 7, weeks_run, out)
    finally:
        server.close()
        await server.wait_closed()
    result = _write_results(services, directory, weeks_run)
    answers = answers_by_sector(services.archive)
    services.close()
    _summary(result, answers, out)
    return result


@dataclass
class _Weeks:
    """What the simulation has seen so far: mail sent and read, the latest digest."""

    rng: random.Random
    now: datetime = field(default_factory=lambda: START.astimezone(UTC))
    sent: Counter[str] = field(default_factory=Counter)
    read: Counter[str] = field(default_factory=Counter)
    last_digest: bytes | None = None
    turns: Counter[str] = field(default_factory=Counter)  # answers given to each question


async def _simulate(
    services: Services, sink: Sink, inbox: Path, days: int, run: _Weeks, out: TextIO
) -> None:
    """A tick a day; each message that arrives may be answered into the inbox."""
    by_email = {p.email: p for p in PEOPLE}
    seen = 0
    for day in range(days):
        report = await services.tick(run.now)
        for status, count in report.ingested.items():
            run.read[status] += count
        fresh = sink.received[seen:]
        seen = len(sink.received)
        for raw in fresh:
            msg = message_from_bytes(raw, policy=policy.default)
            assert isinstance(msg, EmailMessage)
            kind = str(msg.get("X-Reflect-Kind", "other"))
            run.sent[kind] += 1
            if kind == "digest" and "priya.shah" in str(msg["To"]):
                run.last_digest = raw
            reply = _member_reply(msg, kind, by_email, run.rng, run.turns)
            if reply is not None:
                name = f"{run.now:%Y%m%d}-{run.rng.getrandbits(40):010x}.eml"
                (inbox / "new" / name).write_bytes(reply)
        if day % 7 == 6:
            local = run.now.astimezone(START.tzinfo)
            out.write(
                f"  week {day // 7 + 1:2d} ({local:%d %b %Y}): {sum(run.sent.values()):4d} emails sent, "
                f"{sum(run.read.values()):3d} replies read\n"
            )
            out.flush()
        run.now += timedelta(days=1)


def _write_results(services: Services, directory: Path, run: _Weeks) -> DemoResult:
    """The report page, the learning log and the latest digest, written beside the archive."""
    zone = services.config.partnership.zone
    result = DemoResult(
        directory=directory,
        archive=services.config.database,
        sent=run.sent,
        read=run.read,
        digest=None,
        report=directory / "report.html",
        log=directory / "learning-log.md",
    )
    result.report.write_text(
        report_html(
            services.archive,
            partnership=services.config.partnership.name,
            now=run.now.astimezone(zone),
        ),
        encoding="utf-8",
    )
    result.log.write_text(export_answers(services.archive, "md"), encoding="utf-8")
    if run.last_digest is not None:
        digest = message_from_bytes(run.last_digest, policy=policy.default)
        assert isinstance(digest, EmailMessage)
        body = digest.get_body(("html",))
        if body is not None:
            result.digest = directory / "digest.html"
            result.digest.write_text(body.get_content(), encoding="utf-8")
        text = digest.get_body(("plain",))
        if text is not None:
            (directory / "digest.txt").write_text(text.get_content(), encoding="utf-8")
    return result


def _member_reply(
    msg: EmailMessage,
    kind: str,
    people: dict[str, Persona],
    rng: random.Random,
    turns: Counter[str],
) -> bytes | None:
    to = msg["To"].addresses[0].addr_spec.lower() if msg["To"] else ""
    person = people.get(to)
    if person is None:
        return None
    if kind == "invite":
        partstat = "ACCEPTED" if rng.random() < 0.75 else rng.choice(["DECLINED", "TENTATIVE"])
        return compose_rsvp(invite=msg, name=person.name, address=person.email, partstat=partstat)
    if kind in ("notes_request", "action_follow_up"):
        return _agreed_reply(msg, kind, person, rng, turns)
    if kind not in ("prompt", "handover"):
        return None
    if to == AWAY:
        return compose_auto_reply(prompt=msg, name=person.name, address=person.email)
    if kind != "handover" and rng.random() > person.reply_rate:
        return None
    question = _question_id(msg, kind)
    turns[question] += 1
    words = (
        "I looked after the link with the community mental health team; Rosa should meet "
        "Grace first.\nAdvice: go to the Tuesday lunch club before any meeting."
        if kind == "handover"
        else answer_for(question, turns[question] + rng.randrange(3))
    )
    style = person.style if rng.random() < 0.85 else rng.choice(STYLES)
    return compose_reply(
        style=style, prompt=msg, name=person.name, address=person.email, words=words,
        seed=rng.getrandbits(32),
    )  # fmt: skip


def _agreed_reply(
    msg: EmailMessage, kind: str, person: Persona, rng: random.Random, turns: Counter[str]
) -> bytes | None:
    """A note-taker's notes of the meeting; an owner's word on their action (or silence)."""
    if kind == "notes_request":
        turns["notes"] += 1
        words = MEETING_NOTES[turns["notes"] % len(MEETING_NOTES)]
    elif rng.random() < 0.7:
        words = rng.choice(VERDICTS)
    else:
        return None  # some owners never answer: their action stays open
    return compose_reply(
        style=person.style, prompt=msg, name=person.name, address=person.email, words=words,
        seed=rng.getrandbits(32),
    )  # fmt: skip


def _question_id(msg: EmailMessage, kind: str) -> str:
    subject = str(msg["Subject"])
    if "Getting to know you" in subject:
        return "getting-to-know-you"
    for number, qid in enumerate(["purpose", "role", "members", "work", "learning"], start=1):
        if subject.startswith(f"Question {number}:"):
            return qid
    return "checklist" if "checklist" in subject else ""


def _summary(result: DemoResult, answers: list[tuple[str, int]], out: TextIO) -> None:
    width = 22
    lines = ["", "What happened", "-" * 40]
    for kind, count in sorted(result.sent.items()):
        lines.append(f"{'sent: ' + kind:<{width}} {count:5d}")
    for status, count in sorted(result.read.items()):
        lines.append(f"{'read: ' + status:<{width}} {count:5d}")
    lines.append("-" * 40)
    for sector, count in answers:
        lines.append(f"{'answers from ' + sector:<{width + 8}} {count:5}")
    lines += [
        "",
        f"Archive:       {result.archive}",
        f"Latest digest: {result.digest or '(none sent)'}",
        f"Report:        {result.report}",
        f"Learning log:  {result.log}",
        "",
        textwrap.fill(
            f"Look around: reflect --config {result.directory / 'config.toml'} status, "
            "or open the report in a browser.",
            width=88,
        ),
    ]
    out.write("\n".join(lines) + "\n")
