"""A governance cycle of the example partnership, run through the real service.

``run_governance_cycle`` copies ``config.example.toml`` and ``members.example.csv``
into a folder (the digest going to every member), adds a newcomer who joins eight
days before the digest, ticks once a day from 15 February 2027 to 1 March, and
after each tick has some members answer each part of the governance review's
checklist, by number, in one reply to the email they were sent (some briefly, some at length,
one pasting a long link). What it returns is what the members were sent: the
digests, read back from the outbox Maildir. ``tests/test_digest_cycle.py`` and
``bench/digest_length.py`` (the figures in docs/email-budget.md) both use it.
"""

from __future__ import annotations

import asyncio
import mailbox
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import scheduler
from scheduler.app.services import build_services
from support.mailmaker import SentPrompt, reply

REPO = Path(scheduler.__file__).resolve().parents[1]  # the example files of the code under test
START = datetime(2027, 2, 15, 15, tzinfo=UTC)  # the digest is due 28 February, 14:00
DAYS = 15
NEWCOMER = "Sam Newby,sam.newby@willenhall-pcc.example.nhs.uk,Willenhall Primary Care Centre,primary_care,Receptionist,2027-02-20,,\n"
SILENT = (
    "dev.mistry@cwpt.example.nhs.uk",
    "kwame.mensah@example.net",
    "sam.newby@willenhall-pcc.example.nhs.uk",
)
SILENT_NAMES = ("Dev Mistry", "Kwame Mensah", "Sam Newby")
LONG_URL = (
    "https://www.example.org/partnership/minutes/2027/" + "governance-review-" * 6 + "draft.pdf"
)
UNBROKEN = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3

SHORT = "Yes, mostly. We still lean on the convenor for more than we should."
LONG = (
    "We have talked about this more than once and I think we are closer than a year ago, "
    "but honestly it still depends on who is in the room. When the council and the trust "
    "both send someone senior the conversation tilts towards their plans, and the smaller "
    "groups wait to be asked.\n\n"
    "What helped last time was going round the table before any decision, and writing down "
    "who holds which risk. I would like us to do that every time, not only when something "
    "goes wrong, and to keep the notes where everyone can find them. I would also like us "
    "to say out loud when a decision is really being made somewhere else, so nobody feels "
    "consulted after the fact."
)
WITH_LINK = f"The draft terms of reference are at {LONG_URL} and say most of it. {UNBROKEN}!"


AREAS = ("relationships", "shared-purpose", "adapting-through-change", "ways-of-working",
         "convenor-role", "governance-accountability")  # fmt: skip


def answer_for(member: str, area: str) -> str:
    """What one member says about one part of the checklist: short, long, or with a link."""
    index = (sum(map(ord, member)) + AREAS.index(area) if area in AREAS else 0) % 3
    return (SHORT, LONG, WITH_LINK)[index]


@dataclass(frozen=True)
class Cycle:
    folder: Path
    digests: list[EmailMessage]  # what the service sent as the digest, one per recipient
    answers: dict[tuple[str, str], str]  # (member, area) -> what they replied


def _checklist_prompts(folder: Path, done: set[str]) -> list[tuple[SentPrompt, str]]:
    """The governance review's question emails sent since last asked, each with its areas
    (comma-separated, in their numbering: the checklist is one email of numbered parts)."""
    from scheduler.archive.database import Archive

    archive = Archive(folder / "var" / "reflect.db")
    try:
        rows = archive.rows(
            "SELECT o.key, o.recipient, o.raw, group_concat(p.question_id) AS question_id "
            "FROM outbox o JOIN prompts p ON p.outbox_id = o.id "
            "WHERE p.meeting_id = 'governance-review' AND o.status = 'sent' "
            "GROUP BY o.id ORDER BY o.id"
        )
    finally:
        archive.close()
    found = []
    for row in rows:
        if row["key"] in done:
            continue
        done.add(row["key"])
        msg = message_from_bytes(row["raw"], policy=policy.default)
        prompt = SentPrompt(
            member=row["recipient"],
            reply_to=msg["Reply-To"].addresses[0].addr_spec,
            message_id=str(msg["Message-ID"]),
            subject=str(msg["Subject"]),
        )
        found.append((prompt, row["question_id"]))
    return found


def run_governance_cycle(folder: Path, *, digest_settings: str = "") -> Cycle:
    """The cycle in ``folder``; ``digest_settings`` are extra lines for ``[digest]``."""
    folder.mkdir(parents=True, exist_ok=True)
    config = (REPO / "config.example.toml").read_text(encoding="utf-8")
    config = config.replace("to_all_members = false", "to_all_members = true")
    for line in digest_settings.splitlines():
        key = line.split("=")[0].strip()
        config, found = re.subn(rf"(?m)^{re.escape(key)} = .*$", line, config)
        if not found:
            config = config.replace("to_all_members = true", f"to_all_members = true\n{line}")
    config = config.replace('members = "members.example.csv"', 'members = "members.csv"')
    (folder / "config.toml").write_text(config, encoding="utf-8")
    members = (REPO / "members.example.csv").read_text(encoding="utf-8")
    (folder / "members.csv").write_text(members.rstrip("\n") + "\n" + NEWCOMER, encoding="utf-8")
    (folder / "var").mkdir(mode=0o700, exist_ok=True)
    inbox = mailbox.Maildir(folder / "var" / "inbox", create=True)
    done: set[str] = set()
    answers: dict[tuple[str, str], str] = {}
    count = 0
    for day in range(DAYS):
        services = build_services(folder / "config.toml")
        try:
            asyncio.run(services.tick(START + timedelta(days=day)))
        finally:
            services.close()
        for prompt, areas in _checklist_prompts(folder, done):
            if prompt.member in SILENT:
                continue
            parts = []
            for number, area in enumerate(areas.split(","), start=1):
                answers[prompt.member, area] = answer_for(prompt.member, area)
                parts.append(f"{number}. {answers[prompt.member, area]}")
            count += 1
            text = "\n\n".join(parts)  # one reply, each part after its number
            inbox.add(reply(prompt, text, message_id=f"<answer-{count}@members.example>"))
    box = mailbox.Maildir(folder / "var" / "outbox", create=False)
    digests = []
    for key in sorted(box.iterkeys()):
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        if isinstance(msg, EmailMessage) and str(msg["X-Reflect-Kind"]) == "digest":
            digests.append(msg)
    return Cycle(folder, digests, answers)


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    return folder
